namespace Tongban.Cases.Deadlines;

/// <summary>One province's record on one limit: how many steps answered, the share on time, and p50/p95 durations in working days.</summary>
public sealed record SlaLine(string Province, string Deadline, string Step, int Answered, double? OnTimeShare, int? P50WorkingDays, int? P95WorkingDays);

/// <summary>An open deadline an operator should look at: at risk or overdue.</summary>
public sealed record SlaOpenCase(string CaseId, string CaseType, string Province, string Deadline, DateTimeOffset StartedAt, DateTimeOffset Due,
    [property: System.Text.Json.Serialization.JsonConverter(typeof(DeadlineStateConverter))] DeadlineState State, TimeSpan? MissedBy);

/// <summary>
/// The hub's own share of the time of one handling province's cases against the 5 s goal: of the cases that ended, how many
/// and the share within it, p50/p95 of the hub's milliseconds; and how many open cases have already spent it.
/// </summary>
public sealed record HubShareLine(string Province, int Ended, double? WithinGoalShare, int? P50Ms, int? P95Ms, int OpenOverGoal);

/// <summary>
/// The operator's SLA view over a set of cases (issue 16): per province and limit, and the open deadlines at risk or
/// overdue, oldest first. A pure function of the cases and <c>now</c>, like <see cref="CaseDeadlines"/>.
/// </summary>
public sealed record SlaSummary(IReadOnlyList<SlaLine> Lines, IReadOnlyList<SlaOpenCase> Open, IReadOnlyList<HubShareLine> HubShare)
{
    public static SlaSummary Of(IEnumerable<CaseRecord> cases, DateTimeOffset now, WorkingCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var records = cases.ToList();
        var all = records
            .SelectMany(record => CaseDeadlines.Of(record, now, calendar).Select(d =>
                (Record: record, Deadline: d, Province: record.Steps.Find(s => s.Name == d.Step)?.Province ?? record.HandlingProvince)))
            .ToList();

        var lines = all
            .GroupBy(x => (x.Province, x.Deadline.Name, x.Deadline.Step))
            .OrderBy(g => g.Key.Province, StringComparer.Ordinal).ThenBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g =>
            {
                var answered = g.Where(x => x.Deadline.CompletedAt is not null).ToList();
                var days = answered
                    .Select(x => calendar.WorkingDaysBetween(BeijingTime.DateOf(x.Deadline.StartedAt), BeijingTime.DateOf(x.Deadline.CompletedAt!.Value)))
                    .Order().ToList();
                double? onTime = answered.Count == 0 ? null : answered.Count(x => x.Deadline.State == DeadlineState.Met) / (double)answered.Count;
                return new SlaLine(g.Key.Province, g.Key.Name, g.Key.Step, answered.Count, onTime, Percentile(days, 0.50), Percentile(days, 0.95));
            })
            .ToList();

        var open = all
            .Where(x => x.Deadline.CompletedAt is null && x.Deadline.State is DeadlineState.AtRisk or DeadlineState.Missed)
            .OrderBy(x => x.Deadline.StartedAt)
            .Select(x => new SlaOpenCase(x.Record.CaseId, x.Record.CaseType, x.Province, x.Deadline.Name, x.Deadline.StartedAt, x.Deadline.Due,
                x.Deadline.State, x.Deadline.MissedBy))
            .ToList();
        var hubShare = records
            .Select(r => (r.HandlingProvince, Ended: r.Status.IsFinal(), Share: Deadlines.HubShare.Of(r, now)))
            .GroupBy(x => x.HandlingProvince).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var ended = g.Where(x => x.Ended).ToList();
                var ms = ended.Select(x => (int)Math.Min(int.MaxValue, x.Share.Spent.TotalMilliseconds)).Order().ToList();
                double? within = ended.Count == 0 ? null : ended.Count(x => x.Share.State == DeadlineState.Met) / (double)ended.Count;
                return new HubShareLine(g.Key, ended.Count, within, Percentile(ms, 0.50), Percentile(ms, 0.95),
                    g.Count(x => !x.Ended && x.Share.State == DeadlineState.Missed));
            })
            .ToList();
        return new SlaSummary(lines, open, hubShare);
    }

    /// <summary>Nearest-rank percentile of sorted values; null when there are none.</summary>
    private static int? Percentile(List<int> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
