namespace Tongban.Provinces.Zhejiang;

/// <summary>
/// Builds <see cref="ZhejiangAdapter"/>s. The token lives in the adapter instance, so keep one adapter per
/// province (e.g. a singleton) rather than creating one per call.
/// </summary>
public sealed class ZhejiangAdapterFactory(TimeProvider? time = null) : IProvinceAdapterFactory
{
    public string Scheme => ZhejiangAdapter.SchemeName;

    public IProvinceAdapter Create(ProvinceEndpoint endpoint, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!string.Equals(endpoint.Scheme, Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Province {endpoint.Code} uses scheme '{endpoint.Scheme}', not '{Scheme}'.", nameof(endpoint));
        }

        return new ZhejiangAdapter(endpoint, http, time ?? TimeProvider.System);
    }
}
