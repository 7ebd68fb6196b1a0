using System.Globalization;
using Tongban.Cases;
using Tongban.Workflows;
using static Tongban.Tests.Workflows.WorkflowTestHost;
using Ops = Tongban.Provinces.CanonicalOperations;

namespace Tongban.Tests.Workflows;

/// <summary>The marriage workflow from verification to marital.update: the paths that reach registration.</summary>
public class MarriageRegistrationCompletionTests(WorkflowTestHost host) : IClassFixture<WorkflowTestHost>
{
    private static string BeijingToday() =>
        BeijingTime.Today(TimeProvider.System).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The dispatch of both marital.update steps with the certificate, the last of them completing the case (version 4).</summary>
    private const string UpdatesDispatched = "dispatch outcome completes marital.update/partyA#1,marital.update/partyB#1";

    /// <summary>
    /// A completed marriage's writes, in order (version 7: the decision API's write of the approval sends the registration;
    /// version 6: the registration's success sends the marital.update steps; version 5: the last clear check's answer brings
    /// the case to review; version 4: the last marital.update's success completes it).
    /// </summary>
    private static readonly string[] Completed =
    [
            "dispatch InProgress resident.verify/partyA#1,marital.status/partyA#1,resident.verify/partyB#1,marital.status/partyB#1",
            "moved AwaitingReview by its last check",
            "sent on approval: dispatch InProgress officer-review:Succeeded irreversible:register-marriage marriage.register/#1",
            $"sent after register-marriage: {UpdatesDispatched}",
            "completed by its last step",
    ];

    [Fact]
    public async Task Completes_with_a_certificate_when_both_parties_are_free_and_the_officer_approves()
    {
        var before = BeijingToday();
        var caseId = await host.StartAsync(Marriage(NewCaseId("happy")));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        var after = BeijingToday();

        var (status, outcome) = host.Recorder.Final(caseId);
        Assert.Equal(CaseStatus.Completed, status);
        Assert.Equal(FakeProvinces.CertificateNo, outcome!.CertificateNo);
        Assert.Contains(outcome.RegisteredOn, new[] { before, after });
        Assert.Null(outcome.Reason);
        Assert.Equal(Completed, host.Recorder.Trace(caseId));
        // Version 8: the four checks told in one event; version 10: the registration and the two updates in another.
        Assert.Equal(["verify-resident.partyA#1: silent", "check-marital-status.partyA#1: silent", "verify-resident.partyB#1: silent",
            "check-marital-status.partyB#1: batch[check-marital-status.partyA,check-marital-status.partyB,verify-resident.partyA,verify-resident.partyB]",
            "register-marriage#1: silent", "update-marital-status.partyA#1: silent",
            "update-marital-status.partyB#1: batch[register-marriage,update-marital-status.partyA,update-marital-status.partyB]"],
            host.Recorder.Told(caseId));
        var updates = host.Recorder.Dispatched(caseId).Where(i => i.Operation == Ops.MaritalUpdate).ToList();
        Assert.Equal([(Zhejiang, "partyA"), (Shanghai, "partyB")], updates.Select(i => (i.Province, i.Subject!)));
        Assert.All(updates, i => Assert.Equal(StepNames.UpdateMaritalStatus, i.StepName));
        var register = Assert.Single(host.Recorder.Dispatched(caseId), i => i.Operation == Ops.MarriageRegister);
        Assert.Equal(Shanghai, register.Province);
    }

    [Fact]
    public async Task A_dispatch_and_a_record_that_fail_are_run_again_and_the_case_completes_instead_of_its_orchestration_failing()
    {
        var caseId = NewCaseId("activity-fails");
        host.Recorder.FailNext(caseId, WorkflowNames.Activities.DispatchProvinceSteps, 1);
        host.Recorder.FailNext(caseId, WorkflowNames.Activities.RecordCaseProgress, 1);
        // Version 4: a marriage that records its review itself (from version 5 a happy marriage records nothing on its own).
        await host.StartAsync(Marriage(caseId) with { Version = WorkflowVersions.LastStepCompletes });
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal(["failed DispatchProvinceSteps", Completed[0], "failed RecordCaseProgress", "progress AwaitingReview officer-review:Waiting",
            "dispatch InProgress officer-review:Succeeded irreversible:register-marriage marriage.register/#1", UpdatesDispatched, Completed[^1]],
            host.Recorder.Trace(caseId));
        Assert.Equal(FakeProvinces.CertificateNo, host.Recorder.Final(caseId).Outcome!.CertificateNo);
    }

    [Fact]
    public async Task Redrives_a_verification_whose_province_was_down_and_completes_when_it_answers()
    {
        var caseId = NewCaseId("transient");
        host.Provinces.On(caseId, Ops.MaritalStatus, "partyA", 1, FakeProvinces.Poisoned(Zhejiang));
        await host.StartAsync(Marriage(caseId));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        var rounds = host.Recorder.Dispatched(caseId).Where(i => i.Operation == Ops.MaritalStatus && i.Subject == "partyA").Select(i => i.Round);
        Assert.Equal([1, 2], rounds);
        Assert.Equal([1], host.Recorder.Dispatched(caseId).Where(i => i.Operation == Ops.ResidentVerify && i.Subject == "partyA").Select(i => i.Round));
        Assert.Equal(FakeProvinces.CertificateNo, host.Recorder.Final(caseId).Outcome!.CertificateNo);
        Assert.DoesNotContain(host.Recorder.StepChanges(caseId), c => c.NeedsAttention is not null);
    }

    [Fact]
    public async Task Redispatches_a_step_that_gets_no_answer_within_the_step_timeout()
    {
        var (caseId, second) = await SilentOnceAsync("timeout", Ops.ResidentVerify, "partyB");

        var item = Assert.Single(second.Items);
        Assert.Equal((Ops.ResidentVerify, "partyB", Shanghai, 2), (item.Operation, item.Subject, item.Province, item.Round));
        Assert.Null(second.Status);
        // Version 8: the time-out came before the batch's word; which checks had succeeded without one was read once, for all.
        var told = host.Recorder.Told(caseId);
        Assert.Equal(1, told.Count(t => t.StartsWith("read succeeded", StringComparison.Ordinal)));
        Assert.Contains("verify-resident.partyB#2: batch[check-marital-status.partyA,check-marital-status.partyB,verify-resident.partyA,verify-resident.partyB] own", told);
    }

    [Fact]
    public async Task Keeps_updating_marital_status_until_it_succeeds_and_flags_the_step_for_an_operator_meanwhile()
    {
        var caseId = NewCaseId("update");
        host.Provinces
            .On(caseId, Ops.MaritalUpdate, "partyA", 1, FakeProvinces.Defect("unexpected response"))
            .On(caseId, Ops.MaritalUpdate, "partyA", 2, FakeProvinces.Poisoned(Zhejiang))
            .On(caseId, Ops.MaritalUpdate, "partyA", 3, new StepResult(StepOutcome.Refused, "record locked"));
        await host.StartAsync(Marriage(caseId));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        var trace = host.Recorder.Trace(caseId);
        var tail = trace.SkipWhile(t => !t.Contains("marital.update/partyA#1", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            $"sent after register-marriage: {UpdatesDispatched}",
            "dispatch marital.update/partyA#2",
            "progress update-marital-status.partyA:Running!True",
            "dispatch marital.update/partyA#3",
            "dispatch marital.update/partyA#4",
            // The handler's write of this success completed the case; the workflow's own write of it finds the case closed.
            "completed by its last step",
            "progress update-marital-status.partyA:Succeeded!False",
        ], tail);
        // partyB's province answered at once: never re-driven, never flagged.
        Assert.Equal([1], host.Recorder.Dispatched(caseId).Where(i => i.Operation == Ops.MaritalUpdate && i.Subject == "partyB").Select(i => i.Round));
        // Version 10: the registration's quiet success is told alongside the first update's failure, which the batch cannot go on with.
        Assert.Equal(["register-marriage#1: silent", "update-marital-status.partyA#1: batch[register-marriage] own"],
            host.Recorder.Told(caseId).SkipWhile(t => !t.StartsWith("register-marriage", StringComparison.Ordinal)).Take(2));
        Assert.Equal(FakeProvinces.CertificateNo, host.Recorder.Final(caseId).Outcome!.CertificateNo);
    }

    [Fact]
    public async Task Rejects_when_the_handling_province_refuses_the_registration()
    {
        var caseId = NewCaseId("register-refused");
        host.Provinces.On(caseId, Ops.MarriageRegister, null, 1, new StepResult(StepOutcome.Refused, "registry closed for the couple"));
        await host.StartAsync(Marriage(caseId));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Rejected, await host.FinishedAsync(caseId));
        var (status, outcome) = host.Recorder.Final(caseId);
        Assert.Equal(CaseStatus.Rejected, status);
        Assert.Equal("registration-refused: registry closed for the couple", outcome!.Reason);
        Assert.Null(outcome.CertificateNo);
        Assert.Equal([1], host.Recorder.Dispatched(caseId).Where(i => i.Operation == Ops.MarriageRegister).Select(i => i.Round));
        Assert.DoesNotContain(host.Recorder.Dispatched(caseId), i => i.Operation == Ops.MaritalUpdate);
    }

    [Fact]
    public async Task Fails_without_redriving_when_the_registration_hits_a_defect()
    {
        var caseId = NewCaseId("register-defect");
        host.Provinces.On(caseId, Ops.MarriageRegister, null, 1, FakeProvinces.Defect("unparseable answer"));
        await host.StartAsync(Marriage(caseId));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Failed, await host.FinishedAsync(caseId));
        Assert.Equal($"province-defect: {Shanghai} could not take marriage.register (defect: unparseable answer)", host.Recorder.Final(caseId).Outcome!.Reason);
        Assert.Equal([1], host.Recorder.Dispatched(caseId).Where(i => i.Operation == Ops.MarriageRegister).Select(i => i.Round));
        Assert.DoesNotContain(host.Recorder.Dispatched(caseId), i => i.Operation == Ops.MaritalUpdate);
    }

    [Fact]
    public async Task A_registration_answered_on_its_second_round_leaves_the_marital_updates_to_the_workflow()
    {
        var caseId = NewCaseId("register-round2");
        host.Provinces.On(caseId, Ops.MarriageRegister, null, 1, FakeProvinces.Poisoned(Shanghai));
        await host.StartAsync(Marriage(caseId));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal(["dispatch marriage.register/#2", UpdatesDispatched, Completed[^1]], host.Recorder.Trace(caseId).TakeLast(3));
        var rounds = host.Recorder.Dispatched(caseId).Where(i => i.Operation == Ops.MarriageRegister).ToList();
        // The first round's message names the updates; the second's does not.
        Assert.Equal([(1, true), (2, false)], rounds.Select(i => (i.Round, i.Then is not null)));
        Assert.Equal(FakeProvinces.CertificateNo, host.Recorder.Final(caseId).Outcome!.CertificateNo);
    }

    [Fact]
    public async Task Fails_when_the_registration_succeeds_without_a_certificate_number()
    {
        var caseId = NewCaseId("register-nocert");
        host.Provinces.On(caseId, Ops.MarriageRegister, null, 1, FakeProvinces.Ok());
        await host.StartAsync(Marriage(caseId));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Failed, await host.FinishedAsync(caseId));
        Assert.StartsWith("registration-failed", host.Recorder.Final(caseId).Outcome!.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Recorder.Dispatched(caseId), i => i.Operation == Ops.MaritalUpdate);
    }

    [Fact]
    public async Task A_review_window_that_ends_after_the_approval_was_written_does_not_expire_the_case_and_the_registration_goes_on()
    {
        var caseId = await host.StartAsync(Marriage(NewCaseId("window-after-approval"), reviewWindow: TimeSpan.FromSeconds(2)));
        await host.Recorder.WaitForStatusAsync(caseId, CaseStatus.AwaitingReview, WaitLimit);
        // The decision API wrote the approval and sent the registration; the hub died before its message was queued and the
        // decision raised, and the partner did not ask again: the window ends with no decision event.
        Assert.NotNull(host.Recorder.Approving(caseId, "officer-9"));

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal(
        [
            "sent on approval: dispatch InProgress officer-review:Succeeded irreversible:register-marriage marriage.register/#1",
            "refused progress Expired outcome officer-review:Failed",
            // The registration's first round was never queued: its time-out sends the next, which carries nothing to send after it.
            "dispatch marriage.register/#2",
            UpdatesDispatched,
            "completed by its last step",
        ], host.Recorder.Trace(caseId).Skip(2));
        Assert.Equal(FakeProvinces.CertificateNo, host.Recorder.Final(caseId).Outcome!.CertificateNo);
    }
    [Fact]
    public async Task The_registration_and_the_marital_updates_time_out_under_one_deadline_which_is_cancelled_when_the_case_ends()
    {
        // A time-out an hour long: one left pending would hold the orchestration Running (not Completed) until it fires.
        var caseId = await host.StartAsync(Marriage(NewCaseId("one-timeout"), policy: Policy with { StepTimeout = TimeSpan.FromHours(1) }));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal(Completed, host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task A_registration_refused_ends_the_case_with_its_deadline_cancelled()
    {
        var caseId = NewCaseId("one-timeout-refused");
        host.Provinces.On(caseId, Ops.MarriageRegister, null, 1, new StepResult(StepOutcome.Refused, "already registered"));
        await host.StartAsync(Marriage(caseId, policy: Policy with { StepTimeout = TimeSpan.FromHours(1) }));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Rejected, await host.FinishedAsync(caseId));
    }

    [Fact]
    public async Task A_marital_update_that_gets_no_answer_times_out_under_the_registrations_deadline_and_is_sent_again()
    {
        var (caseId, again) = await SilentOnceAsync("update-timeout", Ops.MaritalUpdate, "partyA");

        Assert.Equal([("partyA", 2)], again.Items.Select(i => (i.Subject!, i.Round)));
        // Version 10: nothing told the registration's quiet success (partyB's was quiet too, partyA silent); the time-out read it.
        Assert.Contains("read succeeded of register-marriage", host.Recorder.Told(caseId));
    }

    /// <summary>
    /// A marriage (step time-out 2 s) whose step <paramref name="operation"/> of <paramref name="subject"/> gets no answer in its first
    /// round: it completes, and the one dispatch of a second round is returned.
    /// </summary>
    private async Task<(string CaseId, ProvinceStepDispatch Second)> SilentOnceAsync(string what, string operation, string subject)
    {
        var caseId = NewCaseId(what);
        host.Provinces.On(caseId, operation, subject, 1, null);
        await host.StartAsync(Marriage(caseId, policy: Policy with { StepTimeout = TimeSpan.FromSeconds(2) }));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        return (caseId, Assert.Single(host.Recorder.Of(caseId).OfType<ProvinceStepDispatch>(), d => d.Items.Any(i => i.Round == 2)));
    }
}
