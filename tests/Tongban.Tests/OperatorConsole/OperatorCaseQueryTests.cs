using Microsoft.Extensions.Primitives;
using Tongban.Cases.Validation;

namespace Tongban.Tests.OperatorConsole;

/// <summary>The operators' case list query: the partners' filters plus province and a creation range, problems field by field.</summary>
public sealed class OperatorCaseQueryTests
{
    private static readonly HashSet<string> Provinces = ["310000", "330000"];

    private static Validated<OperatorCaseQuery> Validate(params (string Key, string Value)[] query) =>
        OperatorCaseQueryValidator.Validate(query.Select(q => KeyValuePair.Create(q.Key, new StringValues(q.Value))), Provinces);

    [Fact]
    public void Reads_every_filter()
    {
        var query = Validate(("status", "Failed"), ("type", "marriage-registration"), ("province", "310000"),
            ("from", "2026-12-01"), ("to", "2026-12-05T12:00:00Z"), ("pageSize", "25")).Value;
        Assert.NotNull(query);
        Assert.Equal(("Failed", Tongban.Cases.CaseType.MarriageRegistration, "310000", 25), (query.Status, query.CaseType, query.Province, query.PageSize));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), query.From);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero), query.To);
    }

    [Fact]
    public void Refuses_each_bad_filter_under_its_own_name()
    {
        var errors = Validate(("status", "Lost"), ("type", "divorce"), ("province", "999999"), ("from", "yesterday"), ("pageSize", "0")).Errors.ToDictionary();
        Assert.Equal(["from", "pageSize", "province", "status", "type"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("caseType", errors["type"][0], StringComparison.Ordinal);
        Assert.True(Validate(("from", "2026-12-05"), ("to", "2026-12-01")).Errors.Has("to"));
        Assert.True(Validate(("province", "310000"), ("province", "330000")).Errors.Has("province"));
    }
}
