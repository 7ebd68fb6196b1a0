using Tongban.Cases;
using Tongban.Provinces;
using Tongban.Workflows;
using Tongban.Workflows.Activities;

namespace Tongban.Tests.Workflows;

/// <summary>
/// Workflow version 7: the decision API's write of an approval sends the step the case's approval sends
/// (<see cref="CaseRecord.OnApproval"/>) only for a case open at its review, the review waiting, no withdrawal recorded; then
/// it records what the workflow's dispatch would have. Anything else leaves the record as it was, for the workflow to act.
/// </summary>
public sealed class SendOnApprovalTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 9, 30, 0, TimeSpan.Zero);

    private static ProvinceStep Register(string caseId) => new(caseId, StepNames.RegisterMarriage, null, CanonicalOperations.MarriageRegister, "310000", 1);

    /// <summary>A marriage awaiting its officer's review, naming its registration as what an approval sends (or, version 6, nothing).</summary>
    private static (CaseRecord Record, CaseStep Review) AtReview(bool names = true)
    {
        var record = new CaseRecord
        {
            CaseId = "mr-approval", CaseType = CaseTypeNames.Marriage, Reference = "ref-1", HandlingProvince = "310000",
            InvolvedProvinces = ["310000", "330000"], Status = CaseStatus.AwaitingReview,
            OnApproval = names ? TongbanJson.Serialize(Register("mr-approval")) : null,
        };
        var review = record.Step(StepNames.OfficerReview, null, "310000");
        (review.Status, review.StartedAt, review.Detail) = (StepStatus.Waiting, At.AddHours(-1), "awaiting the officer's decision");
        return (record, review);
    }

    [Fact]
    public void An_approval_at_review_enters_the_registration_and_records_it_running_with_the_case_in_progress()
    {
        var (record, review) = AtReview();

        Assert.True(CaseActivities.SendOnApproval(record, review, "SH-OFFICER-1", At));

        Assert.Equal((StepStatus.Succeeded, "approved by SH-OFFICER-1", At), (review.Status, review.Detail, review.CompletedAt));
        Assert.Equal((CaseStatus.InProgress, StepNames.RegisterMarriage), (record.Status, record.IrreversibleStep));
        var register = record.FindStep(StepNames.RegisterMarriage)!;
        Assert.Equal((StepStatus.Running, (DateTimeOffset?)At, "310000"), (register.Status, register.StartedAt, register.Province));
        // The same approval asked again is known; another officer's is not.
        Assert.True(CaseActivities.SentOnApproval(record, review, "SH-OFFICER-1"));
        Assert.False(CaseActivities.SentOnApproval(record, review, "SH-OFFICER-2"));
    }

    public static TheoryData<string> Refusals => ["names nothing", "withdrawal recorded", "review not waiting", "case not at review", "case closed"];

    [Theory]
    [MemberData(nameof(Refusals))]
    public void An_approval_the_write_cannot_send_changes_nothing(string why)
    {
        var (record, review) = AtReview(names: why != "names nothing");
        switch (why)
        {
            case "withdrawal recorded": record.WithdrawalRequested = true; break;
            case "review not waiting": (review.Status, review.Detail) = (StepStatus.Running, "decision reject received from SH-OFFICER-1"); break;
            case "case not at review": record.Status = CaseStatus.InProgress; break;
            case "case closed": record.Closed = true; break;
        }

        var before = (TongbanJson.Serialize(record), record.IrreversibleStep, record.Status);

        Assert.False(CaseActivities.SendOnApproval(record, review, "SH-OFFICER-1", At));

        Assert.Equal(before, (TongbanJson.Serialize(record), record.IrreversibleStep, record.Status));
        Assert.False(CaseActivities.SentOnApproval(record, review, "SH-OFFICER-1"));
    }
}
