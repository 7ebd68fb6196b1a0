using Microsoft.Extensions.Configuration;

namespace Tongban.Provinces;

/// <summary>
/// One configured province: <c>Tongban:Provinces:{code}</c> with <c>Scheme</c>, <c>BaseUrl</c> and the
/// credential fields named as in contracts/provinces/test-credentials.json (appKey, appSecret, …).
/// </summary>
public sealed class ProvinceEndpoint
{
    public required string Code { get; init; }

    /// <summary>The protocol family, e.g. <c>zj-gateway</c>, <c>sh-hmac</c>, <c>jx-esb</c>, <c>ah-tif</c>.</summary>
    public required string Scheme { get; init; }

    /// <summary>The province's server; the path prefixes of its spec are appended to it.</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>The whole <c>Tongban:Provinces:{code}</c> section, for the scheme's own fields.</summary>
    public required IConfiguration Settings { get; init; }

    /// <summary>A required setting, or a start-up failure naming the missing key.</summary>
    public string Require(string key)
    {
        var value = Settings[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException($"Missing configuration value 'Tongban:Provinces:{Code}:{key}'.");
        }

        return value;
    }

    /// <summary>Resolves a path of the province's spec against BaseUrl, keeping BaseUrl's own path.</summary>
    public Uri Resolve(string pathAndQuery)
    {
        var root = BaseUrl.ToString().TrimEnd('/');
        return new Uri(root + (pathAndQuery.StartsWith('/') ? pathAndQuery : "/" + pathAndQuery));
    }
}

/// <summary>Builds the adapter for one protocol family. Adding a province = configuration (+ one factory if it speaks a new protocol).</summary>
public interface IProvinceAdapterFactory
{
    string Scheme { get; }

    IProvinceAdapter Create(ProvinceEndpoint endpoint, HttpClient http);
}
