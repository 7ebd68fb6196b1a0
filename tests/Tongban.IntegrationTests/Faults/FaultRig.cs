using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Tongban.DevHost.Demo;
using Tongban.DevHost.Hosting;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Sandbox;
using Xunit.Abstractions;

namespace Tongban.IntegrationTests.Faults;

/// <summary>
/// One fault test's world: an Azurite the test starts with its data on disk (so it survives restarts), the province
/// sandbox in this process (so its effects survive hub kills), and the environment for devhost child processes.
/// </summary>
public sealed class FaultRig : IAsyncDisposable
{
    /// <summary>Devhost lines kept in the test output; TONGBAN_FAULT_HUB_LINES raises it (the soak keeps them all, at Information).</summary>
    public static int MaxForwardedLines { get; } =
        int.TryParse(System.Environment.GetEnvironmentVariable("TONGBAN_FAULT_HUB_LINES"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 300;

    private readonly ITestOutputHelper output;
    private readonly Dictionary<string, string> secrets;
    private readonly List<DevHostProcess> hubs = [];
    private readonly ConcurrentDictionary<int, HttpClient> clients = new();
    private readonly ConcurrentDictionary<(int Port, string Province), PartnerClient> partners = new();
    private readonly DateTime began = DateTime.UtcNow;
    private int forwarded;

    private FaultRig(ITestOutputHelper output, AzuriteLauncher azurite, string location, ProvinceSandbox sandbox, Dictionary<string, string> secrets)
    {
        this.output = output;
        Azurite = azurite;
        Location = location;
        Sandbox = sandbox;
        this.secrets = secrets;
    }

    public AzuriteLauncher Azurite { get; private set; }

    public string Location { get; }

    public ProvinceSandbox Sandbox { get; }

    public string TaskHub { get; } = "fault" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>The same PII key for every start: a restarted hub must read the cases it wrote.</summary>
    public string PiiKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static readonly string[] Provinces = ["330000", "310000", "360000", "340000"];

    public static async Task<FaultRig> StartAsync(ITestOutputHelper output)
    {
        var location = Path.Combine(Path.GetTempPath(), "tongban-faults-" + Guid.NewGuid().ToString("N")[..8]);
        var credentials = RepoRoot.SandboxCredentials() ?? throw new InvalidOperationException("No sandbox credentials beside the repository.");
        var config = new ConfigurationBuilder().AddJsonFile(credentials).Build();
        var secrets = Provinces.ToDictionary(p => p, p => config[$"partners:{p}:secret"]!);
        var azurite = await TestProcesses.StartAzuriteAsync(location);
        ProvinceSandbox sandbox;
        try
        {
            sandbox = await ProvinceSandbox.StartAsync(new SandboxOptions(), CancellationToken.None);
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }

        var rig = new FaultRig(output, azurite, location, sandbox, secrets);
        rig.Log($"Azurite on {location} (blob {azurite.BlobPort}), sandbox on {sandbox.BaseUrl}, task hub {rig.TaskHub}");
        return rig;
    }

    public void Log(string message)
    {
        try
        {
            output.WriteLine($"[{(DateTime.UtcNow - began).TotalSeconds,6:0.0}s] {message}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; a late line from a child process is dropped.
        }
    }

    /// <summary>
    /// A fault test's line of figures: in the test output, and in the file TONGBAN_FAULT_REPORT names, which eng/test.sh
    /// prints before its summary (dotnet test shows a passing test's output only at detailed verbosity).
    /// </summary>
    public void Report(string line)
    {
        Log("RESULT " + line);
        if (System.Environment.GetEnvironmentVariable("TONGBAN_FAULT_REPORT") is { Length: > 0 } report) File.AppendAllText(report, line + "\n");
    }

    /// <summary>The devhost's configuration, all by environment variables.</summary>
    public Dictionary<string, string> Environment()
    {
        var env = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
            ["Tongban__TaskHub"] = TaskHub,
            ["Tongban__Pii__Keys__fault"] = PiiKey,
            ["Tongban__Pii__ActiveKeyId"] = "fault",
            // A killed hub's province-queue messages come back after this, as the engine's do after 30 s (the devhost's
            // 2 minutes only made the run wait); above a province call's 20 s total time-out, so a live hub gets none twice.
            ["Tongban__Queues__VisibilityTimeout"] = "00:00:30",
            ["Tongban__Queues__RetryDelay"] = "00:00:00.500",
            ["Tongban__Queues__MaxRetryDelay"] = "00:00:02",
            ["Tongban__Workflow__RetryDelay"] = "00:00:01",
            ["Tongban__Workflow__MaxRetryDelay"] = "00:00:03",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var code in Provinces) env[$"Tongban__Provinces__{code}__BaseUrl"] = Sandbox.BaseUrl.ToString();
        // These partners poll every case four times a second, far past the production rate limit: it is not what is tested here.
        foreach (var code in Provinces)
        {
            env[$"Tongban__Partners__{code}__RateLimit__RequestsPerSecond"] = "100000";
            env[$"Tongban__Partners__{code}__RateLimit__Burst"] = "100000";
        }

        return env;
    }

    public async Task<DevHostProcess> StartHubAsync(string name, int? port = null)
    {
        var hub = await DevHostProcess.StartAsync(name, port ?? AzuriteLauncher.FreePort(), Environment(), ForwardLine, CancellationToken.None);
        hubs.Add(hub);
        return hub;
    }

    /// <summary>
    /// A hub whose environment is <see cref="Environment"/> with <paramref name="settings"/> added (or overriding), and
    /// whose every output line also goes to <paramref name="observe"/> (the test output keeps only the first lines).
    /// </summary>
    public async Task<DevHostProcess> StartHubAsync(string name, IReadOnlyDictionary<string, string> settings, Action<string> observe)
    {
        var environment = Environment();
        foreach (var (key, value) in settings) environment[key] = value;
        var hub = await DevHostProcess.StartAsync(name, AzuriteLauncher.FreePort(), environment, line =>
        {
            observe(line);
            ForwardLine(line);
        }, CancellationToken.None);
        hubs.Add(hub);
        return hub;
    }

    /// <summary>A partner of <paramref name="province"/> talking to <paramref name="hub"/> (its port stays the same across restarts): one client per hub, kept.</summary>
    public PartnerClient Partner(DevHostProcess hub, string province) =>
        partners.GetOrAdd((hub.Port, province), key => new PartnerClient(
            clients.GetOrAdd(key.Port, _ => new HttpClient { BaseAddress = hub.Url, Timeout = TimeSpan.FromSeconds(15) }), province, secrets[province]));

    /// <summary>What no longer runs that should (a hub or Azurite gone without the test stopping it), or null.</summary>
    public string? Broken()
    {
        if (hubs.FirstOrDefault(h => !h.Running) is { } hub) return $"{hub.Name} is not running";
        try
        {
            using var node = System.Diagnostics.Process.GetProcessById(Azurite.ProcessId ?? -1);
            return node.HasExited ? "Azurite is not running" : null;
        }
        catch (ArgumentException)
        {
            return "Azurite is not running";
        }
    }

    /// <summary>
    /// What the Durable engine holds for one instance: its instance row, its history (event types in order) and the control
    /// messages still queued for it. Printed for a lost case, so a run shows where the engine left it.
    /// </summary>
    public async Task<string> EngineTraceAsync(string instanceId)
    {
        var tables = new Azure.Data.Tables.TableServiceClient(Azurite.ConnectionString);
        var instance = await tables.GetTableClient(TaskHub + "Instances").GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>(instanceId, "");
        var status = instance.HasValue ? instance.Value!.GetString("RuntimeStatus") ?? "?" : "no instance row";
        var events = new List<string>();
        await foreach (var row in tables.GetTableClient(TaskHub + "History").QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == instanceId))
        {
            if (row.GetString("EventType") is { } type) events.Add($"{type}#{row.GetInt32("EventId") ?? row.GetInt32("TaskScheduledId") ?? -1}");
        }

        var queued = new List<string>();
        var queues = new Azure.Storage.Queues.QueueServiceClient(Azurite.ConnectionString);
        await foreach (var queue in queues.GetQueuesAsync(prefix: TaskHub.ToLowerInvariant() + "-control-"))
        {
            foreach (var message in (await queues.GetQueueClient(queue.Name).PeekMessagesAsync(32)).Value)
            {
                var body = message.Body.ToString();
                if (body.Contains(instanceId, StringComparison.Ordinal)) queued.Add($"{queue.Name[^2..]}:{body[..Math.Min(120, body.Length)]}");
            }
        }

        return $"engine: {status}; history {events.Count} [{string.Join(" ", events.TakeLast(12))}]; control messages {queued.Count} {string.Join(" | ", queued)}";
    }

    /// <summary>Starts Azurite again (after <see cref="AzuriteLauncher.Kill"/>) on the same ports and data folder.</summary>
    public async Task StartStorageAgainAsync()
    {
        Azurite = await AzuriteLauncher.StartAsync(Azurite.BlobPort, Azurite.QueuePort, Azurite.TablePort, Location, CancellationToken.None);
        TestProcesses.Hold(Azurite.ProcessId!.Value);
        Log("Azurite restarted on the same data folder and ports");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in clients.Values) client.Dispose();
        // Every hub, the sandbox and Azurite stop even when one of them fails to.
        await TestProcesses.StopAllAsync([.. hubs.Select(hub => (Func<ValueTask>)hub.DisposeAsync), Sandbox.DisposeAsync, Azurite.DisposeAsync]);
        try
        {
            Directory.Delete(Location, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void ForwardLine(string line)
    {
        if (!line.StartsWith('[')) { Log(line); return; }
        var n = Interlocked.Increment(ref forwarded);
        if (n <= MaxForwardedLines) Log(line);
        else if (n == MaxForwardedLines + 1) Log($"(further devhost output dropped after {MaxForwardedLines} lines)");
    }

    public static string? Status(JsonNode? node) => node?["status"]?.ToString();
}
