using Tongban.Cases;
using Tongban.Workflows;
using static Tongban.Tests.Workflows.WorkflowTestHost;
using Ops = Tongban.Provinces.CanonicalOperations;

namespace Tongban.Tests.Workflows;

/// <summary>The school-record transfer workflow: record check, transfer-out review, enrolment, confirmation, withdrawal.</summary>
public class SchoolTransferTests(WorkflowTestHost host) : IClassFixture<WorkflowTestHost>
{
    private const string Checked = "dispatch InProgress student.record/#1";

    private static string TransferCaseId(string what) => $"st-{what}-{Guid.NewGuid():N}";

    private IReadOnlyList<ProvinceStep> Dispatched(string caseId, string operation) =>
        host.Recorder.Dispatched(caseId).Where(i => i.Operation == operation).ToList();

    private async Task<(CaseStatus Status, string? Reason)> RunToEndAsync(string caseId)
    {
        var status = await host.FinishedAsync(caseId);
        var (recorded, outcome) = host.Recorder.Final(caseId);
        Assert.Equal(status, recorded);
        return (status, outcome?.Reason);
    }

    private void AssertCancelledOnce(string caseId)
    {
        var cancel = Assert.Single(Dispatched(caseId, Ops.TransferOutCancel));
        Assert.Equal((StepNames.CancelTransferOut, Zhejiang), (cancel.StepName, cancel.Province));
        var compensated = Assert.Single(host.Recorder.StepChanges(caseId), c => c.Status == StepStatus.Compensated);
        Assert.Equal((StepNames.RequestTransferOut, Zhejiang), (compensated.Name, compensated.Province));
    }

    [Fact]
    public async Task Completes_after_enrolment_and_the_confirmation_with_the_transfer_id_recorded()
    {
        var caseId = await host.StartAsync(SchoolTransfer(TransferCaseId("happy")));

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        var (status, outcome) = host.Recorder.Final(caseId);
        Assert.Equal(CaseStatus.Completed, status);
        Assert.Equal(FakeProvinces.TransferId, outcome!.TransferId);
        Assert.Null(outcome.Reason);
        Assert.Equal(
        [
            Checked,
            "dispatch transfer-out.request/#1",
            "progress outcome",
            "dispatch student.enroll/#1",
            "dispatch irreversible:enroll-student completes transfer-out.confirm/#1",
            "completed by its last step",
        ], host.Recorder.Trace(caseId));
        var items = host.Recorder.Dispatched(caseId);
        Assert.Equal(Zhejiang, Assert.Single(items, i => i.Operation == Ops.StudentRecord).Province);
        Assert.Equal(Zhejiang, Assert.Single(items, i => i.Operation == Ops.TransferOutRequest).Province);
        Assert.Equal(Shanghai, Assert.Single(items, i => i.Operation == Ops.StudentEnroll).Province);
        Assert.Equal(Zhejiang, Assert.Single(items, i => i.Operation == Ops.TransferOutConfirm).Province);
        Assert.Empty(Dispatched(caseId, Ops.TransferOutCancel));
    }

    [Theory]
    [InlineData("graduated", true, true, "student.graduated:")]
    [InlineData("enrolled", false, true, "student.mismatch:")]
    [InlineData("enrolled", true, false, "student.school-mismatch:")]
    public async Task Rejects_when_the_students_record_does_not_allow_the_transfer(string studentStatus, bool match, bool schoolMatch, string reason)
    {
        var caseId = TransferCaseId("record");
        host.Provinces.On(caseId, Ops.StudentRecord, null, 1,
            FakeProvinces.Ok(new StudentRecordCheck(studentStatus, match, schoolMatch)));
        await host.StartAsync(SchoolTransfer(caseId));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Rejected, status);
        Assert.StartsWith(reason, why, StringComparison.Ordinal);
        Assert.Equal([Checked, "progress Rejected outcome"], host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task Rejects_when_the_source_province_has_no_such_student()
    {
        var caseId = TransferCaseId("no-record");
        host.Provinces.On(caseId, Ops.StudentRecord, null, 1, new StepResult(StepOutcome.NoRecord, "not found"));
        await host.StartAsync(SchoolTransfer(caseId));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Rejected, status);
        Assert.StartsWith("student.no-record:", why, StringComparison.Ordinal);
        Assert.Equal([Checked, "progress Rejected outcome"], host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task Rejects_without_cancelling_when_the_source_refuses_the_transfer_out()
    {
        var caseId = TransferCaseId("out-refused");
        host.Provinces.On(caseId, Ops.TransferOutRequest, null, 1, new StepResult(StepOutcome.Refused, "mid-term transfers closed"));
        await host.StartAsync(SchoolTransfer(caseId));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Rejected, status);
        Assert.Equal("transfer-refused: mid-term transfers closed", why);
        Assert.Null(host.Recorder.Final(caseId).Outcome!.TransferId);
        Assert.Equal([Checked, "dispatch transfer-out.request/#1", "progress Rejected outcome"], host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task Cancels_the_transfer_out_then_fails_when_the_target_refuses_enrolment()
    {
        var caseId = TransferCaseId("enrol-refused");
        host.Provinces.On(caseId, Ops.StudentEnroll, null, 1, new StepResult(StepOutcome.Refused, "grade 5 full"));
        await host.StartAsync(SchoolTransfer(caseId));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Failed, status);
        Assert.Equal("enrolment-failed: grade 5 full", why);
        Assert.Equal(
        [
            Checked,
            "dispatch transfer-out.request/#1",
            "progress outcome",
            "dispatch student.enroll/#1",
            "dispatch transfer-out.cancel/#1",
            "progress request-transfer-out:Compensated",
            "progress Failed outcome",
        ], host.Recorder.Trace(caseId));
        AssertCancelledOnce(caseId);
        Assert.Empty(Dispatched(caseId, Ops.TransferOutConfirm));
    }

    [Fact]
    public async Task Cancels_the_transfer_out_then_fails_when_enrolment_keeps_failing_beyond_the_retry_budget()
    {
        var caseId = TransferCaseId("enrol-budget");
        host.Provinces.OnRounds(caseId, Ops.StudentEnroll, null, 100, FakeProvinces.Poisoned(Shanghai));
        await host.StartAsync(SchoolTransfer(caseId, Policy with { RetryBudget = TimeSpan.FromSeconds(1) }));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Failed, status);
        Assert.StartsWith($"enrolment-failed: province-unavailable: {Shanghai} did not answer student.enroll", why, StringComparison.Ordinal);
        // Re-driven past MaxRounds (the budget rules, not the rounds), but not endlessly.
        var rounds = Dispatched(caseId, Ops.StudentEnroll).Select(i => i.Round).ToList();
        Assert.InRange(rounds.Count, Policy.MaxRounds + 1, 20);
        Assert.Equal(Enumerable.Range(1, rounds.Count), rounds);
        AssertCancelledOnce(caseId);
        Assert.Equal(["dispatch transfer-out.cancel/#1", "progress request-transfer-out:Compensated", "progress Failed outcome"],
            host.Recorder.Trace(caseId).TakeLast(3));
        Assert.Empty(Dispatched(caseId, Ops.TransferOutConfirm));
    }

    [Fact]
    public async Task Completes_when_enrolment_succeeds_within_the_retry_budget()
    {
        var caseId = TransferCaseId("enrol-retry");
        host.Provinces.OnRounds(caseId, Ops.StudentEnroll, null, 3, FakeProvinces.Poisoned(Shanghai));
        await host.StartAsync(SchoolTransfer(caseId, Policy with { RetryBudget = TimeSpan.FromSeconds(30) }));

        var (status, _) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Completed, status);
        Assert.Equal([1, 2, 3, 4], Dispatched(caseId, Ops.StudentEnroll).Select(i => i.Round));
        Assert.Empty(Dispatched(caseId, Ops.TransferOutCancel));
        Assert.Single(Dispatched(caseId, Ops.TransferOutConfirm));
        Assert.Equal(FakeProvinces.TransferId, host.Recorder.Final(caseId).Outcome!.TransferId);
    }

    [Fact]
    public async Task Keeps_confirming_the_transfer_out_until_it_succeeds_and_flags_it_meanwhile()
    {
        var caseId = TransferCaseId("confirm");
        host.Provinces
            .On(caseId, Ops.TransferOutConfirm, null, 1, FakeProvinces.Poisoned(Zhejiang))
            .On(caseId, Ops.TransferOutConfirm, null, 2, FakeProvinces.Defect("unexpected response"))
            .On(caseId, Ops.TransferOutConfirm, null, 3, new StepResult(StepOutcome.Refused, "record locked"));
        await host.StartAsync(SchoolTransfer(caseId));

        var (status, _) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Completed, status);
        var tail = host.Recorder.Trace(caseId).SkipWhile(t => !t.Contains("transfer-out.confirm/#1", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            "dispatch irreversible:enroll-student completes transfer-out.confirm/#1",
            "dispatch transfer-out.confirm/#2",
            "progress confirm-transfer-out:Running!True",
            "dispatch transfer-out.confirm/#3",
            "dispatch transfer-out.confirm/#4",
            "completed by its last step",
            "progress confirm-transfer-out:Succeeded!False",
        ], tail);
        Assert.Empty(Dispatched(caseId, Ops.TransferOutCancel));
    }

    [Fact]
    public async Task Withdraws_during_the_record_check_with_nothing_to_cancel()
    {
        var caseId = TransferCaseId("withdraw-record");
        host.Provinces.On(caseId, Ops.StudentRecord, null, 1, null);
        await host.StartAsync(SchoolTransfer(caseId));
        await host.DispatchedAsync(caseId, Ops.StudentRecord);
        await host.WithdrawAsync(caseId);

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Withdrawn, status);
        Assert.Equal("withdrawn: applicant request", why);
        Assert.Equal([Checked, "progress Withdrawn outcome"], host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task Cancels_a_transfer_out_approved_after_the_withdrawal()
    {
        var caseId = TransferCaseId("withdraw-approved");
        host.Provinces.On(caseId, Ops.TransferOutRequest, null, 1, null);
        await host.StartAsync(SchoolTransfer(caseId));
        await host.DispatchedAsync(caseId, Ops.TransferOutRequest);
        await host.WithdrawAsync(caseId, "family stays");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, host.Recorder.Trace(caseId).Count); // still waiting for the review's answer
        await host.AnswerAsync(caseId, StepNames.RequestTransferOut, FakeProvinces.Ok(new TransferOutApproved(FakeProvinces.TransferId)));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Withdrawn, status);
        Assert.Equal("withdrawn: family stays", why);
        Assert.Equal(
        [
            Checked,
            "dispatch transfer-out.request/#1",
            "progress outcome",
            "dispatch transfer-out.cancel/#1",
            "progress request-transfer-out:Compensated",
            "progress Withdrawn outcome",
        ], host.Recorder.Trace(caseId));
        AssertCancelledOnce(caseId);
        Assert.Empty(host.Recorder.Gates(caseId));
        Assert.Empty(Dispatched(caseId, Ops.StudentEnroll));
    }

    [Fact]
    public async Task Withdraws_without_cancelling_when_the_review_refuses_after_the_withdrawal()
    {
        var caseId = TransferCaseId("withdraw-refused");
        host.Provinces.On(caseId, Ops.TransferOutRequest, null, 1, null);
        await host.StartAsync(SchoolTransfer(caseId));
        await host.DispatchedAsync(caseId, Ops.TransferOutRequest);
        await host.WithdrawAsync(caseId);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        await host.AnswerAsync(caseId, StepNames.RequestTransferOut, new StepResult(StepOutcome.Refused, "not approved"));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Withdrawn, status);
        Assert.Equal("withdrawn: applicant request", why);
        Assert.Equal([Checked, "dispatch transfer-out.request/#1", "progress Withdrawn outcome"], host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task Cancels_then_withdraws_when_the_withdrawal_was_recorded_before_the_enrolments_success()
    {
        var caseId = TransferCaseId("withdraw-gate");
        host.Provinces.On(caseId, Ops.StudentEnroll, null, 1, null);
        await host.StartAsync(SchoolTransfer(caseId));
        await host.DispatchedAsync(caseId, Ops.StudentEnroll);
        // The API marked the row withdrawn; the enrolment's success reaches the workflow before the withdrawal event.
        host.Recorder.MarkWithdrawalRequested(caseId);
        await host.AnswerAsync(caseId, StepNames.EnrollStudent, FakeProvinces.Ok());
        await host.Recorder.WaitForAsync(caseId, _ => host.Recorder.Gates(caseId).Count > 0, WaitLimit);
        await host.WithdrawAsync(caseId, "family stays");

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Withdrawn, status);
        Assert.Equal("withdrawn: family stays", why);
        Assert.Equal(
        [
            Checked,
            "dispatch transfer-out.request/#1",
            "progress outcome",
            "dispatch student.enroll/#1",
            "refused dispatch irreversible:enroll-student completes transfer-out.confirm/#1",
            "dispatch transfer-out.cancel/#1",
            "progress request-transfer-out:Compensated",
            "progress Withdrawn outcome",
        ], host.Recorder.Trace(caseId));
        AssertCancelledOnce(caseId);
        Assert.Empty(Dispatched(caseId, Ops.TransferOutConfirm));
    }

    // Enrolment is irreversible once it has succeeded (provinces/README.md): until then a withdrawal stays possible. It stops
    // the retries and cancels the transfer-out, as a retry budget run out does, and the case ends Withdrawn.
    [Fact]
    public async Task A_withdrawal_during_enrolment_retries_stops_them_cancels_the_transfer_out_and_ends_withdrawn()
    {
        var caseId = TransferCaseId("withdraw-enrolling");
        host.Provinces.OnRounds(caseId, Ops.StudentEnroll, null, 100, FakeProvinces.Poisoned(Shanghai));
        // Rounds 2 s apart, so the withdrawal comes well within round 2's.
        await host.StartAsync(SchoolTransfer(caseId, Policy with
        {
            RetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(2), RetryBudget = TimeSpan.FromMinutes(10),
        }));
        await host.DispatchedAsync(caseId, Ops.StudentEnroll, round: 2);
        await host.WithdrawAsync(caseId, "family stays");

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Withdrawn, status);
        Assert.Equal("withdrawn: family stays", why);
        // No round after the one under way when the withdrawal came (a slow machine may have begun the next).
        Assert.InRange(Dispatched(caseId, Ops.StudentEnroll).Count, 2, 3);
        Assert.Empty(host.Recorder.Gates(caseId));
        AssertCancelledOnce(caseId);
        Assert.Equal(["dispatch transfer-out.cancel/#1", "progress request-transfer-out:Compensated", "progress Withdrawn outcome"],
            host.Recorder.Trace(caseId).TakeLast(3));
        Assert.Empty(Dispatched(caseId, Ops.TransferOutConfirm));
    }
}
