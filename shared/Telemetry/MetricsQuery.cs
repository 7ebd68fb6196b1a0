using System.Globalization;
using Microsoft.Extensions.Primitives;
using Tongban.Cases.Validation;

namespace Tongban.Telemetry;

/// <summary>The query of <c>GET /api/v1/operator/metrics</c>: one province (else all) and the window in minutes (1 to 60, default 60).</summary>
public sealed record MetricsQuery(string? Province, int WindowMinutes)
{
    /// <summary>Checks the query, problems keyed by the bare parameter name; unknown parameters are ignored, a known one given twice is an error.</summary>
    public static Validated<MetricsQuery> Validate(IEnumerable<KeyValuePair<string, StringValues>> query, IReadOnlyCollection<string> provinces)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new ValidationErrors();
        var values = query.GroupBy(q => q.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.SelectMany(q => q.Value.ToArray()).ToList(), StringComparer.OrdinalIgnoreCase);

        string? Single(string name)
        {
            if (!values.TryGetValue(name, out var given) || given.Count == 0) return null;
            if (given.Count == 1) return given[0];
            errors.Add(name, $"{name} must be given at most once.");
            return null;
        }

        var province = Single("province");
        if (province is not null && !provinces.Contains(province)) errors.Add("province", "Not a configured province code.");
        var minutes = MetricWindow.WindowMinutes;
        if (Single("windowMinutes") is { } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out minutes) || minutes < 1 || minutes > MetricWindow.WindowMinutes))
        {
            errors.Add("windowMinutes", $"windowMinutes must be a whole number from 1 to {MetricWindow.WindowMinutes}.");
        }

        return new Validated<MetricsQuery>(errors.IsEmpty ? new MetricsQuery(province, minutes) : null, errors);
    }
}
