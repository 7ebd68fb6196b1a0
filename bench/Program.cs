using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tongban.Bench;
using Tongban.DevHost.Hosting;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    if (e.Message.Length > 0) Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

var root = RepoRoot.Find();
var credentials = RepoRoot.SandboxCredentials() ?? throw new InvalidOperationException("test-credentials.json not found beside the repository.");
var secret = JsonNode.Parse(File.ReadAllText(credentials))!["partners"]!["310000"]!["secret"]!.ToString();
var resultsDir = Path.Combine(root, "bench", "results");
Directory.CreateDirectory(resultsDir);
var population = BenchPopulation.Write(options.Cases + options.Warmup, Path.Combine(resultsDir, "population.json"));
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

Console.WriteLine($"Tongban bench: {options.Cases} {options.CaseType} cases per backend, " +
    (options.Concurrency > 0 ? $"{options.Concurrency} in flight" : $"{options.Rate.ToString(CultureInfo.InvariantCulture)}/s") +
    (options.Hold ? ", reviews held until all await one" : "") + $", {options.StatusReadsPerSecond} status reads/s, Azurite {options.Azurite}; {Environment.ProcessorCount} cores");

// The warm-up's cases, one at a time, each with its own people (numbered after the measured cases'): the process's JIT and first
// connections are paid before the figures start counting. Their hub share is printed, the first one being the cold start.
async Task<IReadOnlyList<double>> WarmUpAsync(HubProcess hub, string backend, CancellationToken ct)
{
    if (options.Warmup == 0) return [];
    using var warming = new Workload(hub.Url, secret, options with
    {
        Cases = options.Warmup, FirstCase = options.Cases, Concurrency = 1, Hold = false, PartnerReads = TimeSpan.Zero,
    }, TextWriter.Null);
    var done = await warming.RunAsync($"{backend}-warmup-{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}", ct);
    var failed = done.FirstOrDefault(r => r.Error is not null);
    if (failed is not null) throw new InvalidOperationException($"[{backend}] a warm-up case failed: {failed.Error}");
    var shares = done.Select(r => r.HubSeconds).ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"[{backend}] warm-up, {shares.Count} cases one at a time, in no figure: hub share {string.Join(" / ", shares.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))} s"));
    return shares;
}

// The hub's requests over --settle seconds with no case open (after the warm-up): the idle polling the settle window's count is
// set against.
async Task<Dictionary<string, long>?> IdleAsync(HubProcess hub, Dictionary<string, string> ports, CancellationToken ct)
{
    if (options.Settle == TimeSpan.Zero) return null;
    Console.WriteLine($"  idle {options.Settle.TotalSeconds:F0} s: the hub's polling with no case open");
    var from = await hub.RequestsAsync(ct);
    await Task.Delay(options.Settle, ct);
    return Delta(from, await hub.RequestsAsync(ct), ports);
}

// After the last case ended: the requests over --settle seconds more, less the idle window's, per case, by operation.
async Task<IReadOnlyDictionary<string, double>?> SettleAsync(HubProcess hub, Dictionary<string, string> ports, Dictionary<string, long> ended,
    int cases, Dictionary<string, long>? idle, CancellationToken ct)
{
    if (idle is null || cases == 0 || ct.IsCancellationRequested) return null;
    Console.WriteLine($"  settling {options.Settle.TotalSeconds:F0} s: the ended cases' late requests");
    try
    {
        await Task.Delay(options.Settle, ct);
    }
    catch (OperationCanceledException)
    {
        Console.WriteLine("  settling cut short by the time limit: no late figure");
        return null;
    }

    var settled = Delta(ended, await hub.RequestsAsync(ct), ports);
    var late = settled.Keys.Union(idle.Keys).ToDictionary(key => key, key => settled.GetValueOrDefault(key) - idle.GetValueOrDefault(key));
    return BackendFigures.PerOperation(late, cases).Where(o => Math.Abs(o.Value) >= 0.005).ToDictionary();
}

var figures = new List<BackendFigures>();
foreach (var backend in options.Backends)
{
    Console.WriteLine($"[{backend}] starting Azurite and the devhost");
    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token);
    timeout.CancelAfter(options.Timeout);
    await using var hub = await HubProcess.StartAsync(root, backend, options, population, Path.Combine(resultsDir, $"devhost-{backend}.log"), timeout.Token);
    var portNames = new Dictionary<string, string>
    {
        [hub.Azurite.BlobPort.ToString(CultureInfo.InvariantCulture)] = "blob",
        [hub.Azurite.QueuePort.ToString(CultureInfo.InvariantCulture)] = "queue",
        [hub.Azurite.TablePort.ToString(CultureInfo.InvariantCulture)] = "table",
    };

    var warmup = await WarmUpAsync(hub, backend, timeout.Token);
    var idle = await IdleAsync(hub, portNames, timeout.Token);
    var requestsBefore = await hub.RequestsAsync(timeout.Token);
    var azuriteBefore = hub.AzuriteStat();
    var hubBefore = hub.Hub();
    var started = DateTimeOffset.UtcNow;
    Console.WriteLine($"[{backend}] the cases' run begins at {started:HH:mm:ss} UTC (the devhost log's clock)");
    var sample = (At: Stopwatch.GetTimestamp(), Hub: hubBefore, Azurite: azuriteBefore);
    // The progress line: the hub's memory, each process's share of a core since the line before, and what the devhost waits on now.
    string Status()
    {
        var now = (At: Stopwatch.GetTimestamp(), Hub: hub.Hub(), Azurite: hub.AzuriteStat());
        var seconds = Stopwatch.GetElapsedTime(sample.At, now.At).TotalSeconds;
        string Share(double? from, double? to) => from is { } a && to is { } b && seconds > 0 ? $"{(b - a) / seconds * 100:F0}%" : "–";
        var line = string.Create(CultureInfo.InvariantCulture,
            $"hub RSS {now.Hub.RssBytes / 1048576.0:F0} MB (peak {now.Hub.PeakRssBytes / 1048576.0:F0}), CPU hub {Share(sample.Hub.CpuSeconds, now.Hub.CpuSeconds)} Azurite {Share(sample.Azurite?.CpuSeconds, now.Azurite?.CpuSeconds)}, {hub.Gauges()}, {DateTimeOffset.UtcNow:HH:mm:ss}Z");
        sample = now;
        return line;
    }

    using var workload = new Workload(hub.Url, secret, options, Console.Out, Status);
    var results = await workload.RunAsync($"{backend}-{started.ToUnixTimeSeconds()}", timeout.Token);
    var seconds = (DateTimeOffset.UtcNow - started).TotalSeconds;
    if (timeout.IsCancellationRequested) Console.WriteLine($"[{backend}] stopped at the time limit ({options.Timeout.TotalMinutes:F0} min): reporting what finished");
    // The figures are read after the time limit too: with a token of their own.
    using var reading = new CancellationTokenSource(TimeSpan.FromMinutes(1));
    var requestsAfter = await hub.RequestsAsync(reading.Token);
    var azuriteAfter = hub.AzuriteStat();
    var hubAfter = hub.Hub();
    var late = await SettleAsync(hub, portNames, requestsAfter, results.Count(r => r.Error is null), idle, timeout.Token);

    figures.Add(BackendFigures.From(backend, results, seconds, workload.PeakInFlight, Delta(requestsBefore, requestsAfter, portNames),
        hubAfter.PeakRssBytes, hubAfter.CpuSeconds - hubBefore.CpuSeconds,
        azuriteAfter is null || azuriteBefore is null ? null : azuriteAfter.CpuSeconds - azuriteBefore.CpuSeconds)
        with
        {
            EngineWarnings = EngineWarnings.Count(hub.LogPath),
            PartnerReads = workload.PartnerReads.Reads.Count == 0 ? null : Percentiles.Of(workload.PartnerReads.Reads.Select(r => r.Seconds)),
            SlowPartnerReads = [.. workload.PartnerReads.Reads.Where(r => r.Seconds > BackendFigures.SlowReadSeconds)],
            PartnerReadsFailed = workload.PartnerReads.Failed,
            DrainSeconds = workload.Drain?.TotalSeconds,
            WarmupHubSeconds = warmup,
            LatePerCase = late,
        });
    Console.WriteLine($"[{backend}] done in {seconds:F1} s");
    Console.WriteLine(Report.Steps(results));
    Console.WriteLine(Report.Slowest(results, 3));
    Console.WriteLine(Report.Operations(figures[^1]));
    Console.WriteLine(Report.Overload(figures[^1]));
    foreach (var error in results.Where(r => r.Error is not null).Select(r => r.Error).Distinct().Take(5)) Console.WriteLine($"  error: {error}");
}

var report = Report.Build(options, figures);

Console.WriteLine();
Console.WriteLine(Report.Table(figures));
string Rooted(string path) => Path.IsPathRooted(path) ? path : Path.Combine(root, path);
var output = Rooted(options.Output);
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
var json = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
File.WriteAllText(output, json);
Console.WriteLine($"Figures written to {Path.GetRelativePath(root, output)}");
if (options.Baseline is { } baselinePath)
{
    if (options.SaveBaseline)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Rooted(baselinePath))!);
        File.WriteAllText(Rooted(baselinePath), json);
        Console.WriteLine($"Saved as the baseline: {baselinePath}");
    }
    else if (File.Exists(Rooted(baselinePath)))
    {
        Console.WriteLine();
        Console.WriteLine(Baseline.Compare(JsonNode.Parse(File.ReadAllText(Rooted(baselinePath)))!, report, baselinePath));
    }
    else
    {
        Console.Error.WriteLine($"No baseline at {baselinePath}: save one with --save-baseline.");
    }
}

return figures.All(f => f.Failed == 0) ? 0 : 1;

static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after, Dictionary<string, string> ports)
{
    // "work:{port}" → "work:table" etc.; other ports (the sandbox, Shanghai callbacks to the hub, the gRPC sidecar) → "other".
    var delta = new Dictionary<string, long>();
    foreach (var (key, value) in after)
    {
        if (key.StartsWith("op:", StringComparison.Ordinal) || key.StartsWith("req:", StringComparison.Ordinal))
        {
            delta[key] = value - before.GetValueOrDefault(key);
            continue;
        }

        var (kind, port) = (key.Split(':')[0], key.Split(':')[1]);
        var name = $"{kind}:{(ports.TryGetValue(port, out var service) ? service : "other")}";
        delta[name] = delta.GetValueOrDefault(name) + value - before.GetValueOrDefault(key);
    }

    return delta;
}

/// <summary>Every figure for one backend.</summary>
internal sealed record BackendFigures(
    string Backend, int Cases, int Completed, int Failed, double Seconds, double CasesPerSecond, int PeakInFlight,
    Percentiles Hub, Percentiles EndToEnd, Percentiles ClientEndToEnd, double PeakRssMb, double HubCpuSeconds, double? AzuriteCpuSeconds,
    double StoragePerCase, IReadOnlyDictionary<string, double> StoragePerCaseByService, IReadOnlyDictionary<string, double> StorageMeanMs, IReadOnlyDictionary<string, double> HubOperationsPerCase, double ObservePerCase, IReadOnlyDictionary<string, string> Statuses)
{
    public static BackendFigures From(string backend, IReadOnlyList<CaseResult> results, double seconds, int peakInFlight,
        Dictionary<string, long> requests, long peakRss, double hubCpu, double? azuriteCpu)
    {
        var done = results.Where(r => r.Error is null).ToList();
        var n = Math.Max(1, done.Count);
        var storage = new[] { "blob", "queue", "table" };
        return new BackendFigures(backend, results.Count, done.Count(r => r.Status == "Completed"), results.Count(r => r.Status != "Completed"),
            seconds, done.Count / seconds, peakInFlight,
            Percentiles.Of(done.Select(r => r.HubSeconds)), Percentiles.Of(done.Select(r => r.TimelineSeconds)),
            Percentiles.Of(done.Select(r => r.ClientEndToEndSeconds)),
            peakRss / 1048576.0, hubCpu, azuriteCpu,
            storage.Sum(s => requests.GetValueOrDefault($"work:{s}")) / (double)n,
            storage.ToDictionary(s => s, s => requests.GetValueOrDefault($"work:{s}") / (double)n),
            storage.ToDictionary(s => s, s => requests.GetValueOrDefault($"work-us:{s}") / 1000.0 / Math.Max(1, requests.GetValueOrDefault($"work:{s}") + requests.GetValueOrDefault($"observe:{s}"))
                + requests.GetValueOrDefault($"observe-us:{s}") / 1000.0 / Math.Max(1, requests.GetValueOrDefault($"work:{s}") + requests.GetValueOrDefault($"observe:{s}"))),
            requests.Where(r => r.Key.StartsWith("op:", StringComparison.Ordinal)).OrderByDescending(r => r.Value)
                .ToDictionary(r => r.Key[3..], r => r.Value / (double)n),
            storage.Sum(s => requests.GetValueOrDefault($"observe:{s}")) / (double)n,
            results.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count().ToString(CultureInfo.InvariantCulture)))
        {
            RequestsPerCase = PerOperation(requests, n),
        };
    }

    /// <summary>The case work's requests (<c>req:work …</c> keys) per case, by operation (<c>{service} {verb} {resource}</c>), most first.</summary>
    public static Dictionary<string, double> PerOperation(IReadOnlyDictionary<string, long> requests, int cases) =>
        requests.Where(r => r.Key.StartsWith(WorkRequest, StringComparison.Ordinal)).OrderByDescending(r => r.Value)
            .ToDictionary(r => r.Key[WorkRequest.Length..], r => r.Value / (double)cases);

    private const string WorkRequest = "req:work ";

    /// <summary>Every storage request per case by "{service} {verb} {target}", the engine's and the hub's (bench status reads left out).</summary>
    public IReadOnlyDictionary<string, double> RequestsPerCase { get; init; } = new Dictionary<string, double>();

    /// <summary>Engine warnings in the devhost log (see <see cref="EngineWarnings"/>), by kind.</summary>
    public IReadOnlyDictionary<string, int> EngineWarnings { get; init; } = new Dictionary<string, int>();

    public Percentiles? PartnerReads { get; init; }

    /// <summary>The partner list reads over <see cref="SlowReadSeconds"/> (issue 14's goal for a read's p99), with when each began.</summary>
    public IReadOnlyList<PartnerRead> SlowPartnerReads { get; init; } = [];

    public const double SlowReadSeconds = 2;

    public int PartnerReadsFailed { get; init; }

    public double? DrainSeconds { get; init; }

    /// <summary>The warm-up cases' hub share, in the order run (the first is the process's cold start); in no other figure.</summary>
    public IReadOnlyList<double> WarmupHubSeconds { get; init; } = [];

    /// <summary>With --settle: the requests per case the hub made after the last case ended, less idle polling, by operation.</summary>
    public IReadOnlyDictionary<string, double>? LatePerCase { get; init; }
}

/// <summary>The engine's overload symptoms (issue 14), counted from the devhost's log.</summary>
internal static class EngineWarnings
{
    public static readonly IReadOnlyDictionary<string, string> Patterns = new Dictionary<string, string>
    {
        ["duplicate processing"] = "is being processed multiple times concurrently",
        ["corruption"] = "Multiple ExecutionStartedEvent found",
        ["partition timeout"] = "exceeded the 2-second timeout",
        ["moved to poison"] = "moved to poison",
        ["lease not renewed"] = "Could not renew the visibility",
    };

    public static Dictionary<string, int> Count(string logPath)
    {
        var counts = Patterns.Keys.ToDictionary(k => k, _ => 0);
        if (!File.Exists(logPath)) return counts;
        using var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            foreach (var (name, pattern) in Patterns)
            {
                if (line.Contains(pattern, StringComparison.Ordinal)) counts[name]++;
            }
        }

        return counts;
    }
}

/// <summary>This run against a saved one: each figure's baseline, now, and now ÷ baseline.</summary>
internal static class Baseline
{
    private static readonly (string Name, Func<JsonNode, double?> Read)[] Figures =
    [
        ("cases completed", b => Number(b["Completed"])),
        ("cases/s sustained", b => Number(b["CasesPerSecond"])),
        ("hub share p50 (s)", b => Number(b["Hub"]?["P50"])),
        ("hub share p99 (s)", b => Number(b["Hub"]?["P99"])),
        ("end-to-end p50 (s)", b => Number(b["EndToEnd"]?["P50"])),
        ("hub peak RSS (MB)", b => Number(b["PeakRssMb"])),
        ("hub CPU s", b => Number(b["HubCpuSeconds"])),
        ("Azurite CPU s", b => Number(b["AzuriteCpuSeconds"])),
        ("storage requests / case", b => Number(b["StoragePerCase"])),
        ("  table / case", b => Number(b["StoragePerCaseByService"]?["table"])),
        ("  queue / case", b => Number(b["StoragePerCaseByService"]?["queue"])),
        ("  blob / case", b => Number(b["StoragePerCaseByService"]?["blob"])),
        ("partner list read p99 (s)", b => Number(b["PartnerReads"]?["P99"])),
        ("drain (s)", b => Number(b["DrainSeconds"])),
    ];

    public static string Compare(JsonNode baseline, JsonNode now, string baselinePath)
    {
        var lines = new List<string> { $"Against the baseline {baselinePath} ({baseline["when"]}{(baseline["label"] is { } label ? ", " + label : "")}):" };
        foreach (var current in now["backends"]!.AsArray())
        {
            var backend = current!["Backend"]!.ToString();
            var before = baseline["backends"]?.AsArray().FirstOrDefault(b => b?["Backend"]?.ToString() == backend);
            lines.Add($"  [{backend}]" + (before is null ? " not in the baseline" : ""));
            if (before is null) continue;
            lines.Add($"  {"figure",-30}{"baseline",12}{"now",12}{"ratio",10}");
            foreach (var (name, read) in Figures)
            {
                var (was, @is) = (read(before), read(current));
                if (was is null && @is is null) continue;
                var ratio = was is > 0 && @is is not null ? string.Create(CultureInfo.InvariantCulture, $"{@is / was:F2}×") : "";
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"  {name,-30}{was,12:F2}{@is,12:F2}{ratio,10}"));
            }

            var beforeOps = before["RequestsPerCase"]?.AsObject();
            var nowOps = current["RequestsPerCase"]?.AsObject();
            if (beforeOps is null || nowOps is null) continue;
            // The operations that moved most, so a change's effect shows where it landed.
            var moved = nowOps.Select(o => o.Key).Union(beforeOps.Select(o => o.Key))
                .Select(k => (Key: k, Was: Number(beforeOps[k]) ?? 0, Is: Number(nowOps[k]) ?? 0))
                .Where(o => Math.Abs(o.Is - o.Was) >= 0.5).OrderByDescending(o => Math.Abs(o.Is - o.Was)).Take(12).ToList();
            if (moved.Count > 0) lines.Add("  requests per case that moved:");
            lines.AddRange(moved.Select(o => string.Create(CultureInfo.InvariantCulture, $"    {o.Key,-56}{o.Was,8:F2} → {o.Is,8:F2}")));
        }

        return string.Join(Environment.NewLine, lines);
    }

    private static double? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) && !double.IsNaN(d) ? d : null;
}

internal sealed record Percentiles(double P50, double P95, double P99, double Max)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return new Percentiles(double.NaN, double.NaN, double.NaN, double.NaN);
        double At(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return new Percentiles(At(0.50), At(0.95), At(0.99), sorted[^1]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{P50:F2} / {P95:F2} / {P99:F2}");
}

internal static class Report
{
    public static string Table(IReadOnlyList<BackendFigures> figures)
    {
        var reference = figures.FirstOrDefault(f => f.Backend == "InMemory");
        string Ratio(double value, double? of) => of is null or 0 || reference is null ? "" : string.Create(CultureInfo.InvariantCulture, $" ({value / of.Value:F2}×)");
        var lines = new List<string>
        {
            $"{"figure",-36}" + string.Concat(figures.Select(f => $"{f.Backend,-30}")),
        };
        void Row(string name, Func<BackendFigures, string> cell) => lines.Add($"{name,-36}" + string.Concat(figures.Select(f => $"{cell(f),-30}")));
        Row("cases completed / failed", f => $"{f.Completed} / {f.Failed}");
        Row("cases/s sustained", f => string.Create(CultureInfo.InvariantCulture, $"{f.CasesPerSecond:F2}") + Ratio(f.CasesPerSecond, reference?.CasesPerSecond));
        Row("hub share p50/p95/p99 (s)", f => f.Hub.ToString() + Ratio(f.Hub.P50, reference?.Hub.P50));
        Row("end-to-end timeline p50/p95/p99 (s)", f => f.EndToEnd.ToString());
        Row("end-to-end client p50/p95/p99 (s)", f => f.ClientEndToEnd.ToString());
        Row("peak cases in flight", f => f.PeakInFlight.ToString(CultureInfo.InvariantCulture));
        Row("hub peak RSS (MB)", f => string.Create(CultureInfo.InvariantCulture, $"{f.PeakRssMb:F0}") + Ratio(f.PeakRssMb, reference?.PeakRssMb));
        Row("hub CPU s", f => string.Create(CultureInfo.InvariantCulture, $"{f.HubCpuSeconds:F1}"));
        Row("Azurite CPU s", f => string.Create(CultureInfo.InvariantCulture, $"{f.AzuriteCpuSeconds:F1}") + Ratio(f.AzuriteCpuSeconds ?? 0, reference?.AzuriteCpuSeconds));
        Row("storage requests / case", f => string.Create(CultureInfo.InvariantCulture, $"{f.StoragePerCase:F1}") + Ratio(f.StoragePerCase, reference?.StoragePerCase));
        Row("  blob / queue / table", f => string.Create(CultureInfo.InvariantCulture,
            $"{f.StoragePerCaseByService["blob"]:F1} / {f.StoragePerCaseByService["queue"]:F1} / {f.StoragePerCaseByService["table"]:F1}"));
        Row("  mean latency ms blob/queue/table", f => string.Create(CultureInfo.InvariantCulture,
            $"{f.StorageMeanMs["blob"]:F1} / {f.StorageMeanMs["queue"]:F1} / {f.StorageMeanMs["table"]:F1}"));
        Row("  + bench status reads / case", f => string.Create(CultureInfo.InvariantCulture, $"{f.ObservePerCase:F1}"));
        lines.Add("(ratios: to the in-memory engine in this run; storage requests counted in the hub process from HttpClient's System.Net.Http metrics, by Azurite port)");
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>Where a case's time goes: each step's mean start and end (seconds after creation) and its mean length.</summary>
    public static string Steps(IReadOnlyList<CaseResult> results)
    {
        var lines = new List<string> { "  step (mean over cases)          start    end      length" };
        foreach (var group in results.SelectMany(r => r.Steps).GroupBy(s => s.Step).OrderBy(g => g.Average(s => s.Start)))
        {
            lines.Add(StepLine("  ", group.Key, group.Average(s => s.Start), group.Average(s => s.End), group.Average(s => s.End - s.Start)));
        }

        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>A step's line: its start, end and length in seconds after the case's creation.</summary>
    private static string StepLine(string indent, string step, double start, double end, double length) =>
        string.Create(CultureInfo.InvariantCulture, $"{indent}{step,-30} {start,7:F2}  {end,7:F2}  {length,7:F2}");

    /// <summary>An operation's line: its requests per case, then the operation.</summary>
    private static string OperationLine(KeyValuePair<string, double> operation) =>
        string.Create(CultureInfo.InvariantCulture, $"    {operation.Value,7:F2}  {operation.Key}");

    /// <summary>The cases with the longest hub share, each step's start and end: what a p99 is made of.</summary>
    public static string Slowest(IReadOnlyList<CaseResult> results, int count)
    {
        var lines = new List<string>();
        foreach (var result in results.Where(r => r.Steps.Count > 0).OrderByDescending(r => r.HubSeconds).Take(count))
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"  slow case {result.CaseId}: hub share {result.HubSeconds:F2} s (timeline {result.TimelineSeconds:F2} s, officer {result.OfficerWaitSeconds:F2} s)"));
            lines.AddRange(result.Steps.OrderBy(s => s.Start).Select(s => StepLine("    ", s.Step, s.Start, s.End, s.End - s.Start)));
        }

        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>Storage requests per case by operation, the engine's (its task hub's tables, queues and containers) and the hub's.</summary>
    public static string Operations(BackendFigures figures)
    {
        static bool Engine(string operation) => operation.Split(' ')[2].StartsWith(HubProcess.TaskHub, StringComparison.OrdinalIgnoreCase);
        var lines = new List<string>();
        foreach (var (owner, mine) in new[] { ("engine", true), ("hub", false) })
        {
            var ops = figures.RequestsPerCase.Where(o => Engine(o.Key) == mine).ToList();
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"  {owner}'s storage requests per case: {ops.Sum(o => o.Value):F1}"));
            lines.AddRange(ops.Where(o => o.Value >= 0.05).Select(OperationLine));
        }

        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>What overload shows: partner list reads, engine warnings, drain; empty when none of it was measured.</summary>
    public static string Overload(BackendFigures f)
    {
        var lines = new List<string>();
        if (f.PartnerReads is { } reads)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"  partner list reads (GET /api/v1/cases?pageSize=200): p50 {reads.P50:F2} s, p99 {reads.P99:F2} s, max {reads.Max:F2} s; {f.PartnerReadsFailed} unanswered within 60 s"));
            if (f.SlowPartnerReads.Count > 0)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"  reads over {BackendFigures.SlowReadSeconds:F0} s (began at, took): ")
                    + string.Join(", ", f.SlowPartnerReads.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.At:F0} s {r.Seconds:F1} s"))));
            }
        }

        lines.Add("  devhost log: " + string.Join(", ", f.EngineWarnings.Select(w => $"{w.Value} {w.Key}")));
        if (f.LatePerCase is { } late)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"  after the cases ended (settle window less idle polling): {late.Values.Sum():F1} requests per case"));
            lines.AddRange(late.Where(o => Math.Abs(o.Value) >= 0.05).Select(OperationLine));
        }

        if (f.DrainSeconds is { } drain) lines.Add(string.Create(CultureInfo.InvariantCulture, $"  drain (last decision posted → last case ended): {drain:F1} s"));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"  hub peak RSS {f.PeakRssMb:F0} MB; statuses: {string.Join(", ", f.Statuses.Select(s => $"{s.Value} {s.Key}"))}"));
        return string.Join(Environment.NewLine, lines);
    }

    public static JsonObject Build(BenchOptions options, IReadOnlyList<BackendFigures> figures)
    {
        var reference = figures.FirstOrDefault(f => f.Backend == "InMemory");
        var json = new JsonObject
        {
            ["when"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["label"] = options.Label,
            ["machine"] = Machine(),
            ["options"] = JsonSerializer.SerializeToNode(new
            {
                options.CaseType, options.Scenario, options.Cases, options.Rate, options.Concurrency, StatusReads = options.StatusReadsPerSecond, options.Hold, options.Azurite, options.Settings,
            }),
            ["storageCountedBy"] = "HttpClient metrics (System.Net.Http http.client.request.duration) in the devhost process, by Azurite port; bench status reads counted apart",
            ["backends"] = JsonSerializer.SerializeToNode(figures),
        };
        if (reference is not null)
        {
            json["ratiosToInMemory"] = JsonSerializer.SerializeToNode(figures.Where(f => f != reference).ToDictionary(f => f.Backend, f => new
            {
                casesPerSecond = f.CasesPerSecond / reference.CasesPerSecond,
                hubP50 = f.Hub.P50 / reference.Hub.P50,
                hubP99 = f.Hub.P99 / reference.Hub.P99,
                peakRss = f.PeakRssMb / reference.PeakRssMb,
                storagePerCase = f.StoragePerCase / reference.StoragePerCase,
            }));
        }

        return json;
    }

    private static JsonObject Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").First().Split(':', 2)[1].Trim() : null;
        return new JsonObject
        {
            ["cores"] = Environment.ProcessorCount,
            ["cpu"] = cpu,
            ["memory"] = memory,
            ["os"] = RuntimeInformation.OSDescription,
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
        };
    }
}
