using System.Text.Json.Nodes;
using Tongban.DevHost.Demo;
using Tongban.IntegrationTests.Infrastructure;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>A hub that holds instead of failing: one round per step (10 s at most), then parked; an operator; a redrive timer every second.</summary>
public sealed class RedriveHubFixture : HubFixture
{
    public const string OperatorId = "ops-1";

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Tongban:Workflow:MaxRounds"] = "1";
        // Behind an open circuit a call waits on its queue and never reaches poison: the round's time-out ends it.
        settings["Tongban:Workflow:StepTimeout"] = "00:00:10";
        settings["Tongban:Workflow:ParkFor"] = "00:10:00";
        settings["Tongban:Workflow:RedriveWindow"] = "00:10:00";
        settings[$"Tongban:Operators:{OperatorId}:Secret"] = "operator-secret-for-tests-0001-at-least-32-bytes";
        settings["Tongban:Redrive:Period"] = "00:00:01";
        settings["Tongban:Redrive:ProbeInterval"] = "00:00:02";
    }
}

[CollectionDefinition(Name)]
public sealed class RedriveHubCollection : ICollectionFixture<RedriveHubFixture>
{
    public const string Name = "redrive-hub";
}

/// <summary>
/// Issue 4 on the devhost, Azurite and the sandbox: a province down past a step's rounds parks the step (the case does not
/// fail); the operator API lists it; the redrive timer probes, sees the province answer again and re-drives; an operator
/// can re-drive too, recorded in the case's audit trail. Every operator call is signed by an operator.
/// </summary>
[Collection(RedriveHubCollection.Name)]
public sealed class RedriveEndToEndTests(RedriveHubFixture hub)
{
    private static string Key() => "rd-" + Guid.NewGuid().ToString("N");

    private static bool Parked(JsonNode c) => c["steps"]!.AsArray().Any(s => s!["awaitingRedrive"]!.GetValue<bool>());

    private async Task<string> OpenParkedAsync(Citizen a, Citizen b)
    {
        var shanghai = hub.Partner("310000");
        var opened = await shanghai.PostAsync("/api/v1/cases", Body("310000", "310104", a, b), Key());
        Assert.Equal(202, opened.Status);
        var parked = await HubFixture.WaitForCaseAsync(shanghai, opened["caseId"]!, Parked, TimeSpan.FromSeconds(90));
        Assert.Equal("InProgress", parked["status"]!.ToString());
        return opened["caseId"]!;
    }

    private async Task FinishAsync(string caseId)
    {
        var shanghai = hub.Partner("310000");
        await HubFixture.WaitForCaseAsync(shanghai, caseId, c => c["status"]!.ToString() == "AwaitingReview", TimeSpan.FromSeconds(90));
        var decided = await shanghai.PostAsync($"/api/v1/cases/{caseId}/decisions",
            new { step = "officer-review", decision = "approve", officer = "officer-9", reason = "ok" });
        Assert.Equal(202, decided.Status);
        var done = await HubFixture.WaitForCaseAsync(shanghai, caseId, c => c["status"]!.ToString() is "Completed" or "Failed" or "Rejected", TimeSpan.FromSeconds(60));
        Assert.Equal("Completed", done["status"]!.ToString());
        Assert.All(done["steps"]!.AsArray(), s => Assert.False(s!["awaitingRedrive"]!.GetValue<bool>()));
    }

    private async Task<IReadOnlyList<Tongban.Cases.CaseAuditEntry>> StoredAuditAsync(string caseId) =>
        (await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Tongban.Storage.CaseStore>(hub.Hub.Services)
            .GetAsync(caseId, CancellationToken.None))!.Record.Audit;

    private async Task<JsonArray> AttentionAsync()
    {
        var listed = await hub.Operator(RedriveHubFixture.OperatorId).GetAsync("/api/v1/operator/attention");
        Assert.Equal(200, listed.Status);
        return listed.Json!["items"]!.AsArray();
    }

    [Fact]
    public async Task A_province_down_past_the_rounds_parks_the_step_and_the_timer_redrives_it_once_the_province_answers()
    {
        var knobs = hub.Sandbox.Knobs.Zhejiang;
        knobs.Down = true;
        string caseId;
        try
        {
            caseId = await OpenParkedAsync(ZjMan1, ShWoman1);

            // Both of partyA's checks are at Zhejiang, and each is listed while it needs attention: parked, or between (its call
            // failing in its round, or re-driven by the timer's probe, every 2 s here, until that round ends). So wait for a
            // listing with a parked step; every item of the case is a Zhejiang step of a case still in progress, and a parked one is waiting.
            var items = new List<JsonNode?>();
            await Eventually.UntilAsync(async () =>
            {
                items = (await AttentionAsync()).Where(i => i!["caseId"]!.ToString() == caseId).ToList();
                return items.Any(i => i!["parked"]!.GetValue<bool>());
            }, TimeSpan.FromSeconds(30), "a parked step of the case in the attention list");
            Assert.All(items, item =>
            {
                Assert.Equal("330000", item!["province"]!.ToString());
                Assert.Equal("step", item["reason"]!.ToString());
                Assert.Equal("InProgress", item["caseStatus"]!.ToString());
            });
            Assert.All(items.Where(i => i!["parked"]!.GetValue<bool>()), item => Assert.Equal("Waiting", item!["status"]!.ToString()));
            // The provinces view counts Zhejiang's parked steps (as above, one is between probes at times) and says it is not answering.
            JsonNode zhejiang = new JsonObject();
            await Eventually.UntilAsync(async () =>
            {
                var provinces = await hub.Operator(RedriveHubFixture.OperatorId).GetAsync("/api/v1/operator/provinces");
                Assert.Equal(200, provinces.Status);
                zhejiang = provinces.Json!["items"]!.AsArray().Single(p => p!["province"]!.ToString() == "330000")!;
                return zhejiang["parked"]!.GetValue<int>() >= 1;
            }, TimeSpan.FromSeconds(30), "Zhejiang's parked steps counted in the provinces view");
            Assert.False(zhejiang["answering"]!.GetValue<bool>());

            // While Zhejiang stays down, the timer probes with a parked step (every 2 s here), on the record; the partner sees
            // that a redrive happened, to which step and when, and not who did it or why.
            var probed = await HubFixture.WaitForCaseAsync(hub.Partner("310000"), caseId,
                c => c["audit"]!.AsArray().Any(e => e!["action"]!.ToString() == "redrive"), TimeSpan.FromSeconds(30));
            Assert.All(probed["audit"]!.AsArray(), e => Assert.Equal(["at", "action", "step"], e!.AsObject().Select(p => p.Key)));
            var stored = await StoredAuditAsync(caseId);
            Assert.Contains(stored, e => e.Actor == "redrive-timer" && e.Detail.StartsWith("probe", StringComparison.Ordinal));
        }
        finally
        {
            knobs.Down = false;
        }

        // Once it answers, the parked steps go on: re-driven by the timer, or their parked round answered late (a call that
        // waited behind the open circuit).
        await FinishAsync(caseId);
        var done = await hub.Partner("310000").GetAsync($"/api/v1/cases/{caseId}");
        var resumed = done.Json!["steps"]!.AsArray().Where(st => st!["province"]!.ToString() == "330000").Select(st => st!["detail"]?.ToString()).ToList();
        Assert.Contains(resumed, d => d is Tongban.Workflows.Orchestration.ProvinceStepRunner.ReDriven or "answered after being held");
        Assert.DoesNotContain(await AttentionAsync(), i => i!["caseId"]!.ToString() == caseId);
    }

    [Fact]
    public async Task An_operator_redrives_a_parked_step_and_the_redrive_is_in_the_case_audit()
    {
        var knobs = hub.Sandbox.Knobs.Zhejiang;
        knobs.Down = true;
        string caseId;
        try
        {
            caseId = await OpenParkedAsync(ZjMan2, ShWoman2);
            var op = hub.Operator(RedriveHubFixture.OperatorId);

            // Refused, and nothing re-driven: a partner, a wrong secret, no reason, a step that is not held.
            Assert.Equal(401, (await hub.Partner("310000").PostAsync($"/api/v1/operator/cases/{caseId}/redrive", new { reason = "x" })).Status);
            Assert.Equal(401, (await hub.Operator(RedriveHubFixture.OperatorId, "wrong-secret").PostAsync($"/api/v1/operator/cases/{caseId}/redrive", new { reason = "x" })).Status);
            var invalid = await op.PostAsync($"/api/v1/operator/cases/{caseId}/redrive", new { });
            Assert.Equal(400, invalid.Status);
            Assert.NotNull(invalid.Json!["errors"]!["reason"]);
            Assert.Equal(409, (await op.PostAsync($"/api/v1/operator/cases/{caseId}/redrive", new { reason = "x", step = "officer-review" })).Status);
            Assert.DoesNotContain(await StoredAuditAsync(caseId), e => e.Actor.StartsWith("operator", StringComparison.Ordinal));

            knobs.Down = false;
            // The timer's probe may take the step first; then it is moving (409) and parks no more once Zhejiang answers.
            PartnerResponse redriven;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            do
            {
                redriven = await op.PostAsync($"/api/v1/operator/cases/{caseId}/redrive", new { reason = "Zhejiang fixed its gateway" });
                if (redriven.Status == 202) break;
                Assert.Equal(409, redriven.Status);
                await Task.Delay(200);
            }
            while (DateTime.UtcNow < deadline);

            if (redriven.Status == 202)
            {
                var entry = redriven.Json!["audit"]!.AsArray().Last()!;
                Assert.Equal(("redrive", "operator ops-1", "Zhejiang fixed its gateway"), (entry["action"]!.ToString(), entry["actor"]!.ToString(), entry["detail"]!.ToString()));
                Assert.NotNull(entry["step"]);
                // The partner's view of the same entry: the action, step and time, never the operator or their words.
                var seen = (await hub.Partner("310000").GetAsync($"/api/v1/cases/{caseId}")).Json!["audit"]!.AsArray().ToJsonString();
                Assert.DoesNotContain("ops-1", seen, StringComparison.Ordinal);
                Assert.DoesNotContain("Zhejiang fixed its gateway", seen, StringComparison.Ordinal);
            }
        }
        finally
        {
            knobs.Down = false;
        }

        await FinishAsync(caseId);
        var done = await hub.Partner("310000").GetAsync($"/api/v1/cases/{caseId}");
        Assert.NotEmpty(done.Json!["audit"]!.AsArray());
    }

    [Fact]
    public async Task The_sla_view_shows_operators_an_overdue_marriage_registration()
    {
        // A case row as the workflow leaves it: approved two days ago, registration never answered (no orchestration runs it).
        var now = DateTimeOffset.UtcNow;
        var command = CaseData.MarriageCommand("310000", "310000", "330000");
        var record = CaseData.RecordFor(Tongban.Cases.CaseIds.New(now - TimeSpan.FromDays(3)), command, now - TimeSpan.FromDays(3));
        record.CallbackUrl = null;
        record.Status = Tongban.Cases.CaseStatus.InProgress;
        record.Steps.Add(new Tongban.Cases.CaseStep
        {
            Name = "officer-review", Province = "310000", Status = Tongban.Cases.StepStatus.Succeeded,
            StartedAt = now - TimeSpan.FromDays(3), CompletedAt = now - TimeSpan.FromDays(2),
        });
        record.Steps.Add(new Tongban.Cases.CaseStep
        {
            Name = "register-marriage", Province = "310000", Status = Tongban.Cases.StepStatus.Running, StartedAt = now - TimeSpan.FromDays(2),
        });
        var store = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Tongban.Storage.CaseStore>(hub.Hub.Services);
        await store.CreateAsync(record, command, CancellationToken.None);

        Assert.Equal(401, (await hub.Partner("310000").GetAsync("/api/v1/operator/sla")).Status);
        var sla = await hub.Operator(RedriveHubFixture.OperatorId).GetAsync("/api/v1/operator/sla");
        Assert.Equal(200, sla.Status);
        var open = Assert.Single(sla.Json!["open"]!.AsArray(), o => o!["caseId"]!.ToString() == record.CaseId)!;
        Assert.Equal(("marriage-registered-same-day-as-review", "310000", "missed"),
            (open["deadline"]!.ToString(), open["province"]!.ToString(), open["state"]!.ToString()));
        Assert.NotNull(open["missedBy"]);
        Assert.Contains(sla.Json!["lines"]!.AsArray(),
            l => l!["province"]!.ToString() == "310000" && l["deadline"]!.ToString() == "marriage-registered-same-day-as-review");
    }

    [Fact]
    public async Task The_operator_api_refuses_partners_and_bad_input_field_by_field()
    {
        var op = hub.Operator(RedriveHubFixture.OperatorId);
        Assert.Equal(401, (await hub.Partner("330000").GetAsync("/api/v1/operator/attention")).Status);
        Assert.Equal(401, (await hub.Operator("nobody", "whatever").GetAsync("/api/v1/operator/provinces")).Status);

        var badFilter = await op.GetAsync("/api/v1/operator/attention?province=999999");
        Assert.Equal(400, badFilter.Status);
        Assert.Equal("urn:tongban:problem:validation", badFilter["type"]);
        Assert.NotNull(badFilter.Json!["errors"]!["province"]);

        Assert.Equal(404, (await op.PostAsync("/api/v1/operator/cases/c-none/redrive", new { reason = "x" })).Status);
        Assert.Equal(404, (await op.PostAsync("/api/v1/operator/provinces/999999/poison/requeue", new { reason = "x" })).Status);
        var requeued = await op.PostAsync("/api/v1/operator/provinces/330000/poison/requeue", new { reason = "Zhejiang answers again" });
        Assert.Equal(200, requeued.Status);
        Assert.True(requeued.Json!["moved"]!.GetValue<int>() >= 0);

        // A case that is moving (waiting for its officer) has nothing to re-drive.
        var shanghai = hub.Partner("310000");
        var opened = await shanghai.PostAsync("/api/v1/cases", Body("310000", "310104", ZjMan3, ShWoman3), Key());
        await HubFixture.WaitForCaseAsync(shanghai, opened["caseId"]!, c => c["status"]!.ToString() == "AwaitingReview", TimeSpan.FromSeconds(60));
        var nothing = await op.PostAsync($"/api/v1/operator/cases/{opened["caseId"]}/redrive", new { reason = "just in case" });
        Assert.Equal(409, nothing.Status);
        Assert.Equal("urn:tongban:problem:conflict", nothing["type"]);
        var wrongType = await op.SendAsync(HttpMethod.Post, $"/api/v1/operator/cases/{opened["caseId"]}/redrive", "reason=x"u8.ToArray(), contentType: "text/plain");
        Assert.Equal(415, wrongType.Status);
    }
}
