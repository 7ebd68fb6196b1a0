namespace Tongban.Provinces.Anhui;

/// <summary>Builds <see cref="AnhuiAdapter"/>s for endpoints whose scheme is <c>ah-tif</c>.</summary>
public sealed class AnhuiAdapterFactory(TimeProvider time) : IProvinceAdapterFactory
{
    public string Scheme => AnhuiAdapter.SchemeName;

    public IProvinceAdapter Create(ProvinceEndpoint endpoint, HttpClient http) => new AnhuiAdapter(endpoint, http, time);
}
