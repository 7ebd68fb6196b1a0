using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Operations;
using Tongban.Storage;
using Xunit.Abstractions;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.Audit;

/// <summary>A hub of its own (a fresh sandbox, so its couples are free) with an operator.</summary>
public sealed class AuditHubFixture : HubFixture
{
    public const string OperatorId = "auditor-1";

    /// <summary>Storage requests to the audit table, transactions included (their body names the table).</summary>
    public AuditRequestCounter Requests { get; } = new();

    protected override void Configure(Dictionary<string, string?> settings) =>
        settings[$"Tongban:Operators:{OperatorId}:Secret"] = "operator-secret-for-audit-tests-at-least-32-bytes";

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddAzureClients(clients => clients.ConfigureDefaults(o => o.AddPolicy(Requests, Azure.Core.HttpPipelinePosition.PerRetry)));
}

public sealed class AuditRequestCounter : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
{
    private int count;

    public int Count => count;

    public override void OnSendingRequest(Azure.Core.HttpMessage message)
    {
        var about = message.Request.Uri.Path.Contains(StorageNames.AuditTable, StringComparison.Ordinal);
        if (!about && message.Request.Content is { } content && message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal))
        {
            using var body = new MemoryStream();
            content.WriteTo(body, CancellationToken.None);
            about = System.Text.Encoding.UTF8.GetString(body.ToArray()).Contains(StorageNames.AuditTable, StringComparison.Ordinal);
        }

        if (about) Interlocked.Increment(ref count);
    }
}

[CollectionDefinition(Name)]
public sealed class AuditHubCollection : ICollectionFixture<AuditHubFixture>
{
    public const string Name = "audit-hub";
}

/// <summary>The audit trail through the devhost: what a marriage case records, who reads what, the verifier, and history purged.</summary>
[Collection(AuditHubCollection.Name)]
public sealed class AuditEndToEndTests(AuditHubFixture hub, ITestOutputHelper output)
{
    [Fact]
    public async Task A_completed_marriage_has_a_signed_verified_trail_partners_read_without_identities_and_its_history_is_purged()
    {
        var zhejiang = hub.Partner("330000");
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Body("330000", "330106", ZjMan1, ShWoman1)))!;
        body["callbackUrl"] = hub.Callbacks.Url + "hooks/audit";
        var requestsBefore = hub.Requests.Count;
        var opened = await zhejiang.PostAsync("/api/v1/cases", body.ToJsonString(), Key());
        Assert.Equal(202, opened.Status);
        var caseId = opened["caseId"]!;
        await HubFixture.WaitForStatusAsync(zhejiang, caseId, "AwaitingReview");
        Assert.Equal(202, (await zhejiang.PostAsync($"/api/v1/cases/{caseId}/decisions",
            new { step = "officer-review", decision = "approve", officer = "ZJ-OFFICER-7" })).Status);
        var done = await HubFixture.WaitForStatusAsync(zhejiang, caseId, "Completed", "Rejected", "Failed");
        Assert.Equal("Completed", done["status"]!.ToString());
        // Every status change delivered to the partner is in the trail too, after the case ended.
        await Infrastructure.Eventually.UntilAsync(() => Task.FromResult(hub.Callbacks.AcceptedFor(caseId).Count >= 4), TimeSpan.FromSeconds(60), "callbacks");
        await Task.Delay(TimeSpan.FromSeconds(2)); // the last status change's callback
        var callbacks = hub.Callbacks.AcceptedFor(caseId).Select(d => d.Sequence).Distinct().Count();
        Tongban.DevHost.Demo.PartnerResponse operatorTrail = null!;
        await Infrastructure.Eventually.UntilAsync(async () =>
        {
            operatorTrail = await hub.Operator(AuditHubFixture.OperatorId).GetAsync($"/api/v1/operator/cases/{caseId}/audit");
            return operatorTrail.Json!["entries"]!.AsArray().Count(e => e!["action"]!.ToString() == "callback-delivered") == callbacks;
        }, TimeSpan.FromSeconds(30), "every delivered callback in the trail");
        Assert.Equal(200, operatorTrail.Status);
        var trail = operatorTrail.Json!;
        var entries = trail["entries"]!.AsArray().Select(e => e!).ToList();
        Assert.Equal(Enumerable.Range(1, entries.Count), entries.Select(e => e["seq"]!.GetValue<int>()));
        var actions = entries.Select(e => e["action"]!.ToString()).ToList();
        Assert.Equal("opened", actions[0]);
        Assert.Equal("partner 330000", entries[0]["actor"]!.ToString());
        Assert.StartsWith("body sm3 ", entries[0]["detail"]!.ToString(), StringComparison.Ordinal);
        // Both parties' two checks, the registration and both updates: each province call once, with its answer's hash.
        var calls = entries.Where(e => e["action"]!.ToString() == "province-call").ToList();
        Assert.Equal(["check-marital-status.partyA", "check-marital-status.partyB", "register-marriage", "update-marital-status.partyA",
            "update-marital-status.partyB", "verify-resident.partyA", "verify-resident.partyB"], calls.Select(c => c["step"]!.ToString()).Order());
        Assert.All(calls, c => Assert.Matches("^[0-9a-f]{64}$", c["answerHash"]!.ToString()));
        var decision = Assert.Single(entries, e => e["action"]!.ToString() == "decision");
        Assert.Equal(("officer-review", "approve", "officer ZJ-OFFICER-7 at 330000"), (decision["step"]!.ToString(), decision["outcome"]!.ToString(), decision["actor"]!.ToString()));
        // The approval's write sent the registration (workflow version 7): the case InProgress, in the decision's transaction.
        var afterDecision = entries[entries.IndexOf(decision) + 1];
        Assert.Equal(("status", "InProgress", decision["at"]!.ToString()), (afterDecision["action"]!.ToString(), afterDecision["outcome"]!.ToString(), afterDecision["at"]!.ToString()));
        var closed = Assert.Single(entries, e => e["action"]!.ToString() == "closed");
        Assert.Equal("Completed", closed["outcome"]!.ToString());
        Assert.Contains("status", actions);
        for (var i = 1; i < entries.Count; i++) Assert.Equal(entries[i - 1]["hash"]!.ToString(), entries[i]["prevHash"]!.ToString());

        var requests = hub.Requests.Count - requestsBefore;
        // Each append commits at least once (the reads of the trail above count here too; AuditTrailTests counts an append's cost);
        // the answers that moved the case to review and completed it, and the approval, share one transaction with the status
        // entry they caused, and a party's two checks at its province (one message, ProvinceStepQueue.Bundles) one between them.
        Assert.True(requests >= entries.Count - 5, $"{requests} requests for {entries.Count} entries");
        var completing = entries[entries.IndexOf(closed) - 1]!;
        Assert.Equal(("province-call", closed["at"]!.ToString()), (completing["action"]!.ToString(), completing["at"]!.ToString()));

        // Signed at the end (and again once the callbacks after the end were recorded, by the housekeeping pass).
        await hub.Hub.Services.GetRequiredService<AuditHousekeeping>().SignDueHeadsAsync(CancellationToken.None);
        var partnerRead = await zhejiang.GetAsync($"/api/v1/cases/{caseId}/audit");
        Assert.Equal(200, partnerRead.Status);
        var head = partnerRead.Json!["head"]!;
        Assert.Equal(entries.Count, head["seq"]!.GetValue<int>());
        Assert.Equal(entries[^1]["hash"]!.ToString(), head["hash"]!.ToString());
        Assert.Equal("devhost", head["keyId"]!.ToString());
        // Partners: the same chain, without actors and details; nothing personal in either view.
        var partnerEntries = partnerRead.Json!["entries"]!.AsArray();
        Assert.Equal(entries.Count, partnerEntries.Count);
        Assert.All(partnerEntries, e => Assert.Null(e!["actor"]));
        Assert.All(partnerEntries, e => Assert.Null(e!["detail"]));
        foreach (var text in new[] { partnerRead.Body, operatorTrail.Body })
        {
            foreach (var person in new[] { ZjMan1, ShWoman1 })
            {
                Assert.DoesNotContain(person.IdNumber, text);
                Assert.DoesNotContain(person.Name, text);
            }
        }

        // Shanghai is involved and reads it; Jiangxi is not: 404, as for a case that does not exist.
        Assert.Equal(200, (await hub.Partner("310000").GetAsync($"/api/v1/cases/{caseId}/audit")).Status);
        Assert.Equal(404, (await hub.Partner("360000").GetAsync($"/api/v1/cases/{caseId}/audit")).Status);
        Assert.Equal(404, (await zhejiang.GetAsync("/api/v1/cases/c-00000000000000000000000000000000/audit")).Status);
        Assert.Equal(404, (await zhejiang.GetAsync("/api/v1/cases/not-a-case/audit")).Status);
        // Partners cannot call the operator's view; an unsigned call is 401.
        Assert.Equal(401, (await zhejiang.GetAsync($"/api/v1/operator/cases/{caseId}/audit")).Status);

        var verified = await hub.Operator(AuditHubFixture.OperatorId).GetAsync($"/api/v1/operator/audit/verification?caseId={caseId}");
        Assert.Equal(200, verified.Status);
        Assert.Equal((1, entries.Count, 0), (verified.Json!["checkedCases"]!.GetValue<int>(), verified.Json!["checkedEntries"]!.GetValue<int>(),
            verified.Json!["failures"]!.AsArray().Count));
        var bad = await hub.Operator(AuditHubFixture.OperatorId).GetAsync("/api/v1/operator/audit/verification?caseId=nope");
        Assert.Equal(400, bad.Status);
        Assert.Contains("caseId", bad.Body);

        // The cost of one marriage's trail, as stored.
        var tables = new TableServiceClient(hub.StorageConnectionString);
        var rows = new List<TableEntity>();
        await foreach (var row in tables.GetTableClient(StorageNames.AuditTable).QueryAsync<TableEntity>($"PartitionKey eq '{caseId}'")) rows.Add(row);
        // Azure's size formula: 4 + 2 × (PK + RK) + for each property 8 + 2 × name + the value (string 4 + 2 × length; others 8, bool 1).
        var bytes = rows.Sum(r => 4 + 2 * (r.PartitionKey.Length + r.RowKey.Length)
            + r.Where(p => p.Key is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))
                .Sum(p => 8 + 2 * p.Key.Length + p.Value switch { string s => 4 + 2 * s.Length, bool => 1, _ => 8 }));
        output.WriteLine($"audit cost (marriage, completed, {callbacks} callbacks): entries={entries.Count} rows={rows.Count} bytes≈{bytes} storage-requests={requests}");

        // Retention: the ended case's orchestration history goes; the case row and the trail stay.
        var durable = hub.Hub.Services.GetRequiredService<DurableTaskClient>();
        Assert.NotNull(await durable.GetInstanceAsync(caseId));
        var housekeeping = hub.Hub.Services.GetRequiredService<AuditHousekeeping>();
        Assert.True(await housekeeping.PurgeHistoryAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None) >= 1);
        Assert.Null(await durable.GetInstanceAsync(caseId));
        Assert.Equal(0, await housekeeping.PurgeHistoryAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None));
        Assert.Equal(200, (await zhejiang.GetAsync($"/api/v1/cases/{caseId}")).Status);
        var after = await hub.Operator(AuditHubFixture.OperatorId).GetAsync($"/api/v1/operator/audit/verification?caseId={caseId}");
        Assert.Equal(entries.Count, after.Json!["checkedEntries"]!.GetValue<int>());
        Assert.Empty(after.Json!["failures"]!.AsArray());
    }

    [Fact]
    public async Task An_open_case_is_not_purged_and_the_retention_spares_recent_ends()
    {
        var shanghai = hub.Partner("310000");
        var opened = await shanghai.PostAsync("/api/v1/cases", Body("310000", "310115", ZjMan2, ShWoman2), Key());
        var caseId = opened["caseId"]!;
        await HubFixture.WaitForStatusAsync(shanghai, caseId, "AwaitingReview");
        var housekeeping = hub.Hub.Services.GetRequiredService<AuditHousekeeping>();
        // Ended an hour ago or earlier: none here (a purge of cases that ended recently is not due).
        await housekeeping.PurgeHistoryAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);
        await housekeeping.PurgeHistoryAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
        var durable = hub.Hub.Services.GetRequiredService<DurableTaskClient>();
        Assert.NotNull(await durable.GetInstanceAsync(caseId)); // still open: kept whatever the cut-off
        Assert.Equal(202, (await shanghai.PostAsync($"/api/v1/cases/{caseId}/withdrawal", new { reason = "the couple changed their minds" })).Status);
        await HubFixture.WaitForStatusAsync(shanghai, caseId, "Withdrawn");
        // The status shows on the case row before the closing activity has appended `closed` and signed the head: wait for that.
        var operatorApi = hub.Operator(AuditHubFixture.OperatorId);
        var trail = await operatorApi.GetAsync($"/api/v1/operator/cases/{caseId}/audit");
        await Eventually.UntilAsync(async () =>
        {
            trail = await operatorApi.GetAsync($"/api/v1/operator/cases/{caseId}/audit");
            return trail.Json?["head"] is not null;
        }, TimeSpan.FromSeconds(30), "the withdrawn case's head signed");
        var actions = trail.Json!["entries"]!.AsArray().Select(e => e!["action"]!.ToString()).ToList();
        Assert.Contains("withdrawal-requested", actions);
        Assert.Equal("closed", actions[^1]);
        Assert.NotNull(trail.Json!["head"]); // signed as it closed
    }
}
