using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Tongban.Provinces.Resilience;

namespace Tongban.Provinces;

/// <summary>
/// The configured member provinces and their adapters: the one place a province code meets its
/// protocol. Members come from <c>Tongban:Provinces</c>; each names a Scheme served by a registered
/// <see cref="IProvinceAdapterFactory"/>.
/// </summary>
public sealed class ProvinceRegistry
{
    private readonly Dictionary<string, ProvinceEndpoint> endpoints;
    private readonly Dictionary<string, IProvinceAdapterFactory> factories;
    private readonly IHttpClientFactory http;
    private readonly ProvinceCircuits? circuits;
    private readonly ConcurrentDictionary<string, IProvinceAdapter> adapters = new();

    /// <param name="circuits">Registered by AddProvinceResilience; when present, every adapter call goes through its province's circuit.</param>
    public ProvinceRegistry(IConfiguration configuration, IEnumerable<IProvinceAdapterFactory> factories, IHttpClientFactory http, ProvinceCircuits? circuits = null)
    {
        this.http = http;
        this.circuits = circuits;
        this.factories = factories.ToDictionary(f => f.Scheme, StringComparer.OrdinalIgnoreCase);
        endpoints = [];
        foreach (var section in configuration.GetSection("Tongban:Provinces").GetChildren())
        {
            var scheme = section["Scheme"] ?? throw new InvalidOperationException($"Missing configuration value 'Tongban:Provinces:{section.Key}:Scheme'.");
            var baseUrl = section["BaseUrl"] ?? throw new InvalidOperationException($"Missing configuration value 'Tongban:Provinces:{section.Key}:BaseUrl'.");
            if (!this.factories.ContainsKey(scheme))
            {
                throw new InvalidOperationException($"Province {section.Key} names scheme '{scheme}', which no adapter serves.");
            }

            endpoints[section.Key] = new ProvinceEndpoint { Code = section.Key, Scheme = scheme, BaseUrl = new Uri(baseUrl), Settings = section };
        }
    }

    public IReadOnlyCollection<string> Codes => endpoints.Keys;

    public bool IsMember(string code) => endpoints.ContainsKey(code);

    public ProvinceEndpoint Endpoint(string code) =>
        endpoints.TryGetValue(code, out var endpoint) ? endpoint : throw new KeyNotFoundException($"Province {code} is not a configured member.");

    public IProvinceAdapter Adapter(string code) => adapters.GetOrAdd(code, c =>
    {
        var endpoint = Endpoint(c);
        // Scrubbing sits right around the adapter, inside the circuit: whatever the adapter returns or throws is scrubbed
        // before the circuit logs it or a step records it. A factory cannot opt out.
        var adapter = new ScrubbedProvinceAdapter(factories[endpoint.Scheme].Create(endpoint, http.CreateClient(HttpClientName(c))));
        return circuits is null ? adapter : new ProtectedProvinceAdapter(adapter, circuits.For(c));
    });

    public static string HttpClientName(string code) => $"province-{code}";
}
