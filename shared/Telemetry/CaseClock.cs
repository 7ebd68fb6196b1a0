using Tongban.Cases;

namespace Tongban.Telemetry;

/// <summary>
/// The hub's own share of a case's time, as bench/ measures it: from the case's creation to its end, less the time it waited
/// on people outside the hub: the officer's review (marriage) and the provinces' slow work (the police's newborn review, the
/// schools' transfer-out review), each from its step's start to its answer. Province calls count as the hub's time.
/// </summary>
public static class CaseClock
{
    /// <summary>Steps whose time is spent by people outside the hub.</summary>
    public static readonly IReadOnlySet<string> ExternalSteps = new HashSet<string>(StringComparer.Ordinal)
    {
        StepNames.OfficerReview, StepNames.RegisterNewborn, StepNames.RequestTransferOut,
    };

    /// <summary>The case's whole time and the hub's share of it, the case ending at <paramref name="end"/>.</summary>
    public static (TimeSpan CaseTime, TimeSpan HubTime) Of(CaseRecord record, DateTimeOffset end)
    {
        ArgumentNullException.ThrowIfNull(record);
        var caseTime = end - record.CreatedAt;
        var waited = record.Steps
            .Where(s => ExternalSteps.Contains(s.Name) && s.StartedAt is not null)
            .Select(s => (s.CompletedAt ?? end) - s.StartedAt!.Value)
            .Where(t => t > TimeSpan.Zero)
            .Aggregate(TimeSpan.Zero, (sum, t) => sum + t);
        var hub = caseTime - waited;
        return (caseTime, hub < TimeSpan.Zero ? TimeSpan.Zero : hub);
    }
}
