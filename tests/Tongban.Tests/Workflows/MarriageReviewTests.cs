using Tongban.Cases;
using Tongban.Workflows;
using static Tongban.Tests.Workflows.WorkflowTestHost;
using Ops = Tongban.Provinces.CanonicalOperations;

namespace Tongban.Tests.Workflows;

/// <summary>The marriage workflow's officer review and the withdrawal gate before marriage.register.</summary>
public class MarriageReviewTests(WorkflowTestHost host) : IClassFixture<WorkflowTestHost>
{
    private void AssertNeverRegistered(string caseId)
    {
        Assert.DoesNotContain(host.Recorder.Dispatched(caseId), i => i.Operation is Ops.MarriageRegister or Ops.MaritalUpdate);
        Assert.Null(host.Recorder.Final(caseId).Outcome?.CertificateNo);
    }

    private StepChange LastReviewChange(string caseId) =>
        host.Recorder.StepChanges(caseId).Last(c => c.Name == StepNames.OfficerReview);

    [Fact]
    public async Task Rejects_case_when_the_officer_rejects_it()
    {
        var caseId = await host.StartAsync(Marriage(NewCaseId("review-rejected")));
        await host.Recorder.WaitForStatusAsync(caseId, CaseStatus.AwaitingReview, WaitLimit);
        await host.Client.RaiseEventAsync(caseId, CaseEvents.Decision(StepNames.OfficerReview),
            new OfficerDecisionEvent("reject", "officer-9", "declaration not signed"));

        Assert.Equal(CaseStatus.Rejected, await host.FinishedAsync(caseId));
        var (status, outcome) = host.Recorder.Final(caseId);
        Assert.Equal(CaseStatus.Rejected, status);
        Assert.Equal("review-rejected: declaration not signed", outcome!.Reason);
        var review = LastReviewChange(caseId);
        Assert.Equal((StepStatus.Failed, "rejected by officer-9", Shanghai), (review.Status, review.Detail, review.Province));
        Assert.Empty(host.Recorder.Gates(caseId));
        AssertNeverRegistered(caseId);
    }

    [Fact]
    public async Task Expires_when_no_decision_comes_within_the_review_window()
    {
        var caseId = await host.StartAsync(Marriage(NewCaseId("expired"), reviewWindow: TimeSpan.FromSeconds(2)));

        Assert.Equal(CaseStatus.Expired, await host.FinishedAsync(caseId));
        var (status, outcome) = host.Recorder.Final(caseId);
        Assert.Equal(CaseStatus.Expired, status);
        Assert.StartsWith("review-expired", outcome!.Reason, StringComparison.Ordinal);
        Assert.Equal(StepStatus.Failed, LastReviewChange(caseId).Status);
        Assert.Empty(host.Recorder.Gates(caseId));
        AssertNeverRegistered(caseId);
    }

    [Fact]
    public async Task Withdraws_during_the_review()
    {
        var caseId = await host.StartAsync(Marriage(NewCaseId("withdraw-review")));
        await host.Recorder.WaitForStatusAsync(caseId, CaseStatus.AwaitingReview, WaitLimit);
        await host.Client.RaiseEventAsync(caseId, CaseEvents.Withdrawal, new WithdrawalNotice("applicant request"));

        Assert.Equal(CaseStatus.Withdrawn, await host.FinishedAsync(caseId));
        var (status, outcome) = host.Recorder.Final(caseId);
        Assert.Equal(CaseStatus.Withdrawn, status);
        Assert.Equal("withdrawn: applicant request", outcome!.Reason);
        // The review ends skipped: by the workflow's change, or, when the withdrawal reached the workflow before the checks'
        // answers whose write moved the case to review, by the close of the case (the row's close shows an open step skipped).
        var review = LastReviewChange(caseId);
        Assert.True(review.Status == StepStatus.Skipped
            || (review.Status == StepStatus.Waiting && host.Recorder.Trace(caseId).Contains("moved AwaitingReview by its last check")),
            string.Join(" | ", host.Recorder.Trace(caseId)));
        Assert.Empty(host.Recorder.Gates(caseId));
        AssertNeverRegistered(caseId);
    }

    [Fact]
    public async Task Withdraws_without_registering_when_the_withdrawal_won_the_irreversible_gate()
    {
        var caseId = await host.StartAsync(Marriage(NewCaseId("withdraw-gate")));
        await host.Recorder.WaitForStatusAsync(caseId, CaseStatus.AwaitingReview, WaitLimit);
        // The API marked the row withdrawn just before the approval reached the orchestration.
        host.Recorder.MarkWithdrawalRequested(caseId);
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Withdrawn, await host.FinishedAsync(caseId));
        var (status, outcome) = host.Recorder.Final(caseId);
        Assert.Equal(CaseStatus.Withdrawn, status);
        Assert.StartsWith("withdrawn", outcome!.Reason, StringComparison.Ordinal);
        Assert.Equal([StepNames.RegisterMarriage], host.Recorder.Gates(caseId));
        AssertNeverRegistered(caseId);
        Assert.Equal(
        [
            "refused dispatch InProgress officer-review:Succeeded irreversible:register-marriage marriage.register/#1",
            "progress Withdrawn outcome officer-review:Succeeded",
        ], host.Recorder.Trace(caseId).TakeLast(2));
    }
}
