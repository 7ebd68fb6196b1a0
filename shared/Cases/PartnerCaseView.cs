using Tongban.Cases.Deadlines;

namespace Tongban.Cases;

/// <summary>One operator action as a partner sees it: what was done to which step, and when.</summary>
public sealed record PartnerAuditEntry(DateTimeOffset At, string Action, string? Step);

/// <summary>
/// A case as the partner API shows it, in responses and in callbacks: the stored record without what belongs to the
/// hub's operators. An audit entry keeps its action, step and time; the actor (an operator's ID) and the detail
/// (the operator's free text, which may name a person) stay with operators, who read the whole record.
/// <c>Deadlines</c> are the case's legal time limits as of the moment the view is made (<see cref="CaseDeadlines"/>), <c>HubShare</c>
/// the hub's own share of its time against the 5 s goal (<see cref="Deadlines.HubShare"/>); neither stored. The waits behind
/// the hub share stay in the record.
/// </summary>
public sealed record PartnerCaseView(
    string CaseId, string CaseType, string Reference, CaseStatus Status, string HandlingProvince, IReadOnlyList<string> InvolvedProvinces,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<CaseStep> Steps, CaseOutcome? Outcome, IReadOnlyList<PartnerAuditEntry> Audit,
    IReadOnlyList<CaseDeadline> Deadlines, HubShare? HubShare = null)
{
    public static PartnerCaseView Of(CaseRecord record, IReadOnlyList<CaseDeadline> deadlines, HubShare? hubShare = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(deadlines);
        return new(record.CaseId, record.CaseType, record.Reference, record.Status, record.HandlingProvince, record.InvolvedProvinces,
            record.CreatedAt, record.UpdatedAt, record.Steps, record.Outcome, record.Audit.Select(a => new PartnerAuditEntry(a.At, a.Action, a.Step)).ToList(), deadlines, hubShare);
    }
}
