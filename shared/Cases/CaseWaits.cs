namespace Tongban.Cases;

/// <summary>What an open step of a case waits for, and on whom: the console's "waiting for" list.</summary>
public sealed record StepAwaiting(string Step, string? Province, StepStatus Status, DateTimeOffset? Since, string Awaiting, string? Detail);

public static class CaseWaits
{
    /// <summary>
    /// Each step not yet settled, or held for a redrive: an operator (held failed), its province answering again (parked), an
    /// officer (review), or its province (a call, or slow work behind a ticket).
    /// </summary>
    public static IReadOnlyList<StepAwaiting> Of(CaseRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Closed) return [];
        return record.Steps
            .Where(s => s.AwaitingRedrive || (!s.Status.IsFinal() && s.Status != StepStatus.Pending))
            .Select(s => new StepAwaiting(s.Key, s.Province, s.Status, s.StartedAt, Awaiting(s, record.HandlingProvince), s.Detail))
            .ToList();
    }

    private static string Awaiting(CaseStep step, string handling)
    {
        var province = step.Province ?? handling;
        if (step.AwaitingRedrive) return step.Status == StepStatus.Failed ? "operator: a redrive" : $"province {province} to answer again (parked)";
        if (step.Name == StepNames.OfficerReview) return $"an officer of {province}";
        return step.Status == StepStatus.Waiting ? $"province {province}: slow work" : $"province {province}: a call";
    }
}
