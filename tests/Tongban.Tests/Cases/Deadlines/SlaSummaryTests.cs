using Tongban.Cases;
using Tongban.Cases.Deadlines;

namespace Tongban.Tests.Cases.Deadlines;

/// <summary>Issue 16: the operator's SLA figures per province and limit, and the open deadlines at risk or overdue, oldest first.</summary>
public class SlaSummaryTests
{
    private static DateTimeOffset T(string utc) => DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture);

    private static CaseRecord Newborn(string id, string province, string started, string? completed) => new()
    {
        CaseId = id, CaseType = CaseTypeNames.Newborn, Reference = id, Status = completed is null ? CaseStatus.InProgress : CaseStatus.Completed,
        HandlingProvince = province, InvolvedProvinces = [province], CreatedAt = T(started), UpdatedAt = T(started),
        Steps =
        [
            new CaseStep
            {
                Name = StepNames.RegisterNewborn, Province = province, StartedAt = T(started), CompletedAt = completed is null ? null : T(completed),
                Status = completed is null ? StepStatus.Waiting : StepStatus.Succeeded,
            },
        ],
    };

    [Fact]
    public void Counts_on_time_share_and_working_day_percentiles_per_province()
    {
        // Asked Wednesday 2026-09-30 (Beijing): answered after 1, 3 and 7 working days (National Day and make-up Saturday 10-10 between).
        var cases = new[]
        {
            Newborn("a", "310000", "2026-09-30T01:00Z", "2026-10-08T03:00Z"), // 10-08: 1 working day, met
            Newborn("b", "310000", "2026-09-30T01:00Z", "2026-10-10T03:00Z"), // make-up Saturday 10-10: 3, met
            Newborn("c", "310000", "2026-09-30T01:00Z", "2026-10-15T03:00Z"), // 10-15: 7, missed
            Newborn("d", "330000", "2026-09-30T01:00Z", null),
        };
        var summary = SlaSummary.Of(cases, T("2026-10-12T00:00Z"), WorkingCalendar.Official);

        var shanghai = Assert.Single(summary.Lines, l => l.Province == "310000");
        Assert.Equal((CaseDeadlines.NewbornDecided, StepNames.RegisterNewborn, 3), (shanghai.Deadline, shanghai.Step, shanghai.Answered));
        Assert.Equal(2 / 3.0, shanghai.OnTimeShare!.Value, 6);
        Assert.Equal((3, 7), (shanghai.P50WorkingDays, shanghai.P95WorkingDays));

        var zhejiang = Assert.Single(summary.Lines, l => l.Province == "330000");
        Assert.Equal((0, null, null), (zhejiang.Answered, zhejiang.OnTimeShare, zhejiang.P50WorkingDays));
    }

    [Fact]
    public void Lists_open_deadlines_at_risk_or_overdue_oldest_first_and_leaves_out_pending_and_answered_ones()
    {
        var cases = new[]
        {
            Newborn("late", "310000", "2026-09-01T01:00Z", null), // overdue
            Newborn("risky", "330000", "2026-09-30T01:00Z", null), // 40 of 327 hours left on 10-12
            Newborn("fresh", "330000", "2026-10-11T01:00Z", null), // pending
            Newborn("oldest-missed-but-answered", "310000", "2026-08-01T01:00Z", "2026-09-01T01:00Z"),
            Newborn("older", "340000", "2026-08-20T01:00Z", null), // overdue, older than "late"
        };
        var summary = SlaSummary.Of(cases, T("2026-10-12T00:00Z"), WorkingCalendar.Official);

        Assert.Equal(["older", "late", "risky"], summary.Open.Select(o => o.CaseId));
        Assert.Equal([DeadlineState.Missed, DeadlineState.Missed, DeadlineState.AtRisk], summary.Open.Select(o => o.State));
        Assert.NotNull(summary.Open[0].MissedBy);
    }
}
