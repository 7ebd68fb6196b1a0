using System.Globalization;

namespace Tongban.Bench;

/// <summary>Command-line options; <see cref="Parse"/> refuses what it does not know, with the reason.</summary>
public sealed record BenchOptions
{
    public const string Marriage = "marriage-registration";
    public const string Newborn = "newborn-registration";
    public const string SchoolTransfer = "school-transfer";
    public const string Mixed = "mixed";

    /// <summary>Case types the bench can open, by their wire name; <c>mixed</c> opens the three in turn.</summary>
    public static readonly IReadOnlyDictionary<string, string> CaseTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["marriage"] = Marriage,
        [Marriage] = Marriage,
        ["newborn"] = Newborn,
        [Newborn] = Newborn,
        [SchoolTransfer] = SchoolTransfer,
        ["transfer"] = SchoolTransfer,
        [Mixed] = Mixed,
    };

    public string CaseType { get; init; } = Marriage;

    /// <summary>The case type of case number <paramref name="i"/>: the chosen one, or marriage, newborn, school transfer in turn.</summary>
    public string CaseTypeOf(int i) => CaseType == Mixed ? (i % 3) switch { 0 => Marriage, 1 => Newborn, _ => SchoolTransfer } : CaseType;

    /// <summary>A named scenario (<c>overload</c>), or null.</summary>
    public string? Scenario { get; init; }

    /// <summary>A signed partner list read (<c>GET /api/v1/cases?pageSize=200</c>) this often throughout the run, its latency reported (0: none).</summary>
    public TimeSpan PartnerReads { get; init; }

    /// <summary>Saved figures to compare with (<c>--baseline</c>), or to write this run's to (<c>--save-baseline</c>).</summary>
    public string? Baseline { get; init; }

    public bool SaveBaseline { get; init; }

    public int Cases { get; init; } = 50;

    /// <summary>
    /// Cases run one at a time on each hub before the measured ones, in no figure (<c>--warmup</c>): a fresh process's first
    /// cases pay for its JIT and first connections (the first marriage took 2.1 s of hub time against 0.2 s warm, 2026-12-07),
    /// which is a start-up cost, not a case's. Their hub share is printed apart. 0 measures from cold.
    /// </summary>
    public int Warmup { get; init; } = 3;

    /// <summary>
    /// After the last case ends, keep the hub running this long and count its storage requests apart (<c>--settle</c>): what the
    /// cases still cost once ended (their cancelled time-out timers coming due, with a short <c>Tongban:Workflow:StepTimeout</c>),
    /// less the same window's idle polling measured before the run. Zero: none.
    /// </summary>
    public TimeSpan Settle { get; init; }

    /// <summary>The case number the run's first case takes (the warm-up's cases come after the measured ones' people).</summary>
    public int FirstCase { get; init; }

    /// <summary>
    /// The bench's status reads per second, all cases together (<c>--status-reads</c>): each case in flight is read every
    /// in-flight ÷ this seconds (0.25–30 s). Each read costs the hub a nonce and a case row, so an open loop keeps watching
    /// light: 20 a second. A closed loop (<see cref="Concurrency"/>) starts its next case only when it has seen one end, so
    /// its watching is part of what it measures: it reads each case every 0.25 s (4 × in flight a second). At 20 a second a
    /// 25-case loop ran at 9.65 cases/s; the same hub runs it at about 14 (measured 2026-12-06).
    /// </summary>
    public int? StatusReads { get; init; }

    /// <summary>The status reads per second this run makes: <see cref="StatusReads"/> when given, else as it says.</summary>
    public int StatusReadsPerSecond => StatusReads ?? (Concurrency > 0 ? Math.Max(20, 4 * Concurrency) : 20);

    /// <summary>Open-loop arrivals per second (when <see cref="Concurrency"/> is 0).</summary>
    public double Rate { get; init; } = 5;

    /// <summary>Closed loop: keep this many cases in flight (0: use <see cref="Rate"/>).</summary>
    public int Concurrency { get; init; }

    /// <summary>Decide no review until every case awaits one: all cases in flight at once (memory test).</summary>
    public bool Hold { get; init; }

    public IReadOnlyList<string> Backends { get; init; } = ["AzureStorage", "InMemory"];

    /// <summary>Azurite data: "memory" (--inMemoryPersistence) or "disk" (a fresh temp folder).</summary>
    public string Azurite { get; init; } = "memory";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(15);

    public string Output { get; init; } = "bench/results/latest.json";

    /// <summary>Extra devhost configuration (key=value, ':' separated keys), for trying settings without a rebuild.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    public string? Label { get; init; }

    public const string Usage = """
        dotnet run -c Release --project bench -- [options]
          --type T                   marriage, newborn, school-transfer or mixed (the three in turn); default marriage
          --scenario overload        1,000 marriage cases at 10/s on Azurite, reviews held, partner list reads every 5 s,
                                     engine warnings counted from the devhost log, drain time; 40 min limit; the engine's
                                     queue visibility as deployed, 5 min (options after it override)
          --baseline PATH            compare this run with figures saved there (a before/after table)
          --save-baseline            write this run's figures to the --baseline path (default bench/results/baseline.json)
          --partner-reads SECONDS    a signed GET /api/v1/cases?pageSize=200 every SECONDS, latency p50/p99 reported
          --cases N                  cases per backend (default 50)
          --warmup N                 cases run one at a time before them on each hub, in no figure (default 3; 0: from cold)
          --status-reads N           the bench's status reads per second, all cases together (default 20; closed loop 4 × C)
          --rate R                   open loop: R new cases per second (default 5)
          --concurrency C            closed loop: keep C cases in flight (overrides --rate)
          --hold                     decide reviews only once every case awaits one (N cases in flight at once)
          --backend azure|inmemory|both   engine backends to run, in that order (default both)
          --azurite memory|disk      Azurite persistence (default memory)
          --set Key=Value            extra devhost configuration, e.g. --set Tongban:Engine:MaxQueuePollingInterval=00:00:00.5
          --settle SECONDS           after the cases end, count the hub's requests SECONDS longer, apart, less an idle
                                     window as long before the run (what ended cases still cost: their timers coming due)
          --timeout MINUTES          give up on a backend after this long (default 15)
          --out PATH                 JSON results (default bench/results/latest.json)
          --label TEXT               a note stored with the results
        """;

    /// <summary>The engine queue visibility the overload scenario runs with unless told otherwise (<c>--set</c>).</summary>
    public static readonly KeyValuePair<string, string> OverloadVisibility = new("Tongban:Engine:QueueVisibilityTimeout", "00:05:00");

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        var settings = new Dictionary<string, string>();
        var warmupGiven = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--type":
                    var type = Next();
                    options = options with
                    {
                        CaseType = CaseTypes.TryGetValue(type, out var wire) ? wire
                            : throw new ArgumentException($"Unknown case type '{type}'. Known: {string.Join(", ", CaseTypes.Keys)}."),
                    };
                    break;
                case "--scenario":
                    options = Next() switch
                    {
                        "overload" => options with
                        {
                            Scenario = "overload", Backends = ["AzureStorage"], Cases = 1000, Rate = 10, Concurrency = 0, Hold = true,
                            PartnerReads = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromMinutes(40),
                        },
                        var other => throw new ArgumentException($"Unknown scenario '{other}': overload."),
                    };
                    // As deployed: the Functions app leaves the engine's queue visibility at DTFx's 5 minutes; the devhost's 30 s
                    // (a killed hub's work back fast, for the fault tests) makes every turn Azurite delays past 30 s run twice.
                    settings.TryAdd(OverloadVisibility.Key, OverloadVisibility.Value);
                    break;
                case "--baseline": options = options with { Baseline = Next() }; break;
                case "--save-baseline": options = options with { SaveBaseline = true }; break;
                case "--partner-reads": options = options with { PartnerReads = TimeSpan.FromSeconds(PositiveInt(Next(), "--partner-reads")) }; break;
                case "--cases": options = options with { Cases = PositiveInt(Next(), "--cases") }; break;
                case "--warmup":
                    warmupGiven = true;
                    options = options with { Warmup = AtLeast(0, Next(), "--warmup") };
                    break;
                case "--status-reads": options = options with { StatusReads = PositiveInt(Next(), "--status-reads") }; break;
                case "--rate": options = options with { Rate = double.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--concurrency": options = options with { Concurrency = PositiveInt(Next(), "--concurrency") }; break;
                case "--hold": options = options with { Hold = true }; break;
                case "--backend":
                    options = options with
                    {
                        Backends = Next().ToLowerInvariant() switch
                        {
                            "azure" or "azurestorage" => ["AzureStorage"],
                            "inmemory" or "memory" => ["InMemory"],
                            "both" => ["AzureStorage", "InMemory"],
                            var other => throw new ArgumentException($"Unknown backend '{other}': azure, inmemory or both."),
                        },
                    };
                    break;
                case "--azurite":
                    var azurite = Next().ToLowerInvariant();
                    options = options with { Azurite = azurite is "memory" or "disk" ? azurite : throw new ArgumentException("--azurite is memory or disk.") };
                    break;
                case "--set":
                    var pair = Next().Split('=', 2);
                    if (pair.Length != 2) throw new ArgumentException("--set takes Key=Value.");
                    settings[pair[0]] = pair[1];
                    break;
                case "--settle": options = options with { Settle = TimeSpan.FromSeconds(PositiveInt(Next(), "--settle")) }; break;
                case "--timeout": options = options with { Timeout = TimeSpan.FromMinutes(PositiveInt(Next(), "--timeout")) }; break;
                case "--out": options = options with { Output = Next() }; break;
                case "--label": options = options with { Label = Next() }; break;
                case "-h" or "--help": throw new ArgumentException("");
                default: throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }

        if (options.Concurrency == 0 && options.Rate <= 0) throw new ArgumentException("--rate must be positive.");
        // The warm-up's cases would have late work of their own, inside the idle window or the run's: none with --settle.
        if (options.Settle > TimeSpan.Zero && warmupGiven && options.Warmup > 0) throw new ArgumentException("--settle counts the cases' late work alone: it runs no warm-up (leave --warmup out, or give 0).");
        if (options.Settle > TimeSpan.Zero) options = options with { Warmup = 0 };
        if (options.SaveBaseline && options.Baseline is null) options = options with { Baseline = "bench/results/baseline.json" };
        return options with { Settings = settings };
    }

    private static int PositiveInt(string text, string name) => AtLeast(1, text, name);

    private static int AtLeast(int minimum, string text, string name) =>
        int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n >= minimum ? n
            : throw new ArgumentException(minimum == 1 ? $"{name} must be a positive integer." : $"{name} must be a whole number, {minimum} or more.");
}
