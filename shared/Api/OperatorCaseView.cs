using Tongban.Cases;
using Tongban.Cases.Deadlines;

namespace Tongban.Api;

/// <summary>
/// A case as the redrive answer shows it to operators: the record's own fields, audit actors and details and the spans it
/// waited on others included (schema <c>OperatorCase</c>). A field added to the stored <see cref="CaseRecord"/> shows here only
/// when it is mapped.
/// </summary>
public sealed record OperatorCaseView(
    string CaseId, string CaseType, string Reference, CaseStatus Status, string HandlingProvince, IReadOnlyList<string> InvolvedProvinces,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<CaseStep> Steps, CaseOutcome? Outcome, IReadOnlyList<CaseAuditEntry> Audit,
    IReadOnlyList<CaseWait> Waits)
{
    public static OperatorCaseView Of(CaseRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.CaseId, record.CaseType, record.Reference, record.Status, record.HandlingProvince, record.InvolvedProvinces,
            record.CreatedAt, record.UpdatedAt, record.Steps, record.Outcome, record.Audit, record.Waits);
    }
}
