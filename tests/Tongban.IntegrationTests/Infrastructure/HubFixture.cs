using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tongban.DevHost;
using Tongban.DevHost.Demo;
using Tongban.DevHost.Hosting;
using Tongban.Sandbox;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>
/// The whole hub as a partner meets it: Azurite (started here, in memory), the devhost with the Durable
/// engine, and the province sandbox, all over real loopback HTTP. Partners sign with the sandbox secrets.
/// </summary>
public class HubFixture : IAsyncLifetime
{
    /// <summary>Short enough for an expiry test, long enough for a test to decide in time.</summary>
    public static readonly TimeSpan ReviewWindow = TimeSpan.FromSeconds(15);

    private AzuriteLauncher? azurite;
    private DevHostApp? hub;
    private HttpClient? http;
    private int stopped;

    public DevHostApp Hub => hub ?? throw new InvalidOperationException("Not started.");

    public ProvinceSandbox Sandbox => Hub.Sandbox ?? throw new InvalidOperationException("No sandbox.");

    public string StorageConnectionString => azurite!.ConnectionString;

    /// <summary>The node process of the Azurite this fixture started, kept after it stops (a test checks it is gone).</summary>
    public int? AzuriteProcessId { get; private set; }

    public string TaskHub { get; } = "e2e" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>
    /// The partners' webhook, listening for the fixture's lifetime (so no other process takes its port); every partner
    /// registers its origin, <c>http://127.0.0.1:{port}</c>. Tests set its answer.
    /// </summary>
    public CallbackReceiver Callbacks => callbacks ?? throw new InvalidOperationException("Not started.");

    private CallbackReceiver? callbacks;

    public PartnerClient Partner(string code) => new(http!, code, Hub.Services.GetRequiredService<IConfiguration>()[$"Tongban:Partners:{code}:Secret"]!);

    /// <summary>A client signing as an operator configured under Tongban:Operators (see RedriveHubFixture), or with any secret.</summary>
    public PartnerClient Operator(string id, string? secret = null) =>
        PartnerClient.ForOperator(http!, id, secret ?? Hub.Services.GetRequiredService<IConfiguration>()[$"Tongban:Operators:{id}:Secret"]!);

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            // A start that fails stops what it started here: nothing else is sure to (xUnit v3 disposes no fixture whose start failed).
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        callbacks = await CallbackReceiver.StartAsync();
        await BeforeStartAsync();
        azurite = await TestProcesses.StartAzuriteAsync();
        AzuriteProcessId = azurite.ProcessId;
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Tongban:TaskHub"] = TaskHub,
            ["Tongban:Pii:Keys:hub"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Tongban:Pii:ActiveKeyId"] = "hub",
            ["Tongban:Marriage:ReviewWindow"] = ReviewWindow.ToString(),
            // A step parked by an open circuit waits for the circuit, not for a time-out round.
            ["Tongban:Workflow:StepTimeout"] = "00:02:00",
            ["Tongban:Workflow:RetryDelay"] = "00:00:01",
            ["Tongban:Workflow:MaxRetryDelay"] = "00:00:02",
            ["Tongban:Queues:RetryDelay"] = "00:00:00.200",
            ["Tongban:Queues:MaxRetryDelay"] = "00:00:01",
            // Cases here fail and close at once, as they did before holding for redrive; RedriveHubFixture holds them.
            ["Tongban:Workflow:ParkFor"] = "00:00:00",
            ["Tongban:Workflow:RedriveWindow"] = "00:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var code in new[] { "330000", "310000", "360000", "340000" })
        {
            // A circuit opened by an outage test half-opens within seconds, not the production 30 s.
            settings[$"Tongban:Provinces:{code}:Resilience:CircuitBreaker:BreakDuration"] = "00:00:02";
            settings[$"Tongban:Partners:{code}:CallbackOrigins:0"] = $"http://127.0.0.1:{Callbacks.Url.Port}";
        }

        // A failed callback is tried again within a second, not the production 30 s.
        settings["Tongban:Callbacks:RetryDelay"] = "00:00:00.200";
        settings["Tongban:Callbacks:MaxRetryDelay"] = "00:00:01";

        Configure(settings);
        hub = await DevHostApp.StartAsync([], config => config.AddInMemoryCollection(settings), ConfigureServices);
        http = new HttpClient(OpenApiConformance.Create()) { BaseAddress = hub.Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>A fixture's own servers, started before the hub (their ports go into its settings).</summary>
    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    protected virtual ValueTask AfterStopAsync() => ValueTask.CompletedTask;

    /// <summary>A fixture's own services in the hub (a log recorder or sink, say), added after the hub's.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>A fixture's own settings over the defaults above.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    /// <summary>Stops everything started, once (again after a failed start is a no-op); one failure to stop does not keep the rest running.</summary>
    public async Task DisposeAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1) return;
        http?.Dispose();
        await TestProcesses.StopAllAsync(
            () => hub?.DisposeAsync() ?? ValueTask.CompletedTask,
            () => azurite?.DisposeAsync() ?? ValueTask.CompletedTask,
            () => callbacks?.DisposeAsync() ?? ValueTask.CompletedTask,
            AfterStopAsync);
    }

    /// <summary>Polls the case as <paramref name="partner"/> until <paramref name="until"/> holds or the time is up.</summary>
    public static async Task<JsonNode> WaitForCaseAsync(PartnerClient partner, string caseId, Func<JsonNode, bool> until, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        JsonNode? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var response = await partner.GetAsync($"/api/v1/cases/{caseId}");
            Assert.Equal(200, response.Status);
            last = response.Json!;
            if (until(last)) return last;
            await Task.Delay(100);
        }

        throw new TimeoutException($"Case {caseId} did not get there in time; last seen: {last?.ToJsonString()}");
    }

    public static Task<JsonNode> WaitForStatusAsync(PartnerClient partner, string caseId, params string[] statuses) =>
        WaitForCaseAsync(partner, caseId, c => statuses.Contains(c["status"]?.ToString()));
}

[CollectionDefinition(Name)]
public sealed class HubCollection : ICollectionFixture<HubFixture>
{
    public const string Name = "hub";
}
