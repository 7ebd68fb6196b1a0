using Microsoft.Extensions.Primitives;

namespace Tongban.Cases.Validation;

/// <summary>The query of the operators' case list: what <see cref="CaseQueryValidator"/> takes, plus province and a creation range.</summary>
public sealed record OperatorCaseQuery(string? Status, CaseType? CaseType, string? Province, DateTimeOffset? From, DateTimeOffset? To, int PageSize, string? Continuation);

/// <summary>
/// Checks <c>GET /api/v1/operator/cases?status=&amp;type=&amp;province=&amp;from=&amp;to=&amp;pageSize=&amp;continuation=</c>. Status,
/// type, page size and continuation are read as the partners' list reads them; <c>from</c> and <c>to</c> bound the creation time.
/// </summary>
public static class OperatorCaseQueryValidator
{
    public static Validated<OperatorCaseQuery> Validate(IEnumerable<KeyValuePair<string, StringValues>> query, IReadOnlySet<string> provinces)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(provinces);
        var given = query.ToList();
        // "type" is read as the partners' "caseType", and its problem told under "type" again.
        var shared = CaseQueryValidator.Validate(given
            .Where(p => p.Key.ToLowerInvariant() is "status" or "pagesize" or "continuation" or "type")
            .Select(p => p.Key.Equals("type", StringComparison.OrdinalIgnoreCase) ? KeyValuePair.Create("caseType", p.Value) : p));
        var errors = new ValidationErrors();
        foreach (var (path, messages) in shared.Errors.ToDictionary())
            foreach (var message in messages) errors.Add(path == "caseType" ? "type" : path, message.Replace("caseType", "type", StringComparison.Ordinal));

        string? Single(string name)
        {
            var values = given.Where(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).SelectMany(p => p.Value).ToList();
            if (values.Count > 1) errors.Add(name, $"{name} must be given at most once.");
            return values.Count == 1 && values[0] is { Length: > 0 } value ? value : null;
        }

        var province = Single("province");
        if (province is not null && !provinces.Contains(province)) errors.Add("province", "Not a configured province code.");
        DateTimeOffset? Instant(string name)
        {
            if (Single(name) is not { } text) return null;
            var at = CaseQueryValidator.ParseIsoInstant(text);
            if (at is null) errors.Add(name, $"{name} must be an ISO 8601 date (yyyy-MM-dd, midnight UTC) or date and time with Z or an offset.");
            return at;
        }

        var from = Instant("from");
        var to = Instant("to");
        if (from > to) errors.Add("to", "to must not be before from.");
        if (!errors.IsEmpty || shared.Value is not { } basic) return new Validated<OperatorCaseQuery>(null, errors);
        return new Validated<OperatorCaseQuery>(new OperatorCaseQuery(basic.Status, basic.CaseType, province, from, to, basic.PageSize, basic.Continuation), errors);
    }
}
