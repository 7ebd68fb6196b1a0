using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Tongban.Provinces;
using Tongban.Provinces.Resilience;

namespace Tongban.Tests.Provinces.Resilience;

/// <summary>
/// The production wiring for one province, in miniature: its named HttpClient with AddProvinceResilience, the
/// adapter factories and the registry, over a loopback stub. Logs are captured so tests can read the circuit lines.
/// </summary>
internal sealed class ProtectedProvinceHarness : IAsyncDisposable
{
    private readonly ServiceProvider services;

    private ProtectedProvinceHarness(ServiceProvider services, LoopbackProvince stub, FakeLogCollector logs, string code)
    {
        this.services = services;
        Stub = stub;
        Logs = logs;
        Code = code;
    }

    public LoopbackProvince Stub { get; }

    public FakeLogCollector Logs { get; }

    public string Code { get; }

    public IProvinceAdapter Adapter => services.GetRequiredService<ProvinceRegistry>().Adapter(Code);

    public ProvinceCircuit Circuit => services.GetRequiredService<ProvinceCircuits>().For(Code);

    public static Task<ProtectedProvinceHarness> ShanghaiAsync(Func<RecordedRequest, StubReply> handle, params (string Key, string Value)[] resilience) =>
        StartAsync("310000", "sh-hmac", handle, [("appKey", "tongban-hub"), ("appSecret", "sh-secret")], resilience);

    public static Task<ProtectedProvinceHarness> ZhejiangAsync(Func<RecordedRequest, StubReply> handle, params (string Key, string Value)[] resilience) =>
        StartAsync("330000", "zj-gateway", handle, [("appKey", "tongban-hub"), ("appSecret", "zj-secret")], resilience);

    private static async Task<ProtectedProvinceHarness> StartAsync(
        string code, string scheme, Func<RecordedRequest, StubReply> handle,
        (string Key, string Value)[] credentials, (string Key, string Value)[] resilience)
    {
        var stub = await LoopbackProvince.StartAsync(handle);
        var root = $"Tongban:Provinces:{code}";
        var settings = new Dictionary<string, string?> { [$"{root}:Scheme"] = scheme, [$"{root}:BaseUrl"] = stub.BaseUrl.ToString() };
        foreach (var (key, value) in credentials) settings[$"{root}:{key}"] = value;
        foreach (var (key, value) in resilience) settings[$"{root}:Resilience:{key}"] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        var logs = new FakeLogCollector();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs)));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(TimeProvider.System);
        services.AddTongbanProvinceAdapters();
        services.AddSingleton<ProvinceRegistry>();
        services.AddHttpClient(ProvinceRegistry.HttpClientName(code), client => client.Timeout = TimeSpan.FromSeconds(30))
            .AddProvinceResilience(code, configuration);
        return new ProtectedProvinceHarness(services.BuildServiceProvider(validateScopes: true), stub, logs, code);
    }

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        await Stub.DisposeAsync();
    }
}

internal static class CircuitLogLines
{
    /// <summary>The {State} values of the "Province {Province} circuit {State}" lines, in order.</summary>
    public static List<string> CircuitStates(this FakeLogCollector logs, string province) => logs.GetSnapshot()
        .Where(e => e.GetStructuredStateValue("{OriginalFormat}") is { } format && format.StartsWith("Province {Province} circuit {State}", StringComparison.Ordinal))
        .Where(e => e.GetStructuredStateValue("Province") == province)
        .Select(e => e.GetStructuredStateValue("State")!)
        .ToList();
}
