using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Tongban.Api;
using Tongban.Cases;
using Tongban.Configuration;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;
using static Tongban.IntegrationTests.Hardening.HardenedHubFixture;

namespace Tongban.IntegrationTests.Hardening;

/// <summary>Issue 11 item 6 on the devhost with Azurite: each rule through the real HTTP pipeline.</summary>
[Collection(HardenedHubCollection.Name)]
public sealed class ApiHardeningTests(HardenedHubFixture hub)
{
    private const string Partner = PartnerAuthenticator.PartnerHeader;
    private const string Operator = PartnerAuthenticator.OperatorHeader;

    private string PartnerSecret(string code) => hub.Setting($"Tongban:Partners:{code}:Secret");

    private string OperatorSecret => hub.Setting($"Tongban:Operators:{OperatorId}:Secret");

    public static readonly TheoryData<string> BadCaseIds =
    [
        "c-0123456789abcdef0123456789abcde%23",
        "c-0123456789abcdef0123456789abcd%2Fe",
        "c-0123456789abcdef0123456789abcd%5Ce",
        "c-0123456789abcdef0123456789abcd%3Fe",
        "c-0123456789abcdef0123456789abcd%01e",
        "c-0123456789abcdef0123456789abcd%E2%80%AEe",
        "%23",
        "c-" + new string('a', 4000),
    ];

    [Theory]
    [MemberData(nameof(BadCaseIds))]
    public async Task A_case_id_of_another_shape_is_a_404_like_an_unknown_case(string caseId)
    {
        var unknown = CaseIds.New(DateTimeOffset.UtcNow);
        foreach (var (method, template, header, caller, secret, body) in new (HttpMethod, string, string, string, string, string?)[]
        {
            (HttpMethod.Get, "/api/v1/cases/{0}", Partner, "310000", PartnerSecret("310000"), null),
            (HttpMethod.Post, "/api/v1/cases/{0}/decisions", Partner, "310000", PartnerSecret("310000"), """{"step":"officer-review","decision":"approve","officer":"o-1"}"""),
            (HttpMethod.Post, "/api/v1/cases/{0}/withdrawal", Partner, "310000", PartnerSecret("310000"), """{"reason":"moved"}"""),
            (HttpMethod.Post, "/api/v1/operator/cases/{0}/redrive", Operator, OperatorId, OperatorSecret, """{"reason":"test"}"""),
        })
        {
            var bytes = body is null ? null : Utf8(body);
            var expected = await hub.SendAsync(SignedRequest(header, caller, secret, method, string.Format(null, template, unknown), bytes));
            var answered = await hub.SendAsync(SignedRequest(header, caller, secret, method, string.Format(null, template, caseId), bytes));

            Assert.Equal(404, expected.Status);
            Assert.Equal((404, WithoutTrace(expected.Body)), (answered.Status, WithoutTrace(answered.Body)));
        }
    }

    [Fact]
    public async Task Every_authentication_failure_of_partners_and_operators_answers_the_same_401()
    {
        var secret = PartnerSecret("310000");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var replayed = SignedRequest(Partner, "310000", secret, HttpMethod.Get, "/api/v1/cases", nonce: "replayed-nonce-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Equal(200, (await hub.SendAsync(replayed)).Status);
        var replay = SignedRequest(Partner, "310000", secret, HttpMethod.Get, "/api/v1/cases", nonce: replayed.Headers.GetValues("X-Tongban-Nonce").Single(),
            timestamp: long.Parse(replayed.Headers.GetValues("X-Tongban-Timestamp").Single(), System.Globalization.CultureInfo.InvariantCulture));
        var missing = SignedRequest(Partner, "310000", secret, HttpMethod.Get, "/api/v1/cases");
        missing.Headers.Remove("X-Tongban-Signature");
        // A read runs while its nonce is recorded: a replay of a case's read or its audit's is refused the same, whatever the read found.
        var replays = new Dictionary<string, HttpRequestMessage>();
        foreach (var path in new[] { $"/api/v1/cases/c-{Guid.NewGuid():N}", $"/api/v1/cases/c-{Guid.NewGuid():N}/audit" })
        {
            var first = SignedRequest(Partner, "310000", secret, HttpMethod.Get, path);
            Assert.Equal(404, (await hub.SendAsync(first)).Status);
            replays[$"replayed nonce on {path}"] = SignedRequest(Partner, "310000", secret, HttpMethod.Get, path, nonce: first.Headers.GetValues("X-Tongban-Nonce").Single(),
                timestamp: long.Parse(first.Headers.GetValues("X-Tongban-Timestamp").Single(), System.Globalization.CultureInfo.InvariantCulture));
        }

        var failures = new Dictionary<string, HttpRequestMessage>
        {
            ["unknown partner"] = SignedRequest(Partner, "990000", secret, HttpMethod.Get, "/api/v1/cases"),
            ["wrong partner secret"] = SignedRequest(Partner, "310000", "not-the-secret-but-long-enough-0000", HttpMethod.Get, "/api/v1/cases"),
            ["stale timestamp"] = SignedRequest(Partner, "310000", secret, HttpMethod.Get, "/api/v1/cases", timestamp: now - 301_000),
            ["nonce of another shape"] = SignedRequest(Partner, "310000", secret, HttpMethod.Get, "/api/v1/cases", nonce: "short"),
            ["missing signature"] = missing,
            ["replayed nonce"] = replay,
            ["unknown operator"] = SignedRequest(Operator, "nobody", OperatorSecret, HttpMethod.Get, "/api/v1/operator/provinces"),
            ["wrong operator secret"] = SignedRequest(Operator, OperatorId, "not-the-secret-but-long-enough-0000", HttpMethod.Get, "/api/v1/operator/provinces"),
            ["partner on the operator API"] = SignedRequest(Partner, "310000", secret, HttpMethod.Get, "/api/v1/operator/provinces"),
        };
        foreach (var (name, request) in replays) failures[name] = request;

        var bodies = new Dictionary<string, string>();
        foreach (var (name, request) in failures)
        {
            var answered = await hub.SendAsync(request);
            Assert.True(answered.Status == 401, $"{name}: {answered.Status}");
            bodies[name] = WithoutTrace(answered.Body);
        }

        Assert.Single(bodies.Values.Distinct());
        Assert.Equal(Problems.AuthenticationFailed, JsonNode.Parse(bodies.Values.First())!["detail"]!.ToString());
    }

    [Fact]
    public async Task A_partner_over_its_rate_limit_gets_429_with_retry_after_and_its_request_may_be_sent_again()
    {
        var secret = PartnerSecret(RateLimitedPartner);
        await Task.Delay(FullBucket); // the other rate-limit test may have run just before
        var burst = await BurstAsync(secret);
        var statuses = burst.Select(b => b.Answer.Status).ToList();
        var (refused, limited) = burst.FirstOrDefault(b => b.Answer.Status == 429);

        Assert.NotNull(refused);
        Assert.True(statuses.Count(s => s == 200) >= 3, string.Join(",", statuses));
        Assert.Equal("urn:tongban:problem:rate-limited", limited.Body!["type"]!.ToString());
        var retryAfter = limited.Response!.Headers.RetryAfter!.Delta!.Value;
        Assert.InRange(retryAfter.TotalSeconds, 1, 2);
        // Another partner is not held up.
        Assert.Equal(200, (await hub.SendAsync(SignedRequest(Partner, "310000", PartnerSecret("310000"), HttpMethod.Get, "/api/v1/cases"))).Status);

        // The refused request consumed nothing: sent again as it was (same nonce) after Retry-After, it is answered.
        await Task.Delay(retryAfter + TimeSpan.FromMilliseconds(200));
        var again = SignedRequest(Partner, RateLimitedPartner, secret, HttpMethod.Get, "/api/v1/cases",
            nonce: refused!.Headers.GetValues("X-Tongban-Nonce").Single(),
            timestamp: long.Parse(refused.Headers.GetValues("X-Tongban-Timestamp").Single(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(200, (await hub.SendAsync(again)).Status);
    }

    /// <summary>How long the rate-limited partner's bucket (1/s, burst 3) takes to fill again from empty.</summary>
    private static readonly TimeSpan FullBucket = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Eight signed list reads of the rate-limited partner (1/s, burst 3), sent at once: sent one after another, a loaded
    /// machine answering each in a second or more refills the bucket as fast as they drain it, and none is refused.
    /// </summary>
    private async Task<(HttpRequestMessage Request, (int Status, HttpResponseMessage Response, JsonNode? Body, string Text) Answer)[]> BurstAsync(string secret)
    {
        var requests = Enumerable.Range(0, 8).Select(_ => SignedRequest(Partner, RateLimitedPartner, secret, HttpMethod.Get, "/api/v1/cases")).ToList();
        var answers = await Task.WhenAll(requests.Select(hub.SendAsync));
        return [.. requests.Zip(answers)];
    }

    [Fact]
    public async Task A_rate_limited_open_stores_nothing()
    {
        var secret = PartnerSecret(RateLimitedPartner);
        await Task.Delay(FullBucket);
        var answers = (await BurstAsync(secret)).Select(b => b.Answer.Status).ToList();

        Assert.Contains(429, answers);
        var before = await NonceRowsAsync(RateLimitedPartner);
        var body = Utf8("""{"caseType":"marriage-registration"}""");
        var open = SignedRequest(Partner, RateLimitedPartner, secret, HttpMethod.Post, "/api/v1/cases", body);
        open.Headers.TryAddWithoutValidation("Idempotency-Key", "rate-limited-" + Guid.NewGuid().ToString("N"));
        var answered = await hub.SendAsync(open);

        Assert.Equal(429, answered.Status);
        Assert.Equal(before, await NonceRowsAsync(RateLimitedPartner));
    }

    [Fact]
    public async Task The_devhost_answers_unmatched_routes_wrong_methods_and_defects_with_problem_json()
    {
        var unmatched = await hub.SendAsync(OpenApiConformance.Leaving(new HttpRequestMessage(HttpMethod.Get, "/api/v1/no-such-thing"), "an unmatched route"));
        Assert.Equal((404, "urn:tongban:problem:not-found"), (unmatched.Status, unmatched.Body?["type"]?.ToString()));
        WithoutTrace(unmatched.Body);

        var wrongMethod = await hub.SendAsync(OpenApiConformance.Leaving(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/cases"), "a method the path does not serve"));
        Assert.Equal((405, "urn:tongban:problem:method-not-allowed"), (wrongMethod.Status, wrongMethod.Body?["type"]?.ToString()));
        WithoutTrace(wrongMethod.Body);

        // A defect: a case row the hub cannot read (written here past the hub). The answer names nothing of it.
        var caseId = CaseIds.New(DateTimeOffset.UtcNow);
        await new TableServiceClient(hub.StorageConnectionString).GetTableClient(StorageNames.CasesTable)
            .AddEntityAsync(new TableEntity(caseId, "case") { ["Record"] = "{not json", ["Details"] = "x" });
        var defect = await hub.SendAsync(SignedRequest(Partner, "310000", PartnerSecret("310000"), HttpMethod.Get, $"/api/v1/cases/{caseId}"));

        Assert.Equal(500, defect.Status);
        Assert.Equal("application/problem+json", defect.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:tongban:problem:internal", defect.Body!["type"]!.ToString());
        WithoutTrace(defect.Body);
        Assert.DoesNotContain("Exception", defect.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", defect.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bidi_override_in_a_name_is_a_400_on_that_field()
    {
        var body = Marriages.Body("310000", "310104", Marriages.ZjMan1 with { Name = "邓\u202E远晨" }, Marriages.ShWoman1);
        var answered = await hub.Partner("310000").PostAsync("/api/v1/cases", body, Marriages.Key());

        Assert.Equal(400, answered.Status);
        Assert.Equal(["details.partyA.name"], answered.Json!["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task A_Shanghai_callback_with_a_nonce_or_ticket_of_another_shape_is_refused_not_failed()
    {
        var key = hub.Setting("Tongban:Provinces:310000:callbackKey");
        var secret = hub.Setting("Tongban:Provinces:310000:callbackSecret");

        HttpRequestMessage Callback(string ticket, string nonce)
        {
            var body = Utf8($$$"""{"ticket":"{{{ticket}}}","type":"transfer-out","result":"rejected","reason":"x","data":{}}""");
            var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            var request = new HttpRequestMessage(HttpMethod.Post, Provinces.Shanghai.ShanghaiCallback.Path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("X-Ca-Key", key);
            request.Headers.TryAddWithoutValidation("X-Ca-Timestamp", ts);
            request.Headers.TryAddWithoutValidation("X-Ca-Nonce", nonce);
            request.Headers.TryAddWithoutValidation("X-Ca-Signature",
                Tongban.Security.HmacRequestSignature.Compute(secret, "POST", Provinces.Shanghai.ShanghaiCallback.Path, ts, nonce, body));
            return request;
        }

        foreach (var nonce in new[] { "nonce#1-0000-4000-8000-000000000001", "../../x", new string('n', 2000) })
        {
            var answered = await hub.SendAsync(Callback("TK310000-999999", nonce));
            Assert.Equal((401, "urn:tongban:problem:unauthenticated"), (answered.Status, answered.Body?["type"]?.ToString()));
        }

        foreach (var ticket in new[] { "TK#1", "TK/1", "TK\\\\1", "TK?1", "TK\\u0001", new string('T', 600) })
        {
            var answered = await hub.SendAsync(Callback(ticket, Guid.NewGuid().ToString()));
            Assert.Equal((400, "urn:tongban:problem:validation"), (answered.Status, answered.Body?["type"]?.ToString()));
        }
    }

    [Fact]
    public void The_devhost_took_the_short_sandbox_secrets_from_the_contract_file_only()
    {
        var sandbox = hub.Hub.Services.GetRequiredService<SandboxSecrets>();
        var secret = PartnerSecret("310000");
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(secret) < TongbanOptions.MinSecretBytes);
        Assert.True(sandbox.Allows("Tongban:Partners:310000:Secret", secret));
        Assert.DoesNotContain(sandbox.Keys, k => k.Contains("Operators", StringComparison.OrdinalIgnoreCase));
    }

    private async Task<int> NonceRowsAsync(string partition) =>
        (await TableRows.InPartitionAsync(new TableServiceClient(hub.StorageConnectionString), StorageNames.NoncesTable, partition, CancellationToken.None)).Count;
}
