using System.Reflection;

namespace Tongban.Cases.Divisions;

/// <summary>
/// GB/T 2260 administrative divisions (china-division 2.7.0, embedded CSVs), loaded once on first use.
/// Province codes are the 6-digit form (<c>330000</c>); county-level codes are the rows of areas.csv.
/// </summary>
public sealed class DivisionCatalog
{
    private readonly Lazy<Tables> tables;

    public DivisionCatalog() =>
        tables = new Lazy<Tables>(() => Tables.Load(typeof(DivisionCatalog).Assembly), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The catalog of the embedded data; one per process is enough.</summary>
    public static DivisionCatalog Shared { get; } = new();

    /// <summary>True when <paramref name="code"/> is a current county-level code (a row of areas.csv).</summary>
    public bool IsCountyLevel(string? code) => code is not null && tables.Value.Counties.ContainsKey(code);

    /// <summary>
    /// The 6-digit province code of any 6-digit code whose first two digits name a province (<c>310115</c> → <c>310000</c>);
    /// null when the code is malformed or names no province.
    /// </summary>
    public string? ProvinceOf(string? code)
    {
        if (!IsSixDigits(code)) return null;
        var province = string.Concat(code.AsSpan(0, 2), "0000");
        return tables.Value.Provinces.ContainsKey(province) ? province : null;
    }

    /// <summary>True when <paramref name="code"/> is a current county-level code inside the 6-digit <paramref name="provinceCode"/>.</summary>
    public bool IsCountyIn(string? code, string? provinceCode) =>
        IsCountyLevel(code) && provinceCode is not null && string.Equals(ProvinceOf(code), provinceCode, StringComparison.Ordinal);

    /// <summary>The name of the province <paramref name="code"/> lies in (<c>310115</c> or <c>310000</c> → 上海市); null if none.</summary>
    public string? ProvinceName(string? code) =>
        ProvinceOf(code) is { } province ? tables.Value.Provinces[province] : null;

    /// <summary>The name of a county-level division; null if <paramref name="code"/> is not one.</summary>
    public string? CountyName(string? code) =>
        code is not null && tables.Value.Counties.TryGetValue(code, out var name) ? name : null;

    private static bool IsSixDigits([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? code) =>
        code is { Length: 6 } && code.All(char.IsAsciiDigit);

    private sealed record Tables(IReadOnlyDictionary<string, string> Provinces, IReadOnlyDictionary<string, string> Counties)
    {
        public static Tables Load(Assembly assembly)
        {
            var provinces = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var row in ReadRows(assembly, "provinces.csv"))
            {
                // provinces.csv holds the 2-digit prefix; the hub speaks 6-digit codes.
                provinces[row[0] + "0000"] = row[1];
            }

            var counties = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var row in ReadRows(assembly, "areas.csv"))
            {
                counties[row[0]] = row[1];
            }

            return new Tables(provinces, counties);
        }

        private static IEnumerable<string[]> ReadRows(Assembly assembly, string fileName)
        {
            var resource = assembly.GetManifestResourceNames()
                .SingleOrDefault(n => n.EndsWith(".Divisions." + fileName, StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"The embedded division table {fileName} is missing.");
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            reader.ReadLine(); // header
            while (reader.ReadLine() is { } line)
            {
                if (line.Length == 0) continue;
                yield return SplitCsvLine(line);
            }
        }

        // The files are simple RFC 4180 CSV: quoted names, no embedded line breaks.
        private static string[] SplitCsvLine(string line)
        {
            var fields = new List<string>(4);
            var current = new System.Text.StringBuilder();
            var quoted = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                    else if (c == '"') quoted = false;
                    else current.Append(c);
                }
                else if (c == '"') quoted = true;
                else if (c == ',') { fields.Add(current.ToString()); current.Clear(); }
                else current.Append(c);
            }

            fields.Add(current.ToString());
            return [.. fields];
        }
    }
}
