using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Time.Testing;
using Tongban.DevHost.Demo;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>The partner contract at its edges: signatures, validation, tenancy, idempotency, listing, health.</summary>
[Collection(HubCollection.Name)]
public sealed class PartnerApiTests(HubFixture hub)
{
    // Jiangxi and Anhui parties: no other end-to-end test opens cases for them, so their queues and index partitions stay ours to inspect.
    private static readonly Citizen JxMan = new("360102198408147038", "丁玉霞", "360000");
    private static readonly Citizen AhWoman = new("340104199505021668", "于浩霞", "340000");

    [Fact]
    public async Task Invalid_request_is_refused_field_by_field_and_stores_nothing()
    {
        var jiangxi = hub.Partner("360000");
        var casesBefore = await CaseIdsAsync();
        var indexBefore = await CountIndexRowsAsync("360000");
        var keysBefore = await CountRowsAsync(StorageNames.IdempotencyTable, "360000");
        var body = new
        {
            caseType = "marriage-registration",
            reference = "",
            handlingProvince = "360000",
            details = new
            {
                registryCode = "999999",
                partyA = new { idNumber = "360102198408147039", name = JxMan.Name, hukouProvince = "360000" },
                partyB = new { idNumber = AhWoman.IdNumber, name = "", hukouProvince = "110000" },
            },
        };

        var response = await jiangxi.PostAsync("/api/v1/cases", body, idempotencyKey: "short");

        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Equal("urn:tongban:problem:validation", response["type"]);
        var errors = response.Json!["errors"]!.AsObject().Select(e => e.Key).ToHashSet();
        Assert.Superset(new HashSet<string>
        {
            "Idempotency-Key", "reference", "details.registryCode", "details.partyA.idNumber", "details.partyB.name", "details.partyB.hukouProvince",
        }, errors);
        Assert.DoesNotContain("360102198408147039", response.Body);
        Assert.DoesNotContain(AhWoman.IdNumber, response.Body);

        Assert.Equal(casesBefore, await CaseIdsAsync());
        Assert.Equal(indexBefore, await CountIndexRowsAsync("360000"));
        Assert.Equal(keysBefore, await CountRowsAsync(StorageNames.IdempotencyTable, "360000"));
        // Other tests' cases may still be at work on these queues; no message may belong to a case that did not exist before.
        foreach (var queue in new[] { "province-360000", "province-340000" })
        {
            var waiting = (await new QueueServiceClient(hub.StorageConnectionString).GetQueueClient(queue).PeekMessagesAsync(32)).Value;
            Assert.All(waiting.SelectMany(m => Tongban.Workflows.Dispatch.ProvinceStepQueue.Read(m.MessageText)), step => Assert.Contains(step.CaseId, casesBefore));
        }
    }

    [Fact]
    public async Task Opening_a_case_for_another_province_is_forbidden_and_stores_nothing()
    {
        var before = await CountCasesAsync();
        var response = await hub.Partner("360000").PostAsync("/api/v1/cases", Body("340000", "340104", JxMan, AhWoman), Key());
        Assert.Equal(403, response.Status);
        Assert.Equal("urn:tongban:problem:forbidden", response["type"]);
        Assert.Equal(before, await CountCasesAsync());
    }

    [Fact]
    public async Task Another_province_gets_404_for_a_case_it_is_not_part_of()
    {
        var shanghai = hub.Partner("310000");
        var caseId = (await shanghai.PostAsync("/api/v1/cases", Body("310000", "310115", ZjMan3, ShDeceasedWoman), Key()))["caseId"]!;

        var stranger = hub.Partner("340000");
        Assert.Equal(404, (await stranger.GetAsync($"/api/v1/cases/{caseId}")).Status);
        Assert.Equal(404, (await stranger.PostAsync($"/api/v1/cases/{caseId}/decisions", new { step = "officer-review", decision = "approve", officer = "x" })).Status);
        Assert.Equal(404, (await stranger.GetAsync("/api/v1/cases/c-does-not-exist")).Status);
        Assert.Equal(200, (await hub.Partner("330000").GetAsync($"/api/v1/cases/{caseId}")).Status);
        var notOwner = await hub.Partner("330000").PostAsync($"/api/v1/cases/{caseId}/decisions", new { step = "officer-review", decision = "approve", officer = "x" });
        Assert.Equal(403, notOwner.Status);
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_makes_one_case_and_a_different_body_conflicts()
    {
        var shanghai = hub.Partner("310000");
        var key = Key();
        var body = Body("310000", "310115", ZjMan3, ShDeceasedWoman, reference: "SH-IDEM-1");

        var first = await shanghai.PostAsync("/api/v1/cases", body, key);
        var second = await shanghai.PostAsync("/api/v1/cases", body, key);
        Assert.Equal(202, first.Status);
        Assert.Equal(200, second.Status);
        Assert.Equal(first["caseId"], second["caseId"]);

        var changed = await shanghai.PostAsync("/api/v1/cases", Body("310000", "310115", ZjMan3, ShDeceasedWoman, reference: "SH-IDEM-2"), key);
        Assert.Equal(409, changed.Status);
        Assert.Equal("urn:tongban:problem:conflict", changed["type"]);

        // The key is the caller's own: Zhejiang's identical key is another request.
        var zhejiang = await hub.Partner("330000").PostAsync("/api/v1/cases", Body("330000", "330106", ZjMan3, ShDeceasedWoman, reference: "SH-IDEM-1"), key);
        Assert.Equal(202, zhejiang.Status);
        Assert.NotEqual(first["caseId"], zhejiang["caseId"]);
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_create_exactly_one_case()
    {
        var shanghai = hub.Partner("310000");
        var key = Key();
        var body = Body("310000", "310115", ZjMan3, ShDeceasedWoman, reference: "SH-RACE");

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => shanghai.PostAsync("/api/v1/cases", body, key)));

        Assert.All(responses, r => Assert.Contains(r.Status, new[] { 200, 202, 409 }));
        Assert.Single(responses, r => r.Status == 202);
        var ids = responses.Where(r => r.Status is 200 or 202).Select(r => r["caseId"]).Distinct().ToList();
        Assert.Single(ids);
        Assert.All(responses.Where(r => r.Status == 409), r => Assert.NotNull(r.RetryAfter));
    }

    [Theory]
    [InlineData("signature")]
    [InlineData("timestamp")]
    [InlineData("partner")]
    [InlineData("missing")]
    public async Task Badly_signed_requests_get_401_and_change_nothing(string fault)
    {
        var before = await CountCasesAsync();
        var client = fault switch
        {
            "timestamp" => new PartnerClient(Http, "310000", Secret("310000"), new FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(-301))),
            "partner" => new PartnerClient(Http, "990000", "no-such-secret"),
            _ => hub.Partner("310000"),
        };
        var bytes = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(Body("310000", "310115", ZjMan3, ShDeceasedWoman)));
        var response = await client.SendAsync(HttpMethod.Post, "/api/v1/cases", bytes,
            new Dictionary<string, string> { ["Idempotency-Key"] = Key() },
            tamper: request =>
            {
                if (fault == "signature") request.Headers.Remove("X-Tongban-Signature");
                if (fault == "signature") request.Headers.Add("X-Tongban-Signature", "xe7X/RKahg4vY3XJk61QkOJ0LgjgrCSA7mxvqY9WVco=");
                if (fault == "missing") request.Headers.Remove("X-Tongban-Nonce");
            });
        Assert.Equal(401, response.Status);
        Assert.Equal("urn:tongban:problem:unauthenticated", response["type"]);
        Assert.Equal(before, await CountCasesAsync());
    }

    [Fact]
    public async Task A_replayed_nonce_is_refused()
    {
        var secret = Secret("310000");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        const string nonce = "replay-nonce-000000000001";
        HttpRequestMessage Signed()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/cases");
            request.Headers.Add("X-Tongban-Partner", "310000");
            request.Headers.Add("X-Tongban-Timestamp", timestamp);
            request.Headers.Add("X-Tongban-Nonce", nonce);
            request.Headers.Add("X-Tongban-Signature", Tongban.Client.TongbanSignature.Sign(secret, "GET", "/api/v1/cases", timestamp, nonce, []));
            return request;
        }

        using var first = await Http.SendAsync(Signed());
        using var second = await Http.SendAsync(Signed());
        Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal(401, (int)second.StatusCode);
    }

    [Fact]
    public async Task Wrong_media_type_is_415_and_an_oversized_body_is_413()
    {
        var shanghai = hub.Partner("310000");
        var text = await shanghai.SendAsync(HttpMethod.Post, "/api/v1/cases", Encoding.UTF8.GetBytes("caseType=x"),
            new Dictionary<string, string> { ["Idempotency-Key"] = Key() }, contentType: "application/x-www-form-urlencoded");
        Assert.Equal(415, text.Status);
        Assert.Equal("urn:tongban:problem:unsupported-media-type", text["type"]);

        var huge = Encoding.UTF8.GetBytes("{\"reference\":\"" + new string('x', 70 * 1024) + "\"}");
        var large = await shanghai.SendAsync(HttpMethod.Post, "/api/v1/cases", huge, new Dictionary<string, string> { ["Idempotency-Key"] = Key() });
        Assert.Equal(413, large.Status);
        Assert.Equal("urn:tongban:problem:payload-too-large", large["type"]);
    }

    [Fact]
    public async Task Listing_shows_the_callers_cases_newest_first_and_refuses_bad_queries()
    {
        var anhui = hub.Partner("340000");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var opened = await anhui.PostAsync("/api/v1/cases", Body("340000", "340104", new Citizen("340104198311060875", "林桂凯", "340000"),
                new Citizen("360111198209138063", "林芳", "360000"), reference: $"AH-LIST-{i}"), Key());
            Assert.Equal(202, opened.Status);
            ids.Add(opened["caseId"]!);
        }

        var page1 = await anhui.GetAsync("/api/v1/cases?pageSize=2&caseType=marriage-registration");
        Assert.Equal(200, page1.Status);
        var first = page1.Json!["items"]!.AsArray().Select(c => c!["caseId"]!.ToString()).ToList();
        Assert.Equal([ids[2], ids[1]], first);
        var continuation = page1.Json!["continuation"]!.ToString();
        var page2 = await anhui.GetAsync($"/api/v1/cases?pageSize=2&caseType=marriage-registration&continuation={Uri.EscapeDataString(continuation)}");
        Assert.Equal(ids[0], page2.Json!["items"]!.AsArray()[0]!["caseId"]!.ToString());

        // Jiangxi is involved (partyB's hukou) and sees them; a token issued to Anhui is not Jiangxi's to use.
        var jiangxi = hub.Partner("360000");
        var stolen = await jiangxi.GetAsync($"/api/v1/cases?pageSize=2&caseType=marriage-registration&continuation={Uri.EscapeDataString(continuation)}");
        Assert.Equal(400, stolen.Status);
        Assert.True(stolen.Json!["errors"]!.AsObject().ContainsKey("continuation"));

        var bad = await anhui.GetAsync("/api/v1/cases?pageSize=500&status=Done&updatedSince=yesterday");
        Assert.Equal(400, bad.Status);
        var errors = bad.Json!["errors"]!.AsObject().Select(e => e.Key).ToHashSet();
        Assert.Superset(new HashSet<string> { "pageSize", "status", "updatedSince" }, errors);

        var others = await hub.Partner("310000").GetAsync("/api/v1/cases?pageSize=200");
        Assert.DoesNotContain(others.Json!["items"]!.AsArray(), c => ids.Contains(c!["caseId"]!.ToString()));
    }

    [Fact]
    public async Task Health_answers_anonymously_when_storage_and_engine_answer()
    {
        using var response = await Http.GetAsync("/api/v1/health");
        Assert.Equal(200, (int)response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("ok", body["status"]!.ToString());

        // Issue 16: the calendar's years, and a warning (still 200) when the next 30 days reach a year it lacks.
        Assert.Equal([2024, 2025, 2026], body["calendar"]!["coveredYears"]!.AsArray().Select(y => (int)y!));
        var horizon = BeijingTime.ToBeijing(DateTimeOffset.UtcNow) + Tongban.Api.HealthApi.CalendarLookAhead;
        Assert.Equal(horizon.Year > 2026, body["calendar"]!["warning"]?.ToString().Contains("2027", StringComparison.Ordinal) == true);
    }

    private HttpClient Http { get; } = new(OpenApiConformance.Create()) { BaseAddress = hub.Hub.Url };

    private string Secret(string code) =>
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>(hub.Hub.Services)[$"Tongban:Partners:{code}:Secret"]!;

    private async Task<int> CountCasesAsync() => await CountRowsAsync(StorageNames.CasesTable, null);

    private async Task<int> CountIndexRowsAsync(string province) => await CountRowsAsync(StorageNames.CaseIndexTable, province);

    private async Task<int> CountRowsAsync(string table, string? partition)
    {
        var client = new TableServiceClient(hub.StorageConnectionString).GetTableClient(table);
        var filter = partition is null ? null : TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        var count = 0;
        await foreach (var _ in client.QueryAsync<TableEntity>(filter, select: ["PartitionKey"])) count++;
        return count;
    }

    private async Task<HashSet<string>> CaseIdsAsync()
    {
        var client = new TableServiceClient(hub.StorageConnectionString).GetTableClient(StorageNames.CasesTable);
        var ids = new HashSet<string>();
        await foreach (var row in client.QueryAsync<TableEntity>(select: ["PartitionKey"])) ids.Add(row.PartitionKey);
        return ids;
    }
}
