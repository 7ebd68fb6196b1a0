using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tongban.Sandbox;
using Tongban.Sandbox.Population;

namespace Tongban.Tests.Sandbox;

public sealed class ShanghaiSimulatorTests : IAsyncLifetime
{
    private static readonly TimeSpan CallbackWait = TimeSpan.FromSeconds(10);

    private ProvinceSandbox _sandbox = null!;
    private CallbackListener _hub = null!;
    private HttpClient _http = null!;
    private ShanghaiCaller _sh = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await ProvinceSandbox.StartAsync(
            new SandboxOptions { CallbackRetryBaseDelay = TimeSpan.FromMilliseconds(100) }, CancellationToken.None);
        _hub = await CallbackListener.StartAsync();
        _sandbox.Knobs.Shanghai.CallbackBaseUrl = _hub.BaseUrl;
        _sandbox.Knobs.Shanghai.SlowWorkDelay = TimeSpan.FromMilliseconds(300);
        _http = new HttpClient { BaseAddress = _sandbox.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        _sh = new ShanghaiCaller(_http);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sandbox.DisposeAsync();
        await _hub.DisposeAsync();
    }

    private static string Resident(string id, string name) => $"sh/api/v2/residents/{id}?name={Uri.EscapeDataString(name)}";

    private static object NewbornBody(string hubCaseId, string parentId = "310104199901117076", string parentName = "严浩") => new
    {
        child = new { name = "严小浩", sex = "female", birthDate = "2026-11-11" },
        parent = new { idNumber = parentId, name = parentName },
        householdDivision = "310104",
        birthCertificateNo = "Q315763948",
        hubCaseId,
    };

    [Fact]
    public async Task Correctly_signed_request_is_answered()
    {
        using var response = await _sh.SendAsync(HttpMethod.Get, Resident("310104199901117076", "严浩"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ShanghaiCaller.Json(response);
        Assert.True(body.GetProperty("match").GetBoolean());
        Assert.Equal("310104", body.GetProperty("hukouDivision").GetString());
    }

    [Fact]
    public async Task Wrong_secret_stale_timestamp_and_missing_headers_get_401()
    {
        using var wrongSecret = await _sh.SendAsync(HttpMethod.Get, Resident("310104199901117076", "严浩"), secret: "not-the-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        var stale = DateTimeOffset.UtcNow.AddSeconds(-301).ToUnixTimeMilliseconds();
        using var old = await _sh.SendAsync(HttpMethod.Get, Resident("310104199901117076", "严浩"), timestamp: stale);
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        using var unsigned = await _http.GetAsync(Resident("310104199901117076", "严浩"));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
    }

    [Fact]
    public async Task Replayed_nonce_gets_401()
    {
        var nonce = Guid.NewGuid().ToString();
        using var first = await _sh.SendAsync(HttpMethod.Get, Resident("310104199901117076", "严浩"), nonce: nonce);
        using var replay = await _sh.SendAsync(HttpMethod.Get, Resident("310104199901117076", "严浩"), nonce: nonce);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
    }

    [Fact]
    public async Task Name_mismatch_is_no_match_and_other_provinces_people_are_404_and_malformed_ids_400()
    {
        using var mismatch = await _sh.SendAsync(HttpMethod.Get, Resident("310104199901117076", "别人"));
        Assert.False((await ShanghaiCaller.Json(mismatch)).GetProperty("match").GetBoolean());
        using var zhejiang = await _sh.SendAsync(HttpMethod.Get, Resident("330106200006179053", "邓远晨"));
        Assert.Equal(HttpStatusCode.NotFound, zhejiang.StatusCode);
        using var malformed = await _sh.SendAsync(HttpMethod.Get, Resident("3101041999", "严浩"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        using var status = await _sh.SendAsync(HttpMethod.Get, $"sh/api/v2/marital-status/310104199901117076?name={Uri.EscapeDataString("严浩")}");
        Assert.Equal("unmarried", (await ShanghaiCaller.Json(status)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Marriage_is_created_once_per_hubCaseId_and_marital_update_applies_once()
    {
        var body = new
        {
            registryCode = "310104",
            partyA = new { idNumber = "310104199901117076", name = "严浩" },
            partyB = new { idNumber = "310115199608199825", name = "闫丽红" },
            hubCaseId = "case-m1",
        };
        using var created = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/marriages", body);
        using var again = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/marriages", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var number = (await ShanghaiCaller.Json(created)).GetProperty("certificateNo").GetString()!;
        Assert.Equal(number, (await ShanghaiCaller.Json(again)).GetProperty("certificateNo").GetString());
        Assert.StartsWith("J310000-", number);

        var update = new { name = "严浩", status = "married", certificateNo = number, spouseIdNumber = "310115199608199825", registeredOn = "2026-11-28" };
        using var u1 = await _sh.SendAsync(HttpMethod.Put, "sh/api/v2/marital-status/310104199901117076", update);
        using var u2 = await _sh.SendAsync(HttpMethod.Put, "sh/api/v2/marital-status/310104199901117076", update);
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (u1.StatusCode, u2.StatusCode));
        var record = _sandbox.State.MaritalUpdate("310104199901117076", number)!;
        Assert.Equal((1, 2), (record.Effects, record.Deliveries));
        Assert.Equal("married", _sandbox.State.MaritalStatusOf("310104199901117076"));

        using var missing = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/marriages", new { registryCode = "310104", hubCaseId = "case-m2" });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task Certificate_usage_conflicts_for_another_case_and_release_is_idempotent()
    {
        using var verify = await _sh.SendAsync(HttpMethod.Get,
            $"sh/api/v2/birth-certificates/Q315763948?childName={Uri.EscapeDataString("蔡英刚")}&motherIdNumber=340102200102267965");
        Assert.True((await ShanghaiCaller.Json(verify)).GetProperty("valid").GetBoolean());
        using var mark = await _sh.SendAsync(HttpMethod.Put, "sh/api/v2/birth-certificates/Q315763948/usage", new { hubCaseId = "case-b1" });
        using var other = await _sh.SendAsync(HttpMethod.Put, "sh/api/v2/birth-certificates/Q315763948/usage", new { hubCaseId = "case-b2" });
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.Conflict), (mark.StatusCode, other.StatusCode));
        using var release = await _sh.SendAsync(HttpMethod.Delete, "sh/api/v2/birth-certificates/Q315763948/usage?hubCaseId=case-b1");
        using var releaseAgain = await _sh.SendAsync(HttpMethod.Delete, "sh/api/v2/birth-certificates/Q315763948/usage?hubCaseId=case-b1");
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (release.StatusCode, releaseAgain.StatusCode));
        Assert.Null(_sandbox.State.CertificateHolder("Q315763948"));
        using var unknown = await _sh.SendAsync(HttpMethod.Put, "sh/api/v2/birth-certificates/P330298434/usage", new { hubCaseId = "case-b1" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Newborn_result_is_called_back_signed_after_the_delay_and_a_repeat_request_reuses_the_ticket()
    {
        using var accepted = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/newborn-registrations", NewbornBody("case-n1"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var ticket = (await ShanghaiCaller.Json(accepted)).GetProperty("ticket").GetString();
        Assert.Empty(_hub.Received); // not before the slow-work delay
        using var repeat = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/newborn-registrations", NewbornBody("case-n1"));
        Assert.Equal(ticket, (await ShanghaiCaller.Json(repeat)).GetProperty("ticket").GetString());

        var callback = Assert.Single(await _hub.WaitForAsync(1, CallbackWait));
        Assert.True(callback.SignatureValid);
        Assert.Equal("sh-callback", callback.Key);
        Assert.Equal(ticket, callback.Body.GetProperty("ticket").GetString());
        Assert.Equal("newborn-registration", callback.Body.GetProperty("type").GetString());
        Assert.Equal("approved", callback.Body.GetProperty("result").GetString());
        var idNumber = callback.Body.GetProperty("data").GetProperty("idNumber").GetString()!;
        Assert.True(ResidentIdNumber.HasValidChecksum(idNumber));
        Assert.StartsWith("31010420261111", idNumber);
        Assert.Equal(0, (idNumber[16] - '0') % 2); // female: even sequence digit
        await Task.Delay(500);
        Assert.Single(_hub.Received);
    }

    [Fact]
    public async Task Refused_transfer_out_is_called_back_rejected_with_a_reason_and_empty_data()
    {
        using var accepted = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/students/G310115201207067004/transfer-out",
            new { targetSchoolCode = "3301063258", reason = "family moves", hubCaseId = "case-t1" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var callback = Assert.Single(await _hub.WaitForAsync(1, CallbackWait));
        Assert.Equal("transfer-out", callback.Body.GetProperty("type").GetString());
        Assert.Equal("rejected", callback.Body.GetProperty("result").GetString());
        Assert.False(string.IsNullOrEmpty(callback.Body.GetProperty("reason").GetString()));
        Assert.Empty(callback.Body.GetProperty("data").EnumerateObject());
    }

    [Fact]
    public async Task Approved_transfer_can_be_confirmed_but_then_not_cancelled()
    {
        using var _ = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/students/G310104201612075770/transfer-out",
            new { targetSchoolCode = "3301063258", reason = "family moves", hubCaseId = "case-t2" });
        var callback = Assert.Single(await _hub.WaitForAsync(1, CallbackWait));
        var transferId = callback.Body.GetProperty("data").GetProperty("transferId").GetString();
        var path = $"sh/api/v2/students/G310104201612075770/transfer-out/{transferId}";
        using var confirm = await _sh.SendAsync(HttpMethod.Post, path + "/confirmation");
        using var cancel = await _sh.SendAsync(HttpMethod.Delete, path);
        using var unknown = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/students/G310104201612075770/transfer-out/T310000-999999/confirmation");
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.Conflict, HttpStatusCode.NotFound), (confirm.StatusCode, cancel.StatusCode, unknown.StatusCode));
    }

    [Fact]
    public async Task Enrolment_is_idempotent_on_hubCaseId()
    {
        var body = new { schoolCode = "3101044321", grade = 2, hubCaseId = "case-e1" };
        using var e1 = await _sh.SendAsync(HttpMethod.Put, "sh/api/v2/students/G33021220180909945X/enrollment", body);
        using var e2 = await _sh.SendAsync(HttpMethod.Put, "sh/api/v2/students/G33021220180909945X/enrollment", body);
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (e1.StatusCode, e2.StatusCode));
        Assert.Equal(2, Assert.Single(_sandbox.State.Enrollments).Deliveries);
        using var bad = await _sh.SendAsync(HttpMethod.Put, "sh/api/v2/students/G33021220180909945X/enrollment", new { schoolCode = "3101044321" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Callback_is_retried_until_the_hub_answers_204()
    {
        _hub.AnswerFirst(500, 503);
        using var _ = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/newborn-registrations", NewbornBody("case-n2"));
        var received = await _hub.WaitForAsync(3, CallbackWait);
        Assert.Equal(3, received.Select(r => r.Nonce).Distinct().Count());
        await Task.Delay(700);
        Assert.Equal(3, _hub.Received.Count);
        Assert.Equal([500, 503, 204], _sandbox.State.CallbackDeliveries.Select(d => d.StatusCode ?? 0));
    }

    [Fact]
    public async Task Duplicate_knob_delivers_each_callback_twice_with_fresh_nonces()
    {
        _sandbox.Knobs.Shanghai.DuplicateCallbacks = true;
        using var _ = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/newborn-registrations", NewbornBody("case-n3"));
        var received = await _hub.WaitForAsync(2, CallbackWait);
        Assert.Equal(2, received.Count);
        Assert.NotEqual(received[0].Nonce, received[1].Nonce);
        Assert.Equal(received[0].Body.GetProperty("ticket").GetString(), received[1].Body.GetProperty("ticket").GetString());
        Assert.All(received, r => Assert.True(r.SignatureValid));
    }

    [Fact]
    public async Task Wrong_signatures_knob_signs_callbacks_so_the_hub_refuses_them_until_it_is_off()
    {
        _sandbox.Knobs.Shanghai.WrongSignatures = true;
        _hub.RefuseAsTheHubDoes = true;
        using var accepted = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/newborn-registrations", NewbornBody("case-n7"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode); // API answers are not signed in Shanghai's protocol
        var refused = await _hub.WaitForAsync(2, CallbackWait);
        Assert.All(refused, r => Assert.False(r.SignatureValid));
        Assert.All(refused, r => Assert.Equal((true, "X-Ca-Signature does not match"), (r.HubRefusal!.Unauthenticated, r.HubRefusal.Reason)));

        // Refused (401) is not delivered: Shanghai keeps trying, and the first correctly signed attempt is taken.
        _sandbox.Knobs.Shanghai.WrongSignatures = false;
        var deliveries = await Eventually.ValueAsync(
            () => Task.FromResult(_sandbox.State.CallbackDeliveries), d => d.Any(a => a.StatusCode == 204), CallbackWait);
        Assert.Equal(204, deliveries[^1].StatusCode);
        Assert.All(deliveries.SkipLast(1), d => Assert.Equal(401, d.StatusCode));
        Assert.Null(Assert.Single(_hub.Received, c => c.SignatureValid).HubRefusal);
    }

    [Fact]
    public async Task Early_knob_delivers_the_callback_before_the_202()
    {
        _sandbox.Knobs.Shanghai.EarlyCallbacks = true;
        _sandbox.Knobs.Shanghai.SlowWorkDelay = TimeSpan.FromMinutes(5);
        using var accepted = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/newborn-registrations", NewbornBody("case-n4"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var callback = Assert.Single(_hub.Received); // already there when the 202 arrives
        Assert.Equal((await ShanghaiCaller.Json(accepted)).GetProperty("ticket").GetString(), callback.Body.GetProperty("ticket").GetString());
    }

    [Fact]
    public async Task Rate_limit_answers_429_with_retry_after()
    {
        _sandbox.Knobs.Shanghai.RateLimitPerSecond = 1;
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            _sh.SendAsync(HttpMethod.Get, "sh/api/v2/students/G310104201612075770")));
        try
        {
            Assert.InRange(responses.Count(r => r.StatusCode == HttpStatusCode.OK), 1, 2);
            var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
            Assert.Equal(6, responses.Count(r => r.StatusCode == HttpStatusCode.OK) + limited.Count);
            Assert.All(limited, r => Assert.Equal(TimeSpan.FromSeconds(1), r.Headers.RetryAfter?.Delta));
        }
        finally
        {
            foreach (var response in responses) response.Dispose();
        }
    }

    [Fact]
    public async Task Concurrent_registrations_of_one_hubCaseId_issue_one_certificate()
    {
        var body = new
        {
            registryCode = "310104",
            partyA = new { idNumber = "310104198203055192", name = "姜婷洋" },
            partyB = new { idNumber = "310115198704139828", name = "朱志静" },
            hubCaseId = "case-concurrent",
        };
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => _sh.SendAsync(HttpMethod.Post, "sh/api/v2/marriages", body)));
        var numbers = new HashSet<string>();
        foreach (var response in responses)
        {
            numbers.Add((await ShanghaiCaller.Json(response)).GetProperty("certificateNo").GetString()!);
            response.Dispose();
        }
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Single(numbers);
        Assert.Single(_sandbox.State.Marriages);
    }

    [Fact]
    public async Task Callback_without_a_204_is_abandoned_once_its_budget_is_spent()
    {
        await using var sandbox = await ProvinceSandbox.StartAsync(new SandboxOptions
        {
            CallbackRetryBaseDelay = TimeSpan.FromMilliseconds(50),
            CallbackRetryBudget = TimeSpan.FromMilliseconds(400),
        }, CancellationToken.None);
        sandbox.Knobs.Shanghai.SlowWorkDelay = TimeSpan.Zero;
        sandbox.Knobs.Shanghai.CallbackBaseUrl = _hub.BaseUrl;
        _hub.AnswerFirst(Enumerable.Repeat(500, 100).ToArray());
        using var http = new HttpClient { BaseAddress = sandbox.BaseUrl };
        using var _ = await new ShanghaiCaller(http).SendAsync(HttpMethod.Post, "sh/api/v2/newborn-registrations", NewbornBody("case-n5"));

        await Task.Delay(1500);
        var attempts = sandbox.State.CallbackDeliveries.Count;
        Assert.InRange(attempts, 2, 10);
        Assert.All(sandbox.State.CallbackDeliveries, d => Assert.Equal(500, d.StatusCode));
        await Task.Delay(500);
        Assert.Equal(attempts, sandbox.State.CallbackDeliveries.Count);
    }

    [Fact]
    public async Task Callback_waits_for_a_target_and_is_delivered_once_one_is_set()
    {
        _sandbox.Knobs.Shanghai.CallbackBaseUrl = null;
        _sandbox.Knobs.Shanghai.SlowWorkDelay = TimeSpan.Zero;
        using var _ = await _sh.SendAsync(HttpMethod.Post, "sh/api/v2/newborn-registrations", NewbornBody("case-n6"));
        await Eventually.ValueAsync(() => Task.FromResult(_sandbox.State.CallbackDeliveries.Count), n => n >= 1, CallbackWait);
        Assert.Null(_sandbox.State.CallbackDeliveries[0].StatusCode);
        Assert.Empty(_hub.Received);
        _sandbox.Knobs.Shanghai.CallbackBaseUrl = _hub.BaseUrl;
        Assert.True(Assert.Single(await _hub.WaitForAsync(1, CallbackWait)).SignatureValid);
    }

    [Fact]
    public async Task Error_rate_and_down_answer_503()
    {
        _sandbox.Knobs.Shanghai.ErrorRate = 1;
        using var busy = await _sh.SendAsync(HttpMethod.Get, "sh/api/v2/students/G310104201612075770");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        _sandbox.Knobs.Shanghai.ErrorRate = 0;
        _sandbox.Knobs.Shanghai.Down = true;
        using var down = await _http.GetAsync("sh/api/v2/anything");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        _sandbox.Knobs.Shanghai.Down = false;
        using var back = await _sh.SendAsync(HttpMethod.Get, "sh/api/v2/students/G310104201612075770");
        Assert.Equal("enrolled", (await ShanghaiCaller.Json(back)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Control_surface_sets_knobs_and_shows_state()
    {
        using var put = await _http.PutAsJsonAsync("_sandbox/knobs", new Dictionary<string, object> { ["310000"] = new { down = true, latencyMs = 5 } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.True(_sandbox.Knobs.Shanghai.Down);
        Assert.Equal(TimeSpan.FromMilliseconds(5), _sandbox.Knobs.Shanghai.Latency);
        var knobs = await _http.GetFromJsonAsync<JsonElement>("_sandbox/knobs");
        Assert.True(knobs.GetProperty("310000").GetProperty("down").GetBoolean());
        Assert.False(knobs.GetProperty("330000").GetProperty("down").GetBoolean());
        using var bad = await _http.PutAsJsonAsync("_sandbox/knobs", new Dictionary<string, object> { ["310000"] = new { errorRate = 2 } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var state = await _http.GetFromJsonAsync<JsonElement>("_sandbox/state");
        Assert.Equal("widowed", state.GetProperty("maritalStatuses").GetProperty("330212198106124335").GetString());
    }
}
