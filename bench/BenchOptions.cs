using System.Globalization;

namespace Tongban.Bench;

/// <summary>Command-line options; <see cref="Parse"/> refuses what it does not know, with the reason.</summary>
public sealed record BenchOptions
{
    /// <summary>Case types the bench can open, by their wire name. Newborn and school transfer come later.</summary>
    public static readonly IReadOnlyDictionary<string, string> CaseTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["marriage"] = "marriage-registration",
        ["marriage-registration"] = "marriage-registration",
    };

    public string CaseType { get; init; } = "marriage-registration";

    public int Cases { get; init; } = 50;

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
          --type marriage            case type (only marriage exists today)
          --cases N                  cases per backend (default 50)
          --rate R                   open loop: R new cases per second (default 5)
          --concurrency C            closed loop: keep C cases in flight (overrides --rate)
          --hold                     decide reviews only once every case awaits one (N cases in flight at once)
          --backend azure|inmemory|both   engine backends to run, in that order (default both)
          --azurite memory|disk      Azurite persistence (default memory)
          --set Key=Value            extra devhost configuration, e.g. --set Tongban:Engine:MaxQueuePollingInterval=00:00:00.5
          --timeout MINUTES          give up on a backend after this long (default 15)
          --out PATH                 JSON results (default bench/results/latest.json)
          --label TEXT               a note stored with the results
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        var settings = new Dictionary<string, string>();
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
                            : throw new ArgumentException($"Unknown case type '{type}'. Known: {string.Join(", ", CaseTypes.Keys)} (newborn and school transfer are not built yet)."),
                    };
                    break;
                case "--cases": options = options with { Cases = PositiveInt(Next(), "--cases") }; break;
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
                case "--timeout": options = options with { Timeout = TimeSpan.FromMinutes(PositiveInt(Next(), "--timeout")) }; break;
                case "--out": options = options with { Output = Next() }; break;
                case "--label": options = options with { Label = Next() }; break;
                case "-h" or "--help": throw new ArgumentException("");
                default: throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }

        if (options.Concurrency == 0 && options.Rate <= 0) throw new ArgumentException("--rate must be positive.");
        return options with { Settings = settings };
    }

    private static int PositiveInt(string text, string name) =>
        int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive integer.");
}
