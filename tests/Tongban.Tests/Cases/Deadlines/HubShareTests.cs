using Tongban.Cases;
using Tongban.Cases.Deadlines;

namespace Tongban.Tests.Cases.Deadlines;

/// <summary>Issue 16: the hub's own share of a case's time (everything but waiting on provinces and officers) against 5 s.</summary>
public class HubShareTests
{
    private static readonly DateTimeOffset Created = new(2026, 12, 1, 2, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(double seconds) => Created.AddSeconds(seconds);

    private static CaseRecord Case(CaseStatus status, double endedAt, params CaseWait[] waits) => new()
    {
        CaseId = "c-1", CaseType = CaseTypeNames.Marriage, Reference = "r", Status = status, HandlingProvince = "310000", InvolvedProvinces = ["310000"],
        CreatedAt = Created, UpdatedAt = At(endedAt), Waits = [.. waits],
    };

    [Fact]
    public void Overlapping_waits_count_once_and_the_rest_is_the_hubs()
    {
        // Two parallel province calls (1–4 s and 2–6 s: 5 s together), the officer 10–100 s: 95 s of waiting in a 103 s case.
        var record = Case(CaseStatus.Completed, 103,
            new CaseWait("verify-resident.partyA", "330000", At(1), At(4)),
            new CaseWait("verify-resident.partyB", "310000", At(2), At(6)),
            new CaseWait("officer-review", CaseWait.Officer, At(10), At(100)));

        var share = HubShare.Of(record, At(500));

        Assert.Equal((TimeSpan.FromSeconds(103), TimeSpan.FromSeconds(8), DeadlineState.Missed, TimeSpan.FromSeconds(3)),
            (share.Elapsed, share.Spent, share.State, share.MissedBy));
    }

    [Fact]
    public void An_ended_case_within_five_seconds_of_its_own_is_met_however_long_it_waited()
    {
        var record = Case(CaseStatus.Completed, 3600, new CaseWait("register-newborn", "340000", At(1), At(3598)));
        var share = HubShare.Of(record, At(99999));
        Assert.Equal((TimeSpan.FromSeconds(3), DeadlineState.Met, (TimeSpan?)null), (share.Spent, share.State, share.MissedBy));
    }

    [Theory]
    [InlineData(2.0, DeadlineState.Pending)]
    [InlineData(4.5, DeadlineState.AtRisk)]
    [InlineData(7.0, DeadlineState.Missed)]
    public void An_open_case_is_pending_at_risk_or_missed_by_the_hubs_time_so_far(double hubSeconds, DeadlineState expected)
    {
        // Slow work open since the hub's first h seconds: the rest, to now, is the province's.
        var openWait = Case(CaseStatus.InProgress, 0, new CaseWait("register-newborn", "340000", At(hubSeconds), null));
        Assert.Equal(expected, HubShare.Of(openWait, At(1000)).State);
        Assert.Equal(TimeSpan.FromSeconds(hubSeconds), HubShare.Of(openWait, At(1000)).Spent);
    }

    [Fact]
    public void An_undecided_officer_review_is_the_officers_until_now_or_until_the_case_expired()
    {
        var waiting = Case(CaseStatus.AwaitingReview, 0);
        waiting.Steps.Add(new CaseStep { Name = StepNames.OfficerReview, Status = StepStatus.Waiting, StartedAt = At(2) });
        Assert.Equal(TimeSpan.FromSeconds(2), HubShare.Of(waiting, At(86400)).Spent);

        var expired = Case(CaseStatus.Expired, 1000);
        expired.Steps.Add(new CaseStep { Name = StepNames.OfficerReview, Status = StepStatus.Waiting, StartedAt = At(3) });
        var share = HubShare.Of(expired, At(99999));
        Assert.Equal((TimeSpan.FromSeconds(3), DeadlineState.Met), (share.Spent, share.State));
    }

    [Fact]
    public void Waits_outside_the_cases_life_are_clipped()
    {
        var record = Case(CaseStatus.Completed, 10, new CaseWait("s", "310000", At(-5), At(2)), new CaseWait("t", "310000", At(9), At(50)));
        Assert.Equal(TimeSpan.FromSeconds(7), HubShare.Of(record, At(100)).Spent);
    }

    [Fact]
    public void The_sla_view_gives_each_handling_province_its_share_within_the_goal_and_open_cases_past_it()
    {
        var fast = Case(CaseStatus.Completed, 3);
        var slow = Case(CaseStatus.Completed, 9);
        var openLate = Case(CaseStatus.InProgress, 0);
        var summary = SlaSummary.Of([fast, slow, openLate], At(60), WorkingCalendar.Official);
        var line = Assert.Single(summary.HubShare);
        Assert.Equal(("310000", 2, 0.5, 3000, 9000, 1), (line.Province, line.Ended, line.WithinGoalShare!.Value, line.P50Ms, line.P95Ms, line.OpenOverGoal));
    }
}
