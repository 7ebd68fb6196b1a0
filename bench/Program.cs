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
var population = BenchPopulation.Write(options.Cases, Path.Combine(resultsDir, "population.json"));
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

Console.WriteLine($"Tongban bench: {options.Cases} {options.CaseType} cases per backend, " +
    (options.Concurrency > 0 ? $"{options.Concurrency} in flight" : $"{options.Rate.ToString(CultureInfo.InvariantCulture)}/s") +
    (options.Hold ? ", reviews held until all await one" : "") + $", Azurite {options.Azurite}; {Environment.ProcessorCount} cores");

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

    var requestsBefore = await hub.RequestsAsync(timeout.Token);
    var azuriteBefore = hub.AzuriteStat();
    var hubBefore = hub.Hub();
    var started = DateTimeOffset.UtcNow;
    var workload = new Workload(hub.Url, secret, options, Console.Out,
        () => string.Create(CultureInfo.InvariantCulture, $"hub RSS {hub.Hub().RssBytes / 1048576.0:F0} MB (peak {hub.Hub().PeakRssBytes / 1048576.0:F0})"));
    var results = await workload.RunAsync($"{backend}-{started.ToUnixTimeSeconds()}", timeout.Token);
    var seconds = (DateTimeOffset.UtcNow - started).TotalSeconds;
    var requestsAfter = await hub.RequestsAsync(timeout.Token);
    var azuriteAfter = hub.AzuriteStat();
    var hubAfter = hub.Hub();

    figures.Add(BackendFigures.From(backend, results, seconds, workload.PeakInFlight, Delta(requestsBefore, requestsAfter, portNames),
        hubAfter.PeakRssBytes, hubAfter.CpuSeconds - hubBefore.CpuSeconds,
        azuriteAfter is null || azuriteBefore is null ? null : azuriteAfter.CpuSeconds - azuriteBefore.CpuSeconds));
    Console.WriteLine($"[{backend}] done in {seconds:F1} s");
    Console.WriteLine(Report.Steps(results));
    Console.WriteLine(Report.Operations(figures[^1]));
    foreach (var error in results.Where(r => r.Error is not null).Select(r => r.Error).Distinct().Take(5)) Console.WriteLine($"  error: {error}");
}

var report = Report.Build(options, figures);
Console.WriteLine();
Console.WriteLine(Report.Table(figures));
var output = Path.IsPathRooted(options.Output) ? options.Output : Path.Combine(root, options.Output);
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
File.WriteAllText(output, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"Figures written to {Path.GetRelativePath(root, output)}");
return figures.All(f => f.Failed == 0) ? 0 : 1;

static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after, Dictionary<string, string> ports)
{
    // "work:{port}" → "work:table" etc.; other ports (the sandbox, Shanghai callbacks to the hub, the gRPC sidecar) → "other".
    var delta = new Dictionary<string, long>();
    foreach (var (key, value) in after)
    {
        if (key.StartsWith("op:", StringComparison.Ordinal))
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
            results.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count().ToString(CultureInfo.InvariantCulture)));
    }
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
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"  {group.Key,-30} {group.Average(s => s.Start),7:F2}  {group.Average(s => s.End),7:F2}  {group.Average(s => s.End - s.Start),7:F2}"));
        }

        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The hub's own storage operations per case (its DI clients only; the engine's are not in here).</summary>
    public static string Operations(BackendFigures figures) =>
        "  hub's own storage operations per case (work; observe = bench status reads):" + Environment.NewLine +
        string.Join(Environment.NewLine, figures.HubOperationsPerCase.Where(o => o.Value >= 0.05)
            .Select(o => string.Create(CultureInfo.InvariantCulture, $"    {o.Value,7:F2}  {o.Key}")));

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
                options.CaseType, options.Cases, options.Rate, options.Concurrency, options.Hold, options.Azurite, options.Settings,
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
