namespace Tongban.Provinces.Jiangxi;

/// <summary>Builds <see cref="JiangxiAdapter"/>s for endpoints whose scheme is <c>jx-esb</c>.</summary>
public sealed class JiangxiAdapterFactory(TimeProvider time) : IProvinceAdapterFactory
{
    public string Scheme => JiangxiAdapter.SchemeName;

    public IProvinceAdapter Create(ProvinceEndpoint endpoint, HttpClient http) => new JiangxiAdapter(endpoint, http, time);
}
