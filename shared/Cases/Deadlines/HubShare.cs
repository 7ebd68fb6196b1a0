using System.Text.Json.Serialization;

namespace Tongban.Cases.Deadlines;

/// <summary>
/// A span of a case's time spent waiting on someone else: a province call or its slow work (<see cref="On"/> = the province
/// code), or the officer's review (<see cref="Officer"/>). <see cref="To"/> is null while the wait goes on. Stored on the case
/// row (no personal data: a step key, a province code and two times).
/// </summary>
public sealed record CaseWait(string Step, string On, DateTimeOffset From, DateTimeOffset? To)
{
    public const string Officer = "officer";
}

/// <summary>
/// The hub's own share of a case's time (the contract's goal: under <see cref="Limit"/>): the case's elapsed time, from its
/// creation to its end (or now), less every span it waited on a province or an officer (<see cref="CaseWait"/>, overlapping
/// spans counted once). <c>met</c> or <c>missed</c> once the case has ended, <c>pending</c> or <c>at-risk</c> (under 20% of
/// the budget left) while it is open, <c>missed</c> as soon as it is spent. Tracked only: it never changes an outcome.
/// </summary>
public sealed record HubShare(
    TimeSpan Spent,
    TimeSpan Limit,
    TimeSpan Elapsed,
    [property: JsonConverter(typeof(DeadlineStateConverter))] DeadlineState State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TimeSpan? MissedBy)
{
    public static readonly TimeSpan Goal = TimeSpan.FromSeconds(5);

    public static HubShare Of(CaseRecord record, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        var ended = record.Status.IsFinal();
        var end = ended ? record.UpdatedAt : now;
        if (end < record.CreatedAt) end = record.CreatedAt;
        var spans = record.Waits.Select(w => (From: w.From, To: w.To ?? end));
        // An officer review not (yet) decided: the officer's from the step's start until now, or until the case ended (expired).
        if (record.Steps.Find(s => s.Name == StepNames.OfficerReview) is { StartedAt: { } reviewFrom } review
            && !record.Waits.Any(w => w.On == CaseWait.Officer))
        {
            spans = spans.Append((reviewFrom, review.Status.IsFinal() ? review.CompletedAt ?? end : end));
        }

        var waited = TimeSpan.Zero;
        DateTimeOffset? from = null, to = null;
        foreach (var (f, t) in spans.Select(s => (F: Clip(s.From, record.CreatedAt, end), T: Clip(s.To, record.CreatedAt, end)))
            .Where(s => s.T > s.F).OrderBy(s => s.F))
        {
            if (to is { } open && f <= open)
            {
                if (t > open) to = t;
                continue;
            }

            if (from is not null) waited += to!.Value - from.Value;
            (from, to) = (f, t);
        }

        if (from is not null) waited += to!.Value - from.Value;
        var elapsed = end - record.CreatedAt;
        var spent = elapsed - waited;
        if (spent > Goal) return new HubShare(spent, Goal, elapsed, DeadlineState.Missed, spent - Goal);
        if (ended) return new HubShare(spent, Goal, elapsed, DeadlineState.Met, null);
        var left = (Goal - spent).Ticks / (double)Goal.Ticks;
        return new HubShare(spent, Goal, elapsed, left < CaseDeadlines.AtRiskShare ? DeadlineState.AtRisk : DeadlineState.Pending, null);
    }

    private static DateTimeOffset Clip(DateTimeOffset at, DateTimeOffset min, DateTimeOffset max) => at < min ? min : at > max ? max : at;
}
