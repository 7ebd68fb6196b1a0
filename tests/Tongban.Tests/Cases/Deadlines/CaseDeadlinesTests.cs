using Tongban.Cases;
using Tongban.Cases.Deadlines;

namespace Tongban.Tests.Cases.Deadlines;

/// <summary>Issue 16: each case type's legal time limits, in each state, on the official calendar.</summary>
public class CaseDeadlinesTests
{
    private static readonly WorkingCalendar Calendar = WorkingCalendar.Official;

    private static DateTimeOffset T(string utc) => DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture);

    private static CaseRecord Case(string type, CaseStatus status, params CaseStep[] steps) => new()
    {
        CaseId = "c-1", CaseType = type, Reference = "r-1", Status = status, HandlingProvince = "310000", InvolvedProvinces = ["310000"],
        CreatedAt = T("2025-01-01T00:00Z"), UpdatedAt = T("2025-01-01T00:00Z"), Steps = [.. steps],
    };

    private static CaseStep Step(string name, StepStatus status, string? started, string? completed = null) => new()
    {
        Name = name, Status = status, StartedAt = started is null ? null : T(started), CompletedAt = completed is null ? null : T(completed),
    };

    // Approved at 10:00 Beijing on 2025-10-10: registration is due by midnight Beijing, 16:00 UTC.
    private static CaseRecord Marriage(CaseStatus status, CaseStep register) => Case(CaseTypeNames.Marriage, status,
        Step(StepNames.OfficerReview, StepStatus.Succeeded, "2025-10-09T01:00Z", "2025-10-10T02:00Z"), register);

    private static CaseDeadline Single(CaseRecord record, string now) => Assert.Single(CaseDeadlines.Of(record, T(now), Calendar));

    [Fact]
    public void Marriage_registered_the_same_Beijing_day_is_met()
    {
        var deadline = Single(Marriage(CaseStatus.Completed, Step(StepNames.RegisterMarriage, StepStatus.Succeeded, "2025-10-10T02:01Z", "2025-10-10T03:00Z")),
            "2025-10-20T00:00Z");
        Assert.Equal((CaseDeadlines.MarriageRegisteredSameDay, StepNames.RegisterMarriage), (deadline.Name, deadline.Step));
        Assert.Equal(T("2025-10-10T16:00Z"), deadline.Due);
        Assert.Equal(DeadlineState.Met, deadline.State);
        Assert.Null(deadline.MissedBy);
    }

    [Fact]
    public void Marriage_registered_after_Beijing_midnight_is_missed_by_the_delay()
    {
        var deadline = Single(Marriage(CaseStatus.Completed, Step(StepNames.RegisterMarriage, StepStatus.Succeeded, "2025-10-10T02:01Z", "2025-10-10T17:30Z")),
            "2025-10-20T00:00Z");
        Assert.Equal(DeadlineState.Missed, deadline.State);
        Assert.Equal(TimeSpan.FromMinutes(90), deadline.MissedBy);
    }

    [Theory]
    [InlineData("2025-10-10T04:00Z", DeadlineState.Pending, null)] // 12 of 14 hours left
    [InlineData("2025-10-10T14:00Z", DeadlineState.AtRisk, null)] // 2 of 14 hours left: under 20%
    [InlineData("2025-10-10T18:00Z", DeadlineState.Missed, 2.0)] // 2 hours overdue
    public void Marriage_awaiting_registration_is_pending_at_risk_or_missed(string now, DeadlineState expected, double? missedHours)
    {
        var deadline = Single(Marriage(CaseStatus.InProgress, Step(StepNames.RegisterMarriage, StepStatus.Running, "2025-10-10T02:01Z")), now);
        Assert.Equal(expected, deadline.State);
        Assert.Equal(missedHours is { } h ? TimeSpan.FromHours(h) : null, deadline.MissedBy);
    }

    [Fact]
    public void Marriage_approved_after_16_00_UTC_is_due_at_the_next_Beijing_midnight()
    {
        var record = Case(CaseTypeNames.Marriage, CaseStatus.InProgress, Step(StepNames.OfficerReview, StepStatus.Succeeded, "2025-10-09T01:00Z", "2025-10-10T17:00Z"));
        var deadline = Single(record, "2025-10-10T17:00Z");
        Assert.Equal(T("2025-10-11T16:00Z"), deadline.Due);
        Assert.Equal(DeadlineState.Pending, deadline.State);
    }

    [Fact]
    public void Marriage_under_review_has_no_deadline_yet() =>
        Assert.Empty(CaseDeadlines.Of(Case(CaseTypeNames.Marriage, CaseStatus.AwaitingReview,
            Step(StepNames.OfficerReview, StepStatus.Waiting, "2025-10-09T01:00Z")), T("2025-10-20T00:00Z"), Calendar));

    // Asked at 09:00 Beijing on Wednesday 2026-09-30: 5 working days over National Day (make-up Saturday 10-10) end on 10-13.
    private static CaseRecord Newborn(CaseStatus status, StepStatus stepStatus, string? completed) =>
        Case(CaseTypeNames.Newborn, status, Step(StepNames.RegisterNewborn, stepStatus, "2026-09-30T01:00Z", completed));

    [Theory]
    [InlineData(StepStatus.Succeeded)]
    [InlineData(StepStatus.Failed)] // a refusal is a decision too
    public void Newborn_decided_by_the_fifth_working_day_is_met(StepStatus answer)
    {
        var deadline = Single(Newborn(CaseStatus.Completed, answer, "2026-10-13T08:00Z"), "2026-11-01T00:00Z");
        Assert.Equal(CaseDeadlines.NewbornDecided, deadline.Name);
        Assert.Equal(T("2026-10-13T16:00Z"), deadline.Due);
        Assert.Equal(DeadlineState.Met, deadline.State);
        Assert.True(deadline.CalendarCovered);
    }

    [Theory]
    [InlineData("2026-10-01T00:00Z", DeadlineState.Pending, null)]
    [InlineData("2026-10-12T00:00Z", DeadlineState.AtRisk, null)] // 40 of 327 hours left
    [InlineData("2026-10-14T16:00Z", DeadlineState.Missed, 24.0)]
    public void Newborn_awaiting_the_police_is_pending_at_risk_or_missed(string now, DeadlineState expected, double? missedHours)
    {
        var deadline = Single(Newborn(CaseStatus.InProgress, StepStatus.Waiting, null), now);
        Assert.Equal(expected, deadline.State);
        Assert.Equal(missedHours is { } h ? TimeSpan.FromHours(h) : null, deadline.MissedBy);
    }

    [Fact]
    public void A_missed_deadline_leaves_the_case_and_its_outcome_as_they_were()
    {
        var record = Newborn(CaseStatus.InProgress, StepStatus.Waiting, null);
        var before = TongbanJson.Serialize(record);
        Assert.Equal(DeadlineState.Missed, Single(record, "2027-01-01T00:00Z").State);
        Assert.Equal(before, TongbanJson.Serialize(record));
        Assert.Equal(CaseStatus.InProgress, record.Status);
    }

    [Fact]
    public void A_period_running_into_an_uncovered_year_is_flagged()
    {
        // Monday 2026-12-28: weekends alone would make 2027-01-04 the fifth working day; 2027's holidays are unknown.
        var record = Case(CaseTypeNames.Newborn, CaseStatus.InProgress, Step(StepNames.RegisterNewborn, StepStatus.Waiting, "2026-12-28T01:00Z"));
        var deadline = Single(record, "2026-12-28T02:00Z");
        Assert.False(deadline.CalendarCovered);
        Assert.Equal(T("2027-01-04T16:00Z"), deadline.Due);
    }

    [Fact]
    public void School_transfer_has_one_deadline_per_side_each_of_10_working_days()
    {
        // Transfer-out asked Friday 2026-02-13 10:00 Beijing: 10 working days, with make-up Saturdays 02-14 and 02-28, end on 03-05.
        var record = Case(CaseTypeNames.SchoolTransfer, CaseStatus.Completed,
            Step(StepNames.RequestTransferOut, StepStatus.Succeeded, "2026-02-13T02:00Z", "2026-03-04T08:00Z"),
            Step(StepNames.EnrollStudent, StepStatus.Succeeded, "2026-03-04T09:00Z", "2026-03-19T01:00Z"));
        var deadlines = CaseDeadlines.Of(record, T("2026-04-01T00:00Z"), Calendar);

        Assert.Equal([CaseDeadlines.TransferOutReviewed, CaseDeadlines.StudentEnrolled], deadlines.Select(d => d.Name));
        Assert.Equal((T("2026-03-05T16:00Z"), DeadlineState.Met), (deadlines[0].Due, deadlines[0].State));
        Assert.Equal((T("2026-03-18T16:00Z"), DeadlineState.Missed, TimeSpan.FromHours(9)), (deadlines[1].Due, deadlines[1].State, deadlines[1].MissedBy));
    }

    [Fact]
    public void School_transfer_lists_only_the_sides_whose_review_has_begun()
    {
        var record = Case(CaseTypeNames.SchoolTransfer, CaseStatus.InProgress,
            Step(StepNames.RequestTransferOut, StepStatus.Waiting, "2026-02-13T02:00Z"));
        var deadline = Single(record, "2026-03-05T10:00Z");
        Assert.Equal(CaseDeadlines.TransferOutReviewed, deadline.Name);
        Assert.Equal(DeadlineState.AtRisk, deadline.State);
    }

    [Fact]
    public void A_case_ended_with_the_step_unanswered_stops_the_clock_when_it_ended()
    {
        var record = Newborn(CaseStatus.Withdrawn, StepStatus.Waiting, null);
        record.UpdatedAt = T("2026-10-02T00:00Z");
        var deadline = Single(record, "2027-01-01T00:00Z");
        Assert.Equal((DeadlineState.Met, T("2026-10-02T00:00Z")), (deadline.State, deadline.CompletedAt));
    }

    [Theory]
    [InlineData(DeadlineState.Met, "met")]
    [InlineData(DeadlineState.Pending, "pending")]
    [InlineData(DeadlineState.AtRisk, "at-risk")]
    [InlineData(DeadlineState.Missed, "missed")]
    public void States_are_written_as_the_issue_names_them(DeadlineState state, string expected)
    {
        var deadline = new CaseDeadline("n", "s", T("2026-01-05T00:00Z"), T("2026-01-06T00:00Z"), state, null, null, true);
        var json = System.Text.Json.Nodes.JsonNode.Parse(TongbanJson.Serialize(deadline))!;
        Assert.Equal(expected, (string?)json["state"]);
    }
}
