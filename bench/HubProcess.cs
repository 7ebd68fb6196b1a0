using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Tongban.DevHost.Hosting;
using Tongban.Sandbox;

namespace Tongban.Bench;

/// <summary>
/// The devhost as a child process (its own RSS and CPU), on a fresh Azurite that the bench starts on free ports,
/// with the sandbox at zero latency and instant slow work, and the request probe switched on.
/// </summary>
public sealed class HubProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;

    /// <summary>The engine's task hub: its tables, queues and containers are named after it.</summary>
    public const string TaskHub = "bench";

    private HubProcess(Process process, StreamWriter log, AzuriteLauncher azurite, Uri url, Uri sandboxUrl, string logPath)
    {
        LogPath = logPath;
        this.process = process;
        this.log = log;
        Azurite = azurite;
        Url = url;
        SandboxUrl = sandboxUrl;
    }

    public AzuriteLauncher Azurite { get; }

    public Uri Url { get; }

    public Uri SandboxUrl { get; }

    public int ProcessId => process.Id;

    /// <summary>The devhost's log (its console), for the engine warnings the bench counts.</summary>
    public string LogPath { get; }

    public static async Task<HubProcess> StartAsync(string root, string backend, BenchOptions options, string population, string logPath, CancellationToken ct)
    {
        var dll = DevHostDll(root);
        var location = options.Azurite == "disk" ? Directory.CreateTempSubdirectory("tongban-bench-azurite").FullName : null;
        var azurite = await AzuriteLauncher.StartOnFreePortsAsync(location, ct);
        var hubPort = AzuriteLauncher.FreePort();
        var sandboxPort = AzuriteLauncher.FreePort();

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{hubPort}");
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Tongban:TaskHub"] = TaskHub,
            ["Tongban:Pii:Keys:bench"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Tongban:Pii:ActiveKeyId"] = "bench",
            ["Tongban:Sandbox:Port"] = sandboxPort.ToString(CultureInfo.InvariantCulture),
            ["Tongban:Sandbox:Population"] = population,
            ["Tongban:Bench:Probe"] = "true",
            ["Tongban:Engine:Backend"] = backend,
            ["Logging:LogLevel:Default"] = "Warning",
            // Each line with its UTC time, so an engine warning can be set beside the progress line and slow reads of that moment.
            ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
            ["Logging:Console:FormatterOptions:UseUtcTimestamp"] = "true",
            ["DOTNET_ENVIRONMENT"] = "Production",
            // The bench measures what the hub can take, not the partner's rate limit (20/s by default).
            ["Tongban:Partners:310000:RateLimit:RequestsPerSecond"] = "100000",
            ["Tongban:Partners:310000:RateLimit:Burst"] = "100000",
        };
        // Nor the hub's own limit towards each province (20 calls/s by default, what it promises each province): the bench's
        // marriages call Shanghai four times each, so that limit alone held every run to 5 cases/s (found 2026-12-06).
        foreach (var province in ProvinceSandbox.ProvinceCodes)
        {
            settings[$"Tongban:Provinces:{province}:Resilience:RequestsPerSecond"] = "1000";
            settings[$"Tongban:Provinces:{province}:Resilience:Burst"] = "1000";
        }

        foreach (var (key, value) in options.Settings) settings[key] = value;
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the devhost.");
        var writer = new StreamWriter(logPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var hub = new HubProcess(process, writer, azurite, new Uri($"http://127.0.0.1:{hubPort}"), new Uri($"http://127.0.0.1:{sandboxPort}"), logPath);
        try
        {
            await hub.WaitHealthyAsync(ct);
            await hub.InstantProvincesAsync(ct);
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }

        return hub;
    }

    /// <summary>The devhost built beside this bench (same configuration): `dotnet run -c Release --project bench` builds both.</summary>
    private static string DevHostDll(string root)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var dll = Path.Combine(root, "devhost", "bin", configuration, "net10.0", "Tongban.DevHost.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the devhost first ({dll} is missing).");
    }

    private async Task WaitHealthyAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"The devhost exited with code {process.ExitCode}; see its log.");
            try
            {
                using var response = await http.GetAsync("/_bench/requests", ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // slow start
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException("The devhost did not answer within 2 minutes.");
            await Task.Delay(250, ct);
        }
    }

    /// <summary>Zero latency, no errors, no rate limits and instant slow work in every simulated province.</summary>
    private async Task InstantProvincesAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = SandboxUrl };
        var instant = new { latencyMs = 0, errorRate = 0.0, rateLimitPerSecond = 0, down = false, slowWorkDelayMs = 0 };
        var body = ProvinceSandbox.ProvinceCodes.ToDictionary(code => code, _ => (object)instant);
        using var response = await http.PutAsJsonAsync("/_sandbox/knobs", body, ct);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Outgoing HTTP requests the hub has made so far, by "work:{port}" / "observe:{port}".</summary>
    public async Task<Dictionary<string, long>> RequestsAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = Url };
        return await http.GetFromJsonAsync<Dictionary<string, long>>("/_bench/requests", ct) ?? [];
    }

    public ProcStat Hub() => ProcStat.Read(process.Id);

    private readonly HttpClient gauges = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>
    /// The devhost's turns and thread pool at this moment (<c>GET /_bench/now</c>), for the progress line: "writes 32+200" (writing
    /// API calls answered + waiting for a turn), "storage c 4+0 b 8+130" (callers' and the background's storage requests in flight
    /// + waiting for a turn), "pool 9 threads 0 queued". Blocks for at most 2 s; a devhost that does not answer by then is itself
    /// the news.
    /// </summary>
    public string Gauges()
    {
        try
        {
            var now = gauges.GetFromJsonAsync<Dictionary<string, long>>(new Uri(Url, "/_bench/now")).GetAwaiter().GetResult() ?? [];
            long Of(string key) => now.GetValueOrDefault(key);
            return string.Create(CultureInfo.InvariantCulture,
                $"writes {Of("writesAnswering")}+{Of("writesWaiting")}, storage c {Of("callersInFlight")}+{Of("callersWaiting")} b {Of("backgroundInFlight")}+{Of("backgroundWaiting")}, pool {Of("threads")} threads {Of("queuedWorkItems")} queued");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return "devhost: no answer within 2 s";
        }
    }

    public ProcStat? AzuriteStat() => Azurite.ProcessId is { } pid ? ProcStat.Read(pid) : null;

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        gauges.Dispose();
        await Azurite.DisposeAsync();
        lock (log) log.Dispose();
    }
}

/// <summary>A process's CPU seconds (utime + stime) and resident set (now and peak) from /proc.</summary>
public sealed record ProcStat(double CpuSeconds, long RssBytes, long PeakRssBytes)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static ProcStat Read(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After "pid (comm) ": state is field 3, utime 14, stime 15 (1-based) → indexes 11 and 12 here.
        var cpu = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line);
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kilobytes(line);
        }

        return new ProcStat(cpu, rss, peak);
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
}
