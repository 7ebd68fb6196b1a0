using Tongban.Client;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>
/// Tongban.Client against the real hub (devhost, Azurite, sandbox): its signatures accepted, its typed calls answered,
/// each problem the hub sends read as its typed exception.
/// </summary>
[Collection(DemoHubCollection.Name)]
public sealed class TongbanClientEndToEndTests(DemoHubFixture hub)
{
    // Not among the demo's people: a Shanghai man and a Zhejiang woman, both free to marry in the sandbox.
    private static readonly Person Man = new("310104199901117076", "严浩", "310000");
    private static readonly Person Woman = new("330212198612257704", "向明伟", "330000");

    private static OpenCaseRequest Marriage(string reference) =>
        new(CaseTypes.Marriage, reference, "310000", new MarriageDetails("310115", Man, Woman));

    [Fact]
    public async Task Open_by_key_get_list_with_continuation_and_withdraw()
    {
        using var shanghai = hub.Client("310000");
        var key = TongbanClient.NewIdempotencyKey();
        var reference = "CLIENT-" + key[..8];

        var opened = await shanghai.OpenCaseAsync(Marriage(reference), key);
        var again = await shanghai.OpenCaseAsync(Marriage(reference), key);
        var conflict = await Assert.ThrowsAsync<TongbanConflictException>(() => shanghai.OpenCaseAsync(Marriage(reference + "-other"), key));

        Assert.True(opened.Created);
        Assert.False(again.Created);
        Assert.Equal(opened.Case.CaseId, again.Case.CaseId);
        Assert.Equal($"/api/v1/cases/{opened.Case.CaseId}", opened.Location!.OriginalString);
        Assert.Equal(409, conflict.Status);
        Assert.Null(conflict.RetryAfter);

        var got = await shanghai.GetCaseAsync(opened.Case.CaseId);
        Assert.Equal((reference, "310000"), (got.Reference, got.HandlingProvince));
        Assert.Equal(["310000", "330000"], got.InvolvedProvinces.Order());

        // A second case so that a page of one has a continuation; the walk over every page finds both.
        var second = await shanghai.OpenCaseAsync(Marriage(reference + "-2"));
        var first = await shanghai.ListCasesAsync(new CaseQuery(CaseType: CaseTypes.Marriage, PageSize: 1));
        Assert.Single(first.Items);
        Assert.NotNull(first.Continuation);
        var all = new List<string>();
        await foreach (var c in shanghai.ListAllCasesAsync(new CaseQuery(CaseType: CaseTypes.Marriage, PageSize: 1))) all.Add(c.CaseId);
        Assert.Contains(opened.Case.CaseId, all);
        Assert.Contains(second.Case.CaseId, all);

        foreach (var caseId in new[] { opened.Case.CaseId, second.Case.CaseId })
        {
            await shanghai.WaitForAsync(caseId, c => c.Status == CaseStatuses.AwaitingReview, TimeSpan.FromSeconds(60));
            await shanghai.WithdrawAsync(caseId, "client end-to-end test");
            var ended = await shanghai.WaitForAsync(caseId, c => c.IsFinal, TimeSpan.FromSeconds(60));
            Assert.Equal(CaseStatuses.Withdrawn, ended.Status);
        }

        var refused = await Assert.ThrowsAsync<TongbanConflictException>(() => shanghai.WithdrawAsync(opened.Case.CaseId, "again"));
        Assert.Contains("Withdrawn", refused.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_problem_of_the_hub_arrives_as_its_typed_exception()
    {
        using var shanghai = hub.Client("310000");
        using var zhejiang = hub.Client("330000");
        using var impostor = hub.Client("310000", secret: "not-the-shanghai-secret");

        var invalid = await Assert.ThrowsAsync<TongbanValidationException>(() => shanghai.OpenCaseAsync(
            new OpenCaseRequest(CaseTypes.Marriage, "CLIENT-BAD", "310000", new MarriageDetails("310115", Man with { IdNumber = "310104199901117077" }, Woman))));
        Assert.Contains("details.partyA.idNumber", invalid.Errors.Keys);
        Assert.Equal("urn:tongban:problem:validation", invalid.Type);
        Assert.DoesNotContain("310104199901117077", invalid.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<TongbanForbiddenException>(() => zhejiang.OpenCaseAsync(Marriage("CLIENT-FORBIDDEN")));
        var missing = await Assert.ThrowsAsync<TongbanNotFoundException>(() => shanghai.GetCaseAsync("c-20260101-doesnotexist"));
        Assert.False(string.IsNullOrEmpty(missing.TraceId));
        await Assert.ThrowsAsync<TongbanUnauthenticatedException>(() => impostor.ListCasesAsync());
        var badQuery = await Assert.ThrowsAsync<TongbanValidationException>(() => shanghai.ListCasesAsync(new CaseQuery(PageSize: 500)));
        Assert.Contains("pageSize", badQuery.Errors.Keys);
    }

    [Fact]
    public async Task Operator_calls_are_signed_as_the_operator_and_answered()
    {
        using var ops = hub.OperatorClient();

        var provinces = await ops.GetProvincesAsync();
        var attention = await ops.GetAttentionAsync("310000");
        var moved = await ops.RequeuePoisonAsync("310000", "client end-to-end test");
        var sla = await ops.GetSlaAsync();

        Assert.Equal(["310000", "330000", "340000", "360000"], provinces.Select(p => p.Province).Order());
        Assert.All(attention, a => Assert.Equal("310000", a.Province));
        Assert.Equal("310000", moved.Province);
        Assert.True(sla.Since < DateTimeOffset.UtcNow);
        var badProvince = await Assert.ThrowsAsync<TongbanValidationException>(() => ops.GetAttentionAsync("999999"));
        Assert.Contains("province", badProvince.Errors.Keys);
        await Assert.ThrowsAsync<TongbanNotFoundException>(() => ops.RedriveAsync("c-20260101-doesnotexist", "nothing to redrive"));
        using var asPartner = TongbanOperatorClient.Create(hub.Hub.Url, TongbanCredentials.Partner("310000", hub.Options.Partners["310000"].Secret));
        await Assert.ThrowsAsync<TongbanUnauthenticatedException>(() => asPartner.GetProvincesAsync());
    }
}
