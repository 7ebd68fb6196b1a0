using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Tongban.Cases;
using Tongban.Cases.Validation;
using static Tongban.Tests.Cases.CaseBodies;

namespace Tongban.Tests.Cases;

public class CaseQueryValidatorTests
{
    private static Validated<CaseQuery> Validate(string queryString) =>
        CaseQueryValidator.Validate(new QueryCollection(QueryHelpers.ParseQuery(queryString)));

    [Fact]
    public void Defaults_to_50_per_page_and_no_filters()
    {
        var result = Validate("");
        Assert.True(result.IsValid);
        Assert.Equal(new CaseQuery(null, null, null, 50, null), result.Value);
    }

    [Fact]
    public void Reads_every_parameter()
    {
        var result = Validate("?status=AwaitingReview&caseType=school-transfer&updatedSince=2026-11-01T08:00:00%2B08:00&pageSize=200&continuation=abc");
        Assert.True(result.IsValid, Describe(result.Errors));
        Assert.Equal(
            new CaseQuery("AwaitingReview", CaseType.SchoolTransfer, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), 200, "abc"),
            result.Value);
    }

    [Theory]
    [InlineData("Received")]
    [InlineData("InProgress")]
    [InlineData("AwaitingReview")]
    [InlineData("Completed")]
    [InlineData("Rejected")]
    [InlineData("Failed")]
    [InlineData("Withdrawn")]
    [InlineData("Expired")]
    public void Accepts_every_contract_status(string status) =>
        Assert.Equal(status, Validate("?status=" + status).Value!.Status);

    [Theory]
    [InlineData("?status=Open", "status")]
    [InlineData("?status=completed", "status")]
    [InlineData("?caseType=marriage", "caseType")]
    [InlineData("?updatedSince=yesterday", "updatedSince")]
    [InlineData("?updatedSince=2026-02-30", "updatedSince")]
    [InlineData("?updatedSince=11/01/2026", "updatedSince")]
    [InlineData("?updatedSince=2026-11-01T08:00:00", "updatedSince")] // no offset: ambiguous
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?pageSize=201", "pageSize")]
    [InlineData("?pageSize=-5", "pageSize")]
    [InlineData("?pageSize=ten", "pageSize")]
    [InlineData("?pageSize=", "pageSize")]
    [InlineData("?pageSize=10&pageSize=20", "pageSize")]
    public void Rejects_bad_parameters_by_bare_name(string query, string name) =>
        AssertErrorsAt(Validate(query), name);

    [Theory]
    [InlineData("2026-11-01", "2026-11-01T00:00:00+00:00")]
    [InlineData("2026-11-01T08:30Z", "2026-11-01T08:30:00+00:00")]
    [InlineData("2026-11-01T08:30:15.123Z", "2026-11-01T08:30:15.123+00:00")]
    [InlineData("2026-11-01T08:00:00-05:00", "2026-11-01T13:00:00+00:00")]
    [InlineData("2026-11-01T08:00:00 08:00", "2026-11-01T00:00:00+00:00")] // unencoded '+' arrives as a space
    public void Reads_iso_8601_instants(string since, string expectedUtc)
    {
        var result = CaseQueryValidator.Validate(new QueryCollection(new Dictionary<string, Microsoft.Extensions.Primitives.StringValues> { ["updatedSince"] = since }));
        Assert.True(result.IsValid, Describe(result.Errors));
        Assert.Equal(DateTimeOffset.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture), result.Value!.UpdatedSince);
    }

    [Fact]
    public void Reports_all_bad_parameters_together() =>
        AssertErrorsAt(Validate("?status=x&caseType=y&updatedSince=z&pageSize=0"), "status", "caseType", "updatedSince", "pageSize");

    [Fact]
    public void Ignores_unknown_parameters() => Assert.True(Validate("?sort=oldest").IsValid);
}
