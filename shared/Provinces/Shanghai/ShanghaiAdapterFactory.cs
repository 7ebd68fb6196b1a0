namespace Tongban.Provinces.Shanghai;

/// <summary>Builds <see cref="ShanghaiAdapter"/>s for endpoints of scheme <c>sh-hmac</c>.</summary>
public sealed class ShanghaiAdapterFactory(TimeProvider? time = null) : IProvinceAdapterFactory
{
    public string Scheme => ShanghaiAdapter.SchemeName;

    public IProvinceAdapter Create(ProvinceEndpoint endpoint, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!string.Equals(endpoint.Scheme, Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Province {endpoint.Code} uses scheme '{endpoint.Scheme}', not '{Scheme}'.", nameof(endpoint));
        }

        return new ShanghaiAdapter(endpoint, http, time ?? TimeProvider.System);
    }
}
