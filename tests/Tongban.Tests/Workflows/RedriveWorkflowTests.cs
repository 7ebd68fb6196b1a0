using Tongban.Cases;
using Tongban.Workflows;
using static Tongban.Tests.Workflows.WorkflowTestHost;
using Ops = Tongban.Provinces.CanonicalOperations;

namespace Tongban.Tests.Workflows;

/// <summary>
/// Held steps (issue 4): a step out of rounds parks until its province answers again; a defect, or a park that ran out,
/// holds the case Failed for an operator's redrive; a redrive goes on from the held step; a closed window ends the case.
/// </summary>
public class RedriveWorkflowTests(WorkflowTestHost host) : IClassFixture<WorkflowTestHost>
{
    private const string MaritalA = "check-marital-status.partyA";
    private const string Register = "register-marriage";

    private static StepPolicy Holding(TimeSpan? parkFor = null, TimeSpan? window = null) => Policy with
    {
        ParkFor = parkFor ?? TimeSpan.FromHours(1),
        RedriveWindow = window ?? TimeSpan.FromHours(1),
    };

    [Fact]
    public async Task A_step_out_of_rounds_parks_without_failing_the_case_and_a_redrive_goes_on_from_it()
    {
        var caseId = NewCaseId("park-redrive");
        host.Provinces.OnRounds(caseId, Ops.MaritalStatus, "partyA", Policy.MaxRounds, FakeProvinces.Poisoned(Zhejiang));
        await host.StartAsync(Marriage(caseId, policy: Holding()));

        await host.HeldAsync(caseId, MaritalA);
        var parked = host.Recorder.StepChanges(caseId).Last(c => c.AwaitingRedrive == true);
        Assert.Equal(StepStatus.Waiting, parked.Status);
        Assert.True(parked.NeedsAttention);
        Assert.StartsWith("parked after 3 round(s)", parked.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Recorder.Progress(caseId), p => p.Status == CaseStatus.Failed);

        await host.RedriveAsync(caseId, MaritalA, by: "redrive-timer", reason: "330000 answers again");
        await host.ApproveAsync(caseId);
        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));

        Assert.Equal([1, 2, 3, 4], host.Recorder.Dispatched(caseId).Where(i => i.Operation == Ops.MaritalStatus && i.Subject == "partyA").Select(i => i.Round));
        var changes = host.Recorder.StepChanges(caseId).Where(c => StepKeys.Of(c.Name, c.Subject) == MaritalA).ToList();
        Assert.Contains(changes, c => c.Status == StepStatus.Running && c.Detail == Tongban.Workflows.Orchestration.ProvinceStepRunner.ReDriven && c.AwaitingRedrive == false);
        // Answered after the redrive: the operator's flag comes off.
        Assert.Equal(false, changes.Last(c => c.NeedsAttention is not null).NeedsAttention);
        Assert.DoesNotContain(host.Recorder.Progress(caseId), p => p.Status == CaseStatus.Failed);
        // A later round of one of the checks keeps their move: its answer brought the case to review (version 5).
        Assert.Contains("moved AwaitingReview by its last check", host.Recorder.Trace(caseId));
        Assert.DoesNotContain(host.Recorder.Trace(caseId), t => t.StartsWith("progress AwaitingReview", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_check_held_failed_and_re_driven_leaves_the_review_for_the_workflow_to_record()
    {
        var caseId = NewCaseId("check-held");
        host.Provinces.On(caseId, Ops.MaritalStatus, "partyA", 1, FakeProvinces.Defect("unparseable answer"));
        await host.StartAsync(Marriage(caseId, policy: Holding()));
        await host.HeldAsync(caseId, MaritalA);

        await host.RedriveAsync(caseId, MaritalA);
        await host.ApproveAsync(caseId);
        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));

        // Holding the case failed dropped the checks' move, so the re-driven round's answer made none: the workflow recorded the review.
        var trace = host.Recorder.Trace(caseId);
        Assert.Equal(
        [
            "progress Failed held check-marital-status.partyA:Failed!True~awaiting",
            "progress InProgress check-marital-status.partyA:Running~resumed",
            "dispatch InProgress marital.status/partyA#2",
            "progress check-marital-status.partyA:Succeeded!False",
            "progress AwaitingReview officer-review:Waiting",
        ], trace.SkipWhile(t => !t.Contains("held", StringComparison.Ordinal)).Take(5));
        Assert.DoesNotContain(trace, t => t.StartsWith("moved", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_parked_step_takes_its_own_round_answered_late_as_from_a_poison_message_moved_back()
    {
        var caseId = NewCaseId("park-late");
        host.Provinces.OnRounds(caseId, Ops.MaritalStatus, "partyA", Policy.MaxRounds, FakeProvinces.Poisoned(Zhejiang));
        await host.StartAsync(Marriage(caseId, policy: Holding()));
        await host.HeldAsync(caseId, MaritalA);

        await host.Client.RaiseEventAsync(caseId, CaseEvents.StepResult(MaritalA, 3), FakeProvinces.Ok(new MaritalStatusCheck("unmarried")));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal([1, 2, 3], host.Recorder.Dispatched(caseId).Where(i => i.Operation == Ops.MaritalStatus && i.Subject == "partyA").Select(i => i.Round));
        // An answer whose raise does not say it moved the case (this one is the test's own) leaves the review to the workflow.
        Assert.Contains("progress AwaitingReview officer-review:Waiting", host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task A_defect_holds_the_case_failed_until_an_operator_redrives_it_then_it_completes()
    {
        var caseId = NewCaseId("held-redrive");
        host.Provinces.On(caseId, Ops.MarriageRegister, null, 1, FakeProvinces.Defect("unparseable answer"));
        await host.StartAsync(Marriage(caseId, policy: Holding()));
        await host.ApproveAsync(caseId);
        await host.HeldAsync(caseId, Register);

        var held = host.Recorder.Progress(caseId).Single(p => p.Held && p.Status == CaseStatus.Failed);
        Assert.StartsWith($"province-defect: {Shanghai} could not take marriage.register", held.Reason, StringComparison.Ordinal);
        var step = Assert.Single(held.Steps!);
        Assert.Equal((StepStatus.Failed, true, true), (step.Status, step.NeedsAttention, step.AwaitingRedrive));

        await host.RedriveAsync(caseId, Register);
        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));

        var trace = host.Recorder.Trace(caseId);
        var after = trace.SkipWhile(t => !t.Contains("held", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            "progress Failed held register-marriage:Failed!True~awaiting",
            "progress InProgress register-marriage:Running~resumed",
            "dispatch InProgress marriage.register/#2",
            "progress register-marriage:Succeeded!False",
            "dispatch outcome completes marital.update/partyA#1,marital.update/partyB#1",
            "completed by its last step",
        ], after);
        // The reason of the failure is cleared when the case goes on.
        Assert.Equal("", host.Recorder.Progress(caseId).Single(p => p.Status == CaseStatus.InProgress && p.Reason is not null).Reason);
    }

    [Fact]
    public async Task A_held_case_whose_window_closes_is_undone_and_ends_failed()
    {
        var caseId = NewCaseId("nb-held-closes");
        host.Provinces.On(caseId, Ops.NewbornRegister, null, 1, FakeProvinces.Defect("unparseable answer"));
        await host.StartAsync(Newborn(caseId, Holding(window: TimeSpan.FromSeconds(1))));

        Assert.Equal(CaseStatus.Failed, await host.FinishedAsync(caseId));
        var trace = host.Recorder.Trace(caseId);
        var held = trace.ToList().FindIndex(t => t.StartsWith("progress Failed held", StringComparison.Ordinal));
        Assert.True(held >= 0, string.Join(" | ", trace));
        // After the window: the hold is let go (still Failed), the certificate released, then the case closes.
        Assert.Equal(
        [
            "progress held register-newborn:Failed~resumed",
            "dispatch birth.release/#1",
            "progress mark-birth-certificate-used:Compensated",
            "progress Failed outcome",
        ], trace.Skip(held + 1));
        Assert.False(host.Recorder.Progress(caseId)[^1].Held);
    }

    [Fact]
    public async Task A_park_that_runs_out_holds_the_case_failed_for_an_operator()
    {
        var caseId = NewCaseId("park-runs-out");
        host.Provinces.OnRounds(caseId, Ops.ResidentVerify, "partyB", Policy.MaxRounds, FakeProvinces.Poisoned(Shanghai));
        await host.StartAsync(Marriage(caseId, policy: Holding(parkFor: TimeSpan.FromMilliseconds(500), window: TimeSpan.FromSeconds(1))));

        Assert.Equal(CaseStatus.Failed, await host.FinishedAsync(caseId));
        var trace = host.Recorder.Trace(caseId);
        Assert.Contains("progress verify-resident.partyB:Waiting!True~awaiting", trace);
        Assert.Contains("progress Failed held verify-resident.partyB:Failed!True~awaiting", trace);
        var held = host.Recorder.Progress(caseId).Single(p => p.Held && p.Status == CaseStatus.Failed);
        Assert.Contains("no answer while parked for 00:00:00.5", held.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"province-unavailable: {Shanghai}", host.Recorder.Final(caseId).Outcome!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_stops_a_sibling_that_is_parked_and_the_case_is_rejected_at_once()
    {
        var caseId = NewCaseId("refusal-stops-park");
        host.Provinces.OnRounds(caseId, Ops.ResidentVerify, "partyA", Policy.MaxRounds, FakeProvinces.Poisoned(Zhejiang))
            .On(caseId, Ops.MaritalStatus, "partyB", 1, null);
        await host.StartAsync(Marriage(caseId, policy: Holding()));
        await host.HeldAsync(caseId, "verify-resident.partyA");

        await host.Client.RaiseEventAsync(caseId, CaseEvents.StepResult("check-marital-status.partyB", 1), FakeProvinces.Ok(new MaritalStatusCheck("married")));

        Assert.Equal(CaseStatus.Rejected, await host.FinishedAsync(caseId));
        Assert.Equal("partyB.married: partyB is married", host.Recorder.Final(caseId).Outcome!.Reason);
        Assert.DoesNotContain(host.Recorder.Progress(caseId), p => p.Status == CaseStatus.Failed);
    }

    [Fact]
    public async Task Without_windows_nothing_is_held_and_the_case_fails_at_once()
    {
        var caseId = NewCaseId("no-hold");
        host.Provinces.On(caseId, Ops.MarriageRegister, null, 1, FakeProvinces.Defect("unparseable answer"));
        await host.StartAsync(Marriage(caseId));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Failed, await host.FinishedAsync(caseId));
        Assert.DoesNotContain(host.Recorder.Progress(caseId), p => p.Held);
        Assert.DoesNotContain(host.Recorder.StepChanges(caseId), c => c.AwaitingRedrive == true);
    }
}
