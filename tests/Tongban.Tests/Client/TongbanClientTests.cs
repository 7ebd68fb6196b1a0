using System.Text.Json;
using Tongban.Client;

namespace Tongban.Tests.Client;

/// <summary>The typed calls: paths, query strings, bodies and keys as the contract names them, and answers read back.</summary>
public sealed class TongbanClientTests
{
    private const string CaseJson = """{"caseId":"c-1","caseType":"school-transfer","reference":"R-1","status":"Received","handlingProvince":"330000","involvedProvinces":["330000","340000"],"steps":[],"outcome":null,"audit":[],"deadlines":[{"name":"transfer-out-reviewed","step":"review-transfer-out","startedAt":"2026-12-05T04:00:00Z","due":"2026-12-10T16:00:00Z","state":"at-risk","calendarCovered":true}]}""";

    [Fact]
    public async Task Open_posts_the_body_in_camelCase_with_a_key_and_tells_created_from_found()
    {
        using var hub = new StubHub().Answer(202, CaseJson, location: "/api/v1/cases/c-1").Answer(200, CaseJson);
        using var client = Client(hub);
        var details = new SchoolTransferDetails(new Student("G330106201501011234", "王小明", "330106201501011234"), "340000", "3401040001", "3301060002", 4, "family-relocation");

        var first = await client.OpenSchoolTransferAsync("R-1", "330000", details, idempotencyKey: "key-00000001");
        var again = await client.OpenSchoolTransferAsync("R-1", "330000", details, idempotencyKey: "key-00000001");

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal("/api/v1/cases/c-1", first.Location!.OriginalString);
        Assert.Equal("c-1", first.Case.CaseId);
        Assert.Equal("at-risk", Assert.Single(first.Case.Deadlines).State);
        var sent = hub.Sent[0];
        Assert.Equal(("POST", "/api/v1/cases"), (sent.Method, sent.PathAndQuery));
        Assert.Equal("key-00000001", sent.Headers["Idempotency-Key"]);
        using var body = JsonDocument.Parse(sent.Body);
        Assert.Equal("school-transfer", body.RootElement.GetProperty("caseType").GetString());
        Assert.Equal(4, body.RootElement.GetProperty("details").GetProperty("targetGrade").GetInt32());
        Assert.Equal("王小明", body.RootElement.GetProperty("details").GetProperty("student").GetProperty("name").GetString());
        Assert.False(body.RootElement.TryGetProperty("callbackUrl", out _));
        Assert.Equal(hub.Sent[0].Body, hub.Sent[1].Body);
    }

    [Fact]
    public async Task Open_without_a_key_makes_a_fresh_one_each_call()
    {
        using var hub = new StubHub().Answer(202, CaseJson);
        using var client = Client(hub);

        var a = await client.OpenCaseAsync("{}"u8.ToArray());
        var b = await client.OpenCaseAsync("{}"u8.ToArray());

        Assert.NotEqual(a.IdempotencyKey, b.IdempotencyKey);
        Assert.Equal(a.IdempotencyKey, hub.Sent[0].Headers["Idempotency-Key"]);
        Assert.Equal("{}"u8.ToArray(), hub.Sent[0].Body);
    }

    [Fact]
    public async Task List_sends_each_filter_escaped_and_all_pages_follow_the_continuation()
    {
        using var hub = new StubHub()
            .Answer(200, $$"""{"items":[{{CaseJson}}],"continuation":"a+b/c=="}""")
            .Answer(200, $$"""{"items":[{{CaseJson.Replace("c-1", "c-2", StringComparison.Ordinal)}}],"continuation":null}""");
        using var client = Client(hub);

        var all = new List<CaseView>();
        await foreach (var item in client.ListAllCasesAsync(new CaseQuery(CaseStatuses.Completed, CaseTypes.Marriage, new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.FromHours(8)), 2)))
            all.Add(item);

        Assert.Equal(["c-1", "c-2"], all.Select(c => c.CaseId));
        Assert.Equal("/api/v1/cases?status=Completed&caseType=marriage-registration&updatedSince=2026-12-01T00%3A00%3A00.0000000Z&pageSize=2", hub.Sent[0].PathAndQuery);
        Assert.EndsWith("&continuation=a%2Bb%2Fc%3D%3D", hub.Sent[1].PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_and_withdraw_post_the_contracts_bodies()
    {
        using var hub = new StubHub().Answer(202, CaseJson);
        using var client = Client(hub);

        await client.DecideAsync("c-1", new Decision("officer-review", Decision.Reject, "staff-7", "documents missing"));
        await client.WithdrawAsync("c-1", "applicant moved");

        Assert.Equal("/api/v1/cases/c-1/decisions", hub.Sent[0].PathAndQuery);
        Assert.Equal("""{"step":"officer-review","decision":"reject","officer":"staff-7","reason":"documents missing"}""", System.Text.Encoding.UTF8.GetString(hub.Sent[0].Body));
        Assert.Equal("/api/v1/cases/c-1/withdrawal", hub.Sent[1].PathAndQuery);
        Assert.Equal("""{"reason":"applicant moved"}""", System.Text.Encoding.UTF8.GetString(hub.Sent[1].Body));
    }

    [Fact]
    public async Task Operator_calls_sign_as_the_operator_and_read_their_answers()
    {
        using var hub = new StubHub()
            .Answer(200, """{"items":[{"caseId":"c-1","caseType":"marriage-registration","caseStatus":"InProgress","step":"verify-resident.partyA","province":"360000","status":"Waiting","awaitingRedrive":true,"parked":true,"reason":"step","detail":null,"since":"2026-12-05T04:00:00Z"}]}""")
            .Answer(200, """{"items":[{"province":"310000","circuit":"closed","circuitChangedAt":null,"lastAnsweredAt":"2026-12-05T04:00:00Z","lastFailedAt":null,"answering":true,"queued":2,"poisoned":1,"parked":0,"held":0,"callbacksStopped":0}]}""")
            .Answer(202, CaseJson)
            .Answer(200, """{"province":"360000","moved":3}""")
            .Answer(200, """{"since":"2026-09-06T04:00:00Z","lines":[{"province":"330000","deadline":"d","step":"s","answered":4,"onTimeShare":0.75,"p50WorkingDays":1,"p95WorkingDays":3}],"open":[]}""");
        using var client = TongbanOperatorClient.Create(new Uri("http://127.0.0.1:7071/"), TongbanCredentials.Operator("ops-1", "ops-secret"), inner: hub);

        var attention = await client.GetAttentionAsync("360000");
        var provinces = await client.GetProvincesAsync();
        await client.RedriveAsync("c-1", "province back", "verify-resident.partyA");
        var requeue = await client.RequeuePoisonAsync("360000", "fixed the adapter");
        var sla = await client.GetSlaAsync();

        Assert.True(Assert.Single(attention).Parked);
        Assert.Equal((2, 1), (provinces[0].Queued, provinces[0].Poisoned));
        Assert.Equal(3, requeue.Moved);
        Assert.Equal(0.75, Assert.Single(sla.Lines).OnTimeShare);
        Assert.Equal(["/api/v1/operator/attention?province=360000", "/api/v1/operator/provinces", "/api/v1/operator/cases/c-1/redrive",
            "/api/v1/operator/provinces/360000/poison/requeue", "/api/v1/operator/sla"], hub.Sent.Select(s => s.PathAndQuery));
        Assert.All(hub.Sent, s => Assert.Equal("ops-1", s.Headers["X-Tongban-Operator"]));
        Assert.All(hub.Sent, s => Assert.False(s.Headers.ContainsKey("X-Tongban-Partner")));
        Assert.Equal("""{"reason":"province back","step":"verify-resident.partyA"}""", System.Text.Encoding.UTF8.GetString(hub.Sent[2].Body));
    }

    [Fact]
    public async Task Wait_for_returns_when_the_case_ends_and_times_out_otherwise()
    {
        using var hub = new StubHub().Answer(200, CaseJson).Answer(200, CaseJson.Replace("Received", "Completed", StringComparison.Ordinal));
        using var client = Client(hub);

        var ended = await client.WaitForAsync("c-1", c => false, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10));

        Assert.Equal(CaseStatuses.Completed, ended.Status);
        using var stuck = new StubHub().Answer(200, CaseJson);
        using var stuckClient = Client(stuck);
        await Assert.ThrowsAsync<TimeoutException>(() => stuckClient.WaitForAsync("c-1", c => false, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void A_client_without_a_base_address_is_refused()
    {
        using var http = new HttpClient();

        Assert.Throws<ArgumentException>(() => new TongbanClient(http));
    }

    private static TongbanClient Client(StubHub hub) =>
        TongbanClient.Create(new Uri("http://127.0.0.1:7071/"), TongbanCredentials.Partner("330000", "zj-partner-secret-0001"), inner: hub);
}
