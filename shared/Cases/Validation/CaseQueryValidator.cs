using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Tongban.Cases.Validation;

/// <summary>
/// Checks the query of <c>GET /api/v1/cases</c>. Problems are keyed by the bare parameter name.
/// Unknown parameters are ignored; a known one given twice is an error.
/// </summary>
public static class CaseQueryValidator
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    /// <summary>The case statuses of the partner contract, as written on the wire.</summary>
    public static IReadOnlyList<string> Statuses { get; } =
        ["Received", "InProgress", "AwaitingReview", "Completed", "Rejected", "Failed", "Withdrawn", "Expired"];

    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    /// <param name="query">The query parameters, e.g. an <c>IQueryCollection</c>.</param>
    public static Validated<CaseQuery> Validate(IEnumerable<KeyValuePair<string, StringValues>> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new ValidationErrors();
        var values = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in query)
        {
            values[key] = values.TryGetValue(key, out var earlier) ? StringValues.Concat(earlier, value) : value;
        }

        string? Single(string name)
        {
            if (!values.TryGetValue(name, out var given) || given.Count == 0) return null;
            if (given.Count > 1)
            {
                errors.Add(name, $"{name} must be given at most once.");
                return null;
            }

            return given[0];
        }

        string? status = null;
        if (Single("status") is { } statusText)
        {
            status = Statuses.FirstOrDefault(s => string.Equals(s, statusText, StringComparison.Ordinal));
            if (status is null) errors.Add("status", $"status must be one of: {string.Join(", ", Statuses)}.");
        }

        CaseType? caseType = null;
        if (Single("caseType") is { } caseTypeText)
        {
            if (CaseTypeNames.TryParse(caseTypeText, out var parsed)) caseType = parsed;
            else errors.Add("caseType", $"caseType must be one of: {CaseTypeNames.Marriage}, {CaseTypeNames.Newborn}, {CaseTypeNames.SchoolTransfer}.");
        }

        DateTimeOffset? updatedSince = null;
        if (Single("updatedSince") is { } sinceText)
        {
            updatedSince = ParseIsoInstant(sinceText);
            if (updatedSince is null)
            {
                errors.Add("updatedSince", "updatedSince must be an ISO 8601 date (yyyy-MM-dd, taken as midnight UTC) or date and time with Z or an offset.");
            }
        }

        var pageSize = DefaultPageSize;
        if (Single("pageSize") is { } pageSizeText)
        {
            if (!int.TryParse(pageSizeText, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize < 1 || pageSize > MaxPageSize)
            {
                errors.Add("pageSize", $"pageSize must be a whole number from 1 to {MaxPageSize}.");
            }
        }

        var continuation = Single("continuation");
        if (continuation is { Length: 0 }) continuation = null;

        return errors.IsEmpty
            ? new Validated<CaseQuery>(new CaseQuery(status, caseType, updatedSince, pageSize, continuation), errors)
            : new Validated<CaseQuery>(null, errors);
    }

    /// <summary>An ISO 8601 date (midnight UTC) or date and time with Z or an offset, or null.</summary>
    public static DateTimeOffset? ParseIsoInstant(string text)
    {
        // An unencoded '+' in a query string arrives as a space: "…T10:00:00 08:00" meant "+08:00".
        var candidate = text.Replace(' ', '+');
        if (DateOnly.TryParseExact(candidate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        }

        // Times must say their offset (Z or ±hh:mm): a time without one is ambiguous across provinces and the hub.
        if (candidate.Length > 0 && (candidate[^1] is 'Z' or 'z' || candidate.LastIndexOfAny(['+', '-']) > 10)
            && DateTimeOffset.TryParseExact(candidate, IsoFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            return instant;
        }

        return null;
    }
}
