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
    public async Task Operator_case_audit_and_lookup_calls_use_the_agreed_paths_and_read_their_answers()
    {
        const string trailJson = """{"caseId":"c-1","entries":[{"seq":1,"at":"2026-12-05T04:00:00Z","action":"opened","step":null,"province":null,"outcome":null,"actor":"310000","detail":null,"answerHash":null,"prevHash":"00","hash":"aa"},{"seq":2,"at":"2026-12-05T04:00:01Z","action":"redrive","step":"verify-resident.partyA","province":"330000","outcome":null,"actor":"operator ops-1","detail":"back","answerHash":null,"prevHash":"aa","hash":"bb"}],"head":{"seq":2,"hash":"bb","signedAt":"2026-12-05T04:00:02Z","signature":"c2ln","keyId":"k1"}}""";
        using var hub = new StubHub()
            .Answer(200, """{"items":[{"caseId":"c-1","caseType":"marriage-registration","reference":"R-1","status":"InProgress","handlingProvince":"310000","involvedProvinces":["310000","330000"],"createdAt":"2026-12-05T04:00:00Z","updatedAt":"2026-12-05T04:01:00Z","needsAttention":true,"awaitingRedrive":false}],"continuation":"next+1"}""")
            .Answer(200, """{"caseId":"c-1","caseType":"marriage-registration","reference":"R-1","status":"InProgress","handlingProvince":"310000","involvedProvinces":["310000"],"closed":false,"steps":[{"name":"verify-resident","subject":"partyA","province":"330000","status":"Waiting","attempts":5,"awaitingRedrive":true}],"outcome":null,"audit":[{"at":"2026-12-05T04:00:01Z","action":"redrive","actor":"operator ops-1","step":"verify-resident.partyA","detail":"back"}],"deadlines":[],"waitingFor":[{"step":"verify-resident.partyA","province":"330000","status":"Waiting","since":"2026-12-05T04:00:00Z","awaiting":"an operator","detail":null}],"callbacks":{"sent":3,"delivered":2,"pending":[{"sequence":3,"failedAttempts":4,"firstFailedAt":"2026-12-05T04:00:00Z","lastFailure":"503","stopped":false}]}}""")
            .Answer(200, trailJson)
            .Answer(200, """{"checkedCases":1,"checkedEntries":2,"elapsedMs":3,"failures":[]}""")
            .Answer(200, """{"checkedCases":40,"checkedEntries":400,"elapsedMs":90,"failures":[{"caseId":"c-2","seq":4,"problem":"changed"}]}""")
            .Answer(200, """{"items":[{"caseId":"c-1","caseType":"marriage-registration","status":"InProgress","roles":["party"],"handlingProvince":"310000","createdAt":"2026-12-05T04:00:00Z"}]}""")
            .Answer(200, """{"at":"2026-12-05T04:05:00Z","windowMinutes":15,"provinces":[{"code":"310000","calls":12,"errors":1,"errorRate":0.083,"latencyMs":{"p50":40.1,"p95":120.0},"circuit":"closed","minutes":[{"at":"2026-12-05T04:01:00Z","calls":3,"errors":0,"p50Ms":35.0,"p95Ms":80.0}]}],"instruments":[{"name":"tongban.cases.opened","unit":"{case}","kind":"counter","description":"d","points":[{"tags":{"case_type":"marriage"},"value":3}]}]}""");
        using var client = TongbanOperatorClient.Create(new Uri("http://127.0.0.1:7071/"), TongbanCredentials.Operator("ops-1", "ops-secret"), inner: hub);

        var page = await client.ListCasesAsync(new OperatorCaseQuery(CaseStatuses.InProgress, CaseTypes.Marriage, "310000",
            new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.FromHours(8)), null, 10, "a+b"));
        var detail = await client.GetCaseAsync("c-1");
        var trail = await client.GetCaseAuditAsync("c-1");
        var one = await client.VerifyAuditAsync("c-1");
        var all = await client.VerifyAuditAsync();
        var found = await client.SearchCasesAsync("310115199608199825", "citizen called");
        var metrics = await client.GetMetricsAsync("310000", 15);

        Assert.Equal(("c-1", true, "next+1"), (Assert.Single(page.Items).CaseId, page.Items[0].NeedsAttention, page.Continuation));
        Assert.Equal("an operator", Assert.Single(detail.WaitingFor).Awaiting);
        Assert.Equal((3L, 2L, 4), (detail.Callbacks.Sent, detail.Callbacks.Delivered, Assert.Single(detail.Callbacks.Pending).FailedAttempts));
        Assert.Equal("back", Assert.Single(detail.Audit).Detail);
        Assert.Equal("verify-resident.partyA", Assert.Single(detail.Steps).Key);
        Assert.Equal(["opened", "redrive"], trail.Entries.Select(e => e.Action));
        Assert.Equal(("operator ops-1", "aa"), (trail.Entries[1].Actor, trail.Entries[1].PrevHash));
        Assert.Equal((2L, "bb", "k1"), (trail.Head!.Seq, trail.Head.Hash, trail.Head.KeyId));
        Assert.True(one.Holds);
        Assert.Equal(2, one.CheckedEntries);
        Assert.False(all.Holds);
        Assert.Equal(new AuditFailureView("c-2", 4, "changed"), Assert.Single(all.Failures));
        Assert.Equal(["party"], Assert.Single(found).Roles);
        var shanghai = Assert.Single(metrics.Provinces);
        Assert.Equal((12L, 120.0, 80.0), (shanghai.Calls, shanghai.LatencyMs.P95, Assert.Single(shanghai.Minutes).P95Ms));
        Assert.Equal(3, Assert.Single(Assert.Single(metrics.Instruments).Points).Value);
        Assert.Equal([
            "/api/v1/operator/cases?status=InProgress&type=marriage-registration&province=310000&from=2026-12-01T00%3A00%3A00.0000000Z&pageSize=10&continuation=a%2Bb",
            "/api/v1/operator/cases/c-1", "/api/v1/operator/cases/c-1/audit", "/api/v1/operator/audit/verification?caseId=c-1",
            "/api/v1/operator/audit/verification", "/api/v1/operator/case-search", "/api/v1/operator/metrics?province=310000&windowMinutes=15"],
            hub.Sent.Select(s => s.PathAndQuery));
        Assert.All(hub.Sent, s => Assert.Equal("ops-1", s.Headers["X-Tongban-Operator"]));
        Assert.Equal(("POST", """{"idNumber":"310115199608199825","reason":"citizen called"}"""), (hub.Sent[5].Method, System.Text.Encoding.UTF8.GetString(hub.Sent[5].Body)));
    }

    [Fact]
    public async Task The_partners_case_audit_has_no_actors_and_an_unknown_cases_verification_is_not_found()
    {
        using var partnerHub = new StubHub().Answer(200, """{"caseId":"c-1","entries":[{"seq":1,"at":"2026-12-05T04:00:00Z","action":"opened","prevHash":"00","hash":"aa"}],"head":null}""");
        using var partner = Client(partnerHub);
        var trail = await partner.GetCaseAuditAsync("c-1");
        Assert.Equal("/api/v1/cases/c-1/audit", Assert.Single(partnerHub.Sent).PathAndQuery);
        Assert.Null(Assert.Single(trail.Entries).Actor);
        Assert.Null(trail.Head);

        using var operatorHub = new StubHub()
            .Answer(404, """{"type":"urn:tongban:problem:not-found","title":"Not found","status":404}""", "application/problem+json")
            .Answer(400, """{"type":"urn:tongban:problem:validation","title":"Invalid","status":400,"errors":{"caseId":["Not a case ID"]}}""", "application/problem+json");
        using var client = TongbanOperatorClient.Create(new Uri("http://127.0.0.1:7071/"), TongbanCredentials.Operator("ops-1", "ops-secret"), inner: operatorHub);
        await Assert.ThrowsAsync<TongbanNotFoundException>(() => client.VerifyAuditAsync("c-" + new string('2', 32)));
        var invalid = await Assert.ThrowsAsync<TongbanValidationException>(() => client.VerifyAuditAsync("not a case"));
        Assert.Equal("/api/v1/operator/audit/verification?caseId=not%20a%20case", operatorHub.Sent[1].PathAndQuery);
        Assert.Equal(["Not a case ID"], invalid.Errors["caseId"]);
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetCaseAuditAsync(" "));
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
