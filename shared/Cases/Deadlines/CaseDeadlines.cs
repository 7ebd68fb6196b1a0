using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tongban.Cases.Deadlines;

public enum DeadlineState { Met, Pending, AtRisk, Missed }

/// <summary>
/// Writes <c>met</c>, <c>pending</c>, <c>at-risk</c>, <c>missed</c>, as issue 16 names them. On the property, since the hub's
/// options-wide enum converter outranks a converter on the type.
/// </summary>
public sealed class DeadlineStateConverter() : JsonStringEnumConverter<DeadlineState>(JsonNamingPolicy.KebabCaseLower);

/// <summary>
/// One legal time limit of a case: the step it measures, when its clock started, when it is due, and where it stands.
/// <paramref name="MissedBy"/> is set only when missed: how late the step answered, or how long it is overdue.
/// <paramref name="CalendarCovered"/> is false when the period runs into a year the official calendar lacks, where
/// only weekends are known to be rest days and the due date may be early.
/// </summary>
public sealed record CaseDeadline(
    string Name,
    string Step,
    DateTimeOffset StartedAt,
    DateTimeOffset Due,
    [property: JsonConverter(typeof(DeadlineStateConverter))] DeadlineState State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? CompletedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TimeSpan? MissedBy,
    bool CalendarCovered);

/// <summary>
/// The deadlines of a case, from the contract's limits (provinces/README.md, "Legal time limits"), computed from its
/// steps' times and <c>now</c>; nothing is stored, and a deadline never changes the case's outcome. A limit whose
/// clock has not started (its step has not begun) is not listed yet.
/// </summary>
public static class CaseDeadlines
{
    public const string MarriageRegisteredSameDay = "marriage-registered-same-day-as-review";
    public const string NewbornDecided = "newborn-registration-decided";
    public const string NewbornWithinMonthOfBirth = "newborn-registered-within-month-of-birth";
    public const string TransferOutReviewed = "transfer-out-reviewed";
    public const string StudentEnrolled = "enrolment-reviewed";

    public const int NewbornDecisionWorkingDays = 5;
    public const int SchoolReviewWorkingDays = 10;

    /// <summary>Under this share of its time left, a pending deadline is at risk.</summary>
    public const double AtRiskShare = 0.2;

    public static IReadOnlyList<CaseDeadline> Of(CaseRecord record, DateTimeOffset now, WorkingCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(calendar);
        var deadlines = new List<CaseDeadline>();
        switch (record.CaseType)
        {
            case CaseTypeNames.Marriage:
                // The clock starts at the officer's approval; registration is due by midnight, Beijing time, that day.
                if (Find(record, StepNames.OfficerReview) is { Status: StepStatus.Succeeded, CompletedAt: { } approved })
                {
                    var day = BeijingTime.DateOf(approved);
                    deadlines.Add(Evaluate(MarriageRegisteredSameDay, record, StepNames.RegisterMarriage, approved, BeijingTime.EndOfDay(day), now,
                        calendar.Covers(day)));
                }

                break;
            case CaseTypeNames.Newborn:
                // Tracked, never enforced (a late registration is accepted): from the day of birth to the end of the same day a
                // month later (the last day of a shorter month when it has no such day), Beijing time; calendar days, not working days.
                if (record.NewbornBirthDate is { } born)
                {
                    deadlines.Add(Evaluate(NewbornWithinMonthOfBirth, record, StepNames.RegisterNewborn, BeijingTime.StartOfDay(born),
                        BeijingTime.EndOfDay(born.AddMonths(1)), now, covered: true));
                }

                AddWorkingDayLimit(deadlines, NewbornDecided, record, StepNames.RegisterNewborn, NewbornDecisionWorkingDays, now, calendar);
                break;
            case CaseTypeNames.SchoolTransfer:
                AddWorkingDayLimit(deadlines, TransferOutReviewed, record, StepNames.RequestTransferOut, SchoolReviewWorkingDays, now, calendar);
                AddWorkingDayLimit(deadlines, StudentEnrolled, record, StepNames.EnrollStudent, SchoolReviewWorkingDays, now, calendar);
                break;
        }

        return deadlines;
    }

    /// <summary>A step answered within <paramref name="workingDays"/> working days of its start: by the end of that day, Beijing time.</summary>
    private static void AddWorkingDayLimit(List<CaseDeadline> deadlines, string name, CaseRecord record, string stepName, int workingDays,
        DateTimeOffset now, WorkingCalendar calendar)
    {
        if (Find(record, stepName) is not { StartedAt: { } started }) return;
        var startDay = BeijingTime.DateOf(started);
        var dueDay = calendar.AddWorkingDays(startDay, workingDays);
        deadlines.Add(Evaluate(name, record, stepName, started, BeijingTime.EndOfDay(dueDay), now, calendar.Covers(startDay, dueDay)));
    }

    private static CaseDeadline Evaluate(string name, CaseRecord record, string stepName, DateTimeOffset started, DateTimeOffset due,
        DateTimeOffset now, bool covered)
    {
        // The clock stops at the step's answer, or, should the case end with the step unanswered (or never begun), when the case ended.
        var step = Find(record, stepName);
        DateTimeOffset? stopped = step is not null && step.Status.IsFinal() ? step.CompletedAt ?? record.UpdatedAt
            : record.Status.IsFinal() ? record.UpdatedAt
            : null;
        if (stopped is { } at)
        {
            return at <= due
                ? new CaseDeadline(name, stepName, started, due, DeadlineState.Met, at, null, covered)
                : new CaseDeadline(name, stepName, started, due, DeadlineState.Missed, at, at - due, covered);
        }

        if (now > due) return new CaseDeadline(name, stepName, started, due, DeadlineState.Missed, null, now - due, covered);
        var left = (due - now).Ticks / (double)Math.Max(1, (due - started).Ticks);
        return new CaseDeadline(name, stepName, started, due, left < AtRiskShare ? DeadlineState.AtRisk : DeadlineState.Pending, null, null, covered);
    }

    private static CaseStep? Find(CaseRecord record, string stepName) => record.Steps.Find(s => s.Name == stepName);
}

/// <summary>The deadlines of a case as of now, on the configured calendar: what the API shows.</summary>
public sealed class CaseDeadlineClock(WorkingCalendar calendar, TimeProvider time)
{
    public IReadOnlyList<CaseDeadline> Of(CaseRecord record) => CaseDeadlines.Of(record, time.GetUtcNow(), calendar);

    public HubShare HubShareOf(CaseRecord record) => HubShare.Of(record, time.GetUtcNow());
}
