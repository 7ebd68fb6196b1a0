using Tongban.Cases;
using Tongban.Cases.Deadlines;

namespace Tongban.Tests.Cases.Deadlines;

/// <summary>Issue 16: a newborn registered within one month of birth, tracked as a deadline and never enforced.</summary>
public class NewbornBirthDeadlineTests
{
    private static DateTimeOffset T(string utc) => DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture);

    private static CaseRecord Newborn(DateOnly? born, CaseStatus status, CaseStep? register) => new()
    {
        CaseId = "c-1", CaseType = CaseTypeNames.Newborn, Reference = "r", Status = status, HandlingProvince = "340000", InvolvedProvinces = ["340000"],
        CreatedAt = T("2026-10-20T00:00Z"), UpdatedAt = T("2026-10-20T00:00Z"), NewbornBirthDate = born,
        Steps = register is null ? [] : [register],
    };

    private static CaseDeadline Month(CaseRecord record, string now) =>
        Assert.Single(CaseDeadlines.Of(record, T(now), WorkingCalendar.Official), d => d.Name == CaseDeadlines.NewbornWithinMonthOfBirth);

    [Fact]
    public void The_clock_runs_from_the_day_of_birth_to_the_end_of_the_same_day_a_month_later_beijing_time()
    {
        var deadline = Month(Newborn(new DateOnly(2026, 10, 11), CaseStatus.InProgress, null), "2026-10-20T00:00Z");
        Assert.Equal((T("2026-10-10T16:00Z"), T("2026-11-11T16:00Z"), StepNames.RegisterNewborn, DeadlineState.Pending, true),
            (deadline.StartedAt, deadline.Due, deadline.Step, deadline.State, deadline.CalendarCovered));
        // 31 January: the month after has no 31st; due at the end of its last day.
        Assert.Equal(T("2027-02-28T16:00Z"), Month(Newborn(new DateOnly(2027, 1, 31), CaseStatus.InProgress, null), "2027-02-01T00:00Z").Due);
    }

    [Fact]
    public void Registered_in_time_is_met_and_late_is_missed_by_how_much_while_the_case_still_completes()
    {
        var onTime = Newborn(new DateOnly(2026, 10, 11), CaseStatus.Completed,
            new CaseStep { Name = StepNames.RegisterNewborn, Status = StepStatus.Succeeded, StartedAt = T("2026-11-01T00:00Z"), CompletedAt = T("2026-11-02T00:00Z") });
        Assert.Equal(DeadlineState.Met, Month(onTime, "2027-01-01T00:00Z").State);

        var late = Newborn(new DateOnly(2026, 8, 4), CaseStatus.Completed,
            new CaseStep { Name = StepNames.RegisterNewborn, Status = StepStatus.Succeeded, StartedAt = T("2026-10-20T01:00Z"), CompletedAt = T("2026-10-21T04:00Z") });
        var missed = Month(late, "2027-01-01T00:00Z");
        Assert.Equal((DeadlineState.Missed, T("2026-10-21T04:00Z") - T("2026-09-04T16:00Z")), (missed.State, missed.MissedBy!.Value));
        Assert.Equal(CaseStatus.Completed, late.Status);
    }

    [Fact]
    public void Without_the_birth_date_no_month_limit_is_shown_and_the_decision_limit_is_unchanged()
    {
        var record = Newborn(null, CaseStatus.InProgress,
            new CaseStep { Name = StepNames.RegisterNewborn, Status = StepStatus.Waiting, StartedAt = T("2026-10-20T01:00Z") });
        Assert.Equal([CaseDeadlines.NewbornDecided], CaseDeadlines.Of(record, T("2026-10-21T00:00Z"), WorkingCalendar.Official).Select(d => d.Name));
        record.NewbornBirthDate = new DateOnly(2026, 10, 11);
        Assert.Equal([CaseDeadlines.NewbornWithinMonthOfBirth, CaseDeadlines.NewbornDecided],
            CaseDeadlines.Of(record, T("2026-10-21T00:00Z"), WorkingCalendar.Official).Select(d => d.Name));
    }

    [Fact]
    public void The_sla_view_counts_the_month_limit_per_registering_province()
    {
        var late = Newborn(new DateOnly(2026, 8, 4), CaseStatus.InProgress,
            new CaseStep { Name = StepNames.RegisterNewborn, Province = "340000", Status = StepStatus.Waiting, StartedAt = T("2026-10-20T01:00Z") });
        var summary = SlaSummary.Of([late], T("2026-10-21T00:00Z"), WorkingCalendar.Official);
        var open = Assert.Single(summary.Open, o => o.Deadline == CaseDeadlines.NewbornWithinMonthOfBirth);
        Assert.Equal(("340000", DeadlineState.Missed), (open.Province, open.State));
        Assert.Contains(summary.Lines, l => l.Deadline == CaseDeadlines.NewbornWithinMonthOfBirth && l.Province == "340000");
    }
}
