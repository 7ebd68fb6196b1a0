using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Tongban.Api;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>Marriage registration through the devhost, the Durable engine on Azurite and the sandbox, signed as partners sign.</summary>
[Collection(HubCollection.Name)]
public sealed class MarriageEndToEndTests(HubFixture hub)
{
    [Fact]
    public async Task Marriage_of_a_Zhejiang_and_a_Shanghai_resident_opened_by_Shanghai_completes_with_every_step_in_the_timeline()
    {
        var shanghai = hub.Partner("310000");
        var opened = await shanghai.PostAsync("/api/v1/cases", Body("310000", "310115", ZjMan1, ShWoman1), Key());
        Assert.Equal(202, opened.Status);
        var caseId = opened["caseId"]!;
        Assert.Equal($"/api/v1/cases/{caseId}", opened.Location);
        Assert.Equal("Received", opened["status"]);

        await HubFixture.WaitForStatusAsync(shanghai, caseId, "AwaitingReview");
        var decided = await shanghai.PostAsync($"/api/v1/cases/{caseId}/decisions",
            new { step = "officer-review", decision = "approve", officer = "SH-OFFICER-1" });
        Assert.Equal(202, decided.Status);

        var done = await HubFixture.WaitForStatusAsync(shanghai, caseId, "Completed", "Rejected", "Failed");
        Assert.Equal("Completed", done["status"]!.ToString());
        var certificate = done["outcome"]!["certificateNo"]!.ToString();
        Assert.False(string.IsNullOrEmpty(certificate));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", done["outcome"]!["registeredOn"]!.ToString());
        Assert.Equal(["310000", "330000"], done["involvedProvinces"]!.AsArray().Select(p => p!.ToString()));

        var steps = done["steps"]!.AsArray().Select(s => $"{s!["name"]}|{s["subject"]}|{s["province"]}|{s["status"]}").ToList();
        Assert.Equal(
        [
            "verify-resident|partyA|330000|Succeeded", "check-marital-status|partyA|330000|Succeeded",
            "verify-resident|partyB|310000|Succeeded", "check-marital-status|partyB|310000|Succeeded",
            "officer-review||310000|Succeeded", "register-marriage||310000|Succeeded",
            "update-marital-status|partyA|330000|Succeeded", "update-marital-status|partyB|310000|Succeeded",
        ], steps);
        Assert.All(done["steps"]!.AsArray(), s => Assert.NotNull(s!["completedAt"]));

        // Issue 16: the legal limit, computed as the case is read: registered the same Beijing day as the approval.
        var deadline = Assert.Single(done["deadlines"]!.AsArray())!;
        DateTimeOffset StepCompleted(string name) => DateTimeOffset.Parse(
            done["steps"]!.AsArray().Single(s => s!["name"]!.ToString() == name)!["completedAt"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var approvedAt = StepCompleted("officer-review");
        var due = BeijingTime.EndOfDay(BeijingTime.DateOf(approvedAt));
        Assert.Equal(due, DateTimeOffset.Parse(deadline["due"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture));
        // Date-independent: approved moments before Beijing midnight (16:00 UTC), the registration may land the next day. The
        // state must follow the times either way.
        var met = StepCompleted("register-marriage") <= due;
        Assert.Equal(("marriage-registered-same-day-as-review", "register-marriage", met ? "met" : "missed", true),
            (deadline["name"]!.ToString(), deadline["step"]!.ToString(), deadline["state"]!.ToString(), (bool)deadline["calendarCovered"]!));
        Assert.Equal(met, deadline["missedBy"] is null);

        // The hub's own share: the case's time less the provinces' calls and the officer's review; never more than the whole.
        var hubShare = done["hubShare"]!;
        var spent = TimeSpan.Parse(hubShare["spent"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var elapsed = TimeSpan.Parse(hubShare["elapsed"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(spent, TimeSpan.Zero, elapsed);
        Assert.Equal(spent <= TimeSpan.FromSeconds(5) ? "met" : "missed", hubShare["state"]!.ToString());

        // The provinces' side: one marriage at Shanghai under this case, and each party's record updated exactly once.
        var state = hub.Sandbox.State;
        Assert.Equal(certificate, state.MarriageForCase("310000", caseId)?.CertificateNo);
        Assert.Equal(1, state.MaritalUpdate(ZjMan1.IdNumber, certificate)?.Effects);
        Assert.Equal(1, state.MaritalUpdate(ShWoman1.IdNumber, certificate)?.Effects);

        // Zhejiang, involved through partyA's hukou, may read it too; the body never shows an ID number.
        var asZhejiang = await hub.Partner("330000").GetAsync($"/api/v1/cases/{caseId}");
        Assert.Equal(200, asZhejiang.Status);
        Assert.DoesNotContain(ZjMan1.IdNumber, asZhejiang.Body);
        Assert.DoesNotContain(ShWoman1.IdNumber, asZhejiang.Body);

        // The read model in Table storage: the case row (details encrypted) and an index row per involved province.
        var tables = new TableServiceClient(hub.StorageConnectionString);
        var row = (await tables.GetTableClient(StorageNames.CasesTable).GetEntityAsync<TableEntity>(caseId, "case")).Value;
        Assert.Equal("Completed", row.GetString("Status"));
        Assert.DoesNotContain(ZjMan1.IdNumber, row.GetString("Details"));
        Assert.DoesNotContain(ZjMan1.Name, row.GetString("Details"));
        var index = tables.GetTableClient(StorageNames.CaseIndexTable);
        foreach (var province in new[] { "310000", "330000" })
        {
            var rows = index.QueryAsync<TableEntity>(e => e.PartitionKey == province && e.RowKey.CompareTo("") > 0);
            var mine = new List<TableEntity>();
            await foreach (var r in rows) if (r.GetString("CaseId") == caseId) mine.Add(r);
            Assert.Single(mine);
            Assert.Equal("Completed", mine[0].GetString("Status"));
        }

        // The engine's history: one time-out timer for the four checks, one for the registration and the two updates after it
        // (version 9; one each before), each a control-queue message that fires even when cancelled, and the review window's.
        var timers = 0;
        await foreach (var e in tables.GetTableClient(hub.TaskHub + "History").QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {caseId} and EventType eq {"TimerCreated"}"), select: ["RowKey"]))
        {
            timers++;
        }

        Assert.Equal(2 + 1, timers);
    }

    [Theory]
    [InlineData("deceased", "partyB.deceased")]
    [InlineData("name-mismatch", "partyA.name-mismatch")]
    [InlineData("married", "partyB.married")]
    public async Task Verification_refusals_reject_the_case_with_the_reason_and_call_nothing_else(string scenario, string reason)
    {
        var (a, b, handling, registry) = scenario switch
        {
            "deceased" => (ZjMan3, ShDeceasedWoman, "330000", "330106"),
            "name-mismatch" => (ZjMan4 with { Name = "王错名" }, ShWoman3, "330000", "330106"),
            _ => (ShMan1, new Citizen("360102200307193641", "崔玉明", "360000"), "310000", "310104"),
        };
        var partner = hub.Partner(handling);
        var opened = await partner.PostAsync("/api/v1/cases", Body(handling, registry, a, b), Key());
        Assert.Equal(202, opened.Status);

        var done = await HubFixture.WaitForStatusAsync(partner, opened["caseId"]!, "Rejected", "Completed", "Failed", "AwaitingReview");
        Assert.Equal("Rejected", done["status"]!.ToString());
        Assert.StartsWith(reason, done["outcome"]!["reason"]!.ToString(), StringComparison.Ordinal);
        var names = done["steps"]!.AsArray().Select(s => s!["name"]!.ToString()).Distinct().ToList();
        Assert.Equal(["verify-resident", "check-marital-status"], names);
        Assert.Null(hub.Sandbox.State.MarriageForCase(handling, opened["caseId"]!));
    }

    [Fact]
    public async Task Officer_rejection_ends_the_case_rejected_with_the_officers_reason()
    {
        var zhejiang = hub.Partner("330000");
        var caseId = (await zhejiang.PostAsync("/api/v1/cases", Body("330000", "330106", ZjMan2, ShWoman2), Key()))["caseId"]!;
        await HubFixture.WaitForStatusAsync(zhejiang, caseId, "AwaitingReview");

        var decided = await zhejiang.PostAsync($"/api/v1/cases/{caseId}/decisions",
            new { step = "officer-review", decision = "reject", officer = "ZJ-OFFICER-9", reason = "parties did not appear" });
        Assert.Equal(202, decided.Status);
        var again = await zhejiang.PostAsync($"/api/v1/cases/{caseId}/decisions",
            new { step = "officer-review", decision = "approve", officer = "ZJ-OFFICER-9" });
        Assert.Equal(409, again.Status);

        var done = await HubFixture.WaitForStatusAsync(zhejiang, caseId, "Rejected", "Completed");
        Assert.Equal("Rejected", done["status"]!.ToString());
        Assert.Equal("review-rejected: parties did not appear", done["outcome"]!["reason"]!.ToString());
        Assert.DoesNotContain(done["steps"]!.AsArray(), s => s!["name"]!.ToString() == "register-marriage");
    }

    [Fact]
    public async Task A_decision_whose_answer_was_lost_is_taken_again_and_a_different_one_is_refused()
    {
        var zhejiang = hub.Partner("330000");
        var caseId = (await zhejiang.PostAsync("/api/v1/cases", Body("330000", "330106", ZjMan2, ShWoman4), Key()))["caseId"]!;
        await HubFixture.WaitForStatusAsync(zhejiang, caseId, "AwaitingReview");

        // What a hub killed mid-request leaves: the decision taken on the step, never raised to the orchestration.
        await hub.Hub.Services.GetRequiredService<CaseStore>().UpdateAsync(caseId, record =>
        {
            var review = record.FindStep("officer-review")!;
            (review.Status, review.Detail) = (StepStatus.Running, CaseApi.DecisionReceived("reject", "ZJ-OFFICER-7"));
            return true;
        }, CancellationToken.None);

        var other = await zhejiang.PostAsync($"/api/v1/cases/{caseId}/decisions",
            new { step = "officer-review", decision = "approve", officer = "ZJ-OFFICER-7" });
        Assert.Equal(409, other.Status);
        var byOtherOfficer = await zhejiang.PostAsync($"/api/v1/cases/{caseId}/decisions",
            new { step = "officer-review", decision = "reject", officer = "ZJ-OFFICER-8", reason = "parties did not appear" });
        Assert.Equal(409, byOtherOfficer.Status);

        var repeated = await zhejiang.PostAsync($"/api/v1/cases/{caseId}/decisions",
            new { step = "officer-review", decision = "reject", officer = "ZJ-OFFICER-7", reason = "parties did not appear" });
        Assert.Equal(202, repeated.Status);
        var done = await HubFixture.WaitForStatusAsync(zhejiang, caseId, "Rejected", "Completed");
        Assert.Equal("review-rejected: parties did not appear", done["outcome"]!["reason"]!.ToString());
        Assert.Null(hub.Sandbox.State.MarriageForCase("330000", caseId));
    }

    [Fact]
    public async Task A_decision_is_judged_on_the_row_as_stored_when_another_host_wrote_it_after_this_one()
    {
        var zhejiang = hub.Partner("330000");
        var caseId = (await zhejiang.PostAsync("/api/v1/cases", Body("330000", "330106", ZjMan2, ShWoman4), Key()))["caseId"]!;
        await HubFixture.WaitForStatusAsync(zhejiang, caseId, "AwaitingReview");
        // The hub's store remembers its last write of the case (the move to review): a decision starts from it, without a read.
        var hubStore = hub.Hub.Services.GetRequiredService<CaseStore>();
        Assert.Equal(StepStatus.Waiting, hubStore.LastWritten(caseId)!.Record.FindStep("officer-review")!.Status);

        // Another host takes a rejection on the step: this hub's remembered row still says it waits.
        var elsewhere = new CaseStore(hub.Hub.Services.GetRequiredService<TableServiceClient>(), hub.Hub.Services.GetRequiredService<CaseDetailsCipher>(),
            TimeProvider.System);
        await elsewhere.UpdateAsync(caseId, record =>
        {
            var review = record.FindStep("officer-review")!;
            (review.Status, review.Detail) = (StepStatus.Running, CaseApi.DecisionReceived("reject", "ZJ-OFFICER-7"));
            return true;
        }, CancellationToken.None);
        Assert.Equal(StepStatus.Waiting, hubStore.LastWritten(caseId)!.Record.FindStep("officer-review")!.Status);

        // An approval tried on the remembered row is refused by its ETag and judged again on the row as stored: a conflict, and the
        // other host's decision stands. A province that owns no step of it is still refused, judged on the stored row too.
        var approval = await zhejiang.PostAsync($"/api/v1/cases/{caseId}/decisions", new { step = "officer-review", decision = "approve", officer = "ZJ-OFFICER-8" });
        Assert.Equal(409, approval.Status);
        var byInvolved = await hub.Partner("310000").PostAsync($"/api/v1/cases/{caseId}/decisions",
            new { step = "officer-review", decision = "approve", officer = "SH-OFFICER-1" });
        Assert.Equal(403, byInvolved.Status);
        var stored = (await elsewhere.GetAsync(caseId, CancellationToken.None))!.Record.FindStep("officer-review")!;
        Assert.Equal((StepStatus.Running, CaseApi.DecisionReceived("reject", "ZJ-OFFICER-7")), (stored.Status, stored.Detail));

        var repeated = await zhejiang.PostAsync($"/api/v1/cases/{caseId}/decisions",
            new { step = "officer-review", decision = "reject", officer = "ZJ-OFFICER-7", reason = "parties did not appear" });
        Assert.Equal(202, repeated.Status);
        var done = await HubFixture.WaitForStatusAsync(zhejiang, caseId, "Rejected", "Completed");
        Assert.Equal("review-rejected: parties did not appear", done["outcome"]!["reason"]!.ToString());
    }

    [Fact]
    public async Task An_approval_sends_the_registration_with_its_write_and_the_same_approval_asked_again_registers_once()
    {
        var zhejiang = hub.Partner("330000");
        var caseId = (await zhejiang.PostAsync("/api/v1/cases", Body("330000", "330106", ZjMan3, ShWoman3), Key()))["caseId"]!;
        await HubFixture.WaitForStatusAsync(zhejiang, caseId, "AwaitingReview");

        // Shanghai slow to answer partyB's marital update: the case is still running when the approval is asked again (an ended
        // case takes no decision, 409), however fast the registration and the other update go.
        var shanghai = hub.Sandbox.Knobs.Shanghai;
        shanghai.Latency = TimeSpan.FromSeconds(3);
        var approve = new { step = "officer-review", decision = "approve", officer = "ZJ-OFFICER-3" };
        try
        {
            var decided = await zhejiang.PostAsync($"/api/v1/cases/{caseId}/decisions", approve);
            Assert.Equal(202, decided.Status);
            // Workflow version 7: the answer is the case as the approval left it, the registration entered and on its way.
            Assert.Equal("InProgress", decided["status"]);
            var steps = decided.Json!["steps"]!.AsArray().ToDictionary(s => s!["name"]!.ToString() + s["subject"], s => s!["status"]!.ToString());
            Assert.Equal(("Succeeded", "Running"), (steps["officer-review"], steps["register-marriage"]));

            // The review window ending now (its timer a moment late) does not expire a case whose approval was written.
            var expiry = new Workflows.CaseProgress(caseId, CaseStatus.Expired, Reason: "review-expired", UnlessDecided: "officer-review");
            Assert.False(await hub.Hub.Services.GetRequiredService<Workflows.Activities.CaseActivities>().RecordCaseProgressAsync(expiry, CancellationToken.None));

            // What a partner does after a lost answer: asked again, taken again; another officer's approval is not.
            Assert.Equal(202, (await zhejiang.PostAsync($"/api/v1/cases/{caseId}/decisions", approve)).Status);
            Assert.Equal(409, (await zhejiang.PostAsync($"/api/v1/cases/{caseId}/decisions", approve with { officer = "ZJ-OFFICER-4" })).Status);
        }
        finally
        {
            shanghai.Latency = TimeSpan.Zero;
        }

        var done = await HubFixture.WaitForStatusAsync(zhejiang, caseId, "Completed", "Rejected", "Failed");
        Assert.Equal("Completed", done["status"]!.ToString());
        var marriage = hub.Sandbox.State.MarriageForCase("330000", caseId);
        Assert.NotNull(marriage);
        Assert.Equal(marriage.CertificateNo, done["outcome"]!["certificateNo"]!.ToString());
    }

    [Fact]
    public async Task A_review_not_given_within_the_window_expires_the_case()
    {
        var zhejiang = hub.Partner("330000");
        var caseId = (await zhejiang.PostAsync("/api/v1/cases", Body("330000", "330106", ZjMan5, ShWoman4), Key()))["caseId"]!;
        await HubFixture.WaitForStatusAsync(zhejiang, caseId, "AwaitingReview");

        var done = await HubFixture.WaitForCaseAsync(zhejiang, caseId, c => c["status"]!.ToString() != "AwaitingReview",
            HubFixture.ReviewWindow + TimeSpan.FromSeconds(30));
        Assert.Equal("Expired", done["status"]!.ToString());
        Assert.StartsWith("review-expired", done["outcome"]!["reason"]!.ToString(), StringComparison.Ordinal);
        var late = await zhejiang.PostAsync($"/api/v1/cases/{caseId}/decisions", new { step = "officer-review", decision = "approve", officer = "late" });
        Assert.Equal(409, late.Status);
    }

    [Fact]
    public async Task Withdrawal_during_review_ends_withdrawn_and_a_second_withdrawal_conflicts()
    {
        var shanghai = hub.Partner("310000");
        var caseId = (await shanghai.PostAsync("/api/v1/cases", Body("310000", "310115", ZjWidower, ShWoman5), Key()))["caseId"]!;
        await HubFixture.WaitForStatusAsync(shanghai, caseId, "AwaitingReview");

        var byInvolved = await hub.Partner("330000").PostAsync($"/api/v1/cases/{caseId}/withdrawal", new { reason = "not ours" });
        Assert.Equal(403, byInvolved.Status);
        var byStranger = await hub.Partner("340000").PostAsync($"/api/v1/cases/{caseId}/withdrawal", new { reason = "not ours" });
        Assert.Equal(404, byStranger.Status);

        var withdrawn = await shanghai.PostAsync($"/api/v1/cases/{caseId}/withdrawal", new { reason = "the couple changed their minds" });
        Assert.Equal(202, withdrawn.Status);
        var done = await HubFixture.WaitForStatusAsync(shanghai, caseId, "Withdrawn", "Completed");
        Assert.Equal("Withdrawn", done["status"]!.ToString());
        Assert.Equal("withdrawn: the couple changed their minds", done["outcome"]!["reason"]!.ToString());
        var again = await shanghai.PostAsync($"/api/v1/cases/{caseId}/withdrawal", new { reason = "again" });
        Assert.Equal(409, again.Status);
    }

    [Fact]
    public async Task A_province_down_for_a_while_delays_the_case_but_does_not_fail_it()
    {
        var zhejiang = hub.Partner("330000");
        var knobs = hub.Sandbox.Knobs.Shanghai;
        knobs.Down = true;
        string caseId;
        try
        {
            caseId = (await zhejiang.PostAsync("/api/v1/cases", Body("330000", "330106", ZjDivorcedWoman with { }, ShMan1), Key()))["caseId"]!;
            await HubFixture.WaitForCaseAsync(zhejiang, caseId, c => c["steps"]!.AsArray().Count == 4);
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        finally
        {
            knobs.Down = false;
        }

        var waiting = await HubFixture.WaitForStatusAsync(zhejiang, caseId, "AwaitingReview", "Rejected", "Failed");
        Assert.Equal("AwaitingReview", waiting["status"]!.ToString());
        var shanghaiSteps = waiting["steps"]!.AsArray().Where(s => s!["province"]!.ToString() == "310000").ToList();
        Assert.All(shanghaiSteps, s => Assert.True(s!["attempts"]!.GetValue<int>() > 1, $"expected retries, got {s.ToJsonString()}"));
    }
}
