using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Tongban.Cases;
using Tongban.Storage;

namespace Tongban.Workflows.Dispatch;

/// <summary>What a redrive did: the case as it now reads, and the steps it re-drove (none: nothing was waiting).</summary>
public sealed record RedriveResult(CaseRecord Case, IReadOnlyList<string> Steps);

/// <summary>
/// Re-drives a case's held steps (parked or failed), for an operator or the redrive timer: records who and why in the
/// case's audit trail, then raises the redrive event the orchestration waits on. Repeat-safe: a redrive the
/// orchestration no longer waits for re-drives nothing (at most one extra round of a later hold).
/// </summary>
public sealed partial class CaseRedriver(CaseStore cases, DurableTaskClient durable, TimeProvider time, ILogger<CaseRedriver> logger, Audit.AuditTrail audit)
{
    public const string Action = "redrive";

    /// <summary>Re-drives the case's steps awaiting a redrive that <paramref name="which"/> picks; null when the case does not exist.</summary>
    public async Task<RedriveResult?> RedriveAsync(string caseId, string actor, string reason, Func<CaseStep, bool> which, CancellationToken ct)
    {
        var steps = new List<string>();
        var at = time.GetUtcNow();
        StoredCase stored;
        try
        {
            stored = await cases.UpdateAsync(caseId, record =>
            {
                steps = record.Closed ? [] : record.Steps.Where(s => s.AwaitingRedrive && which(s)).Select(s => s.Key).ToList();
                if (steps.Count == 0) return false;
                foreach (var step in steps) record.Audit.Add(new CaseAuditEntry(at, Action, actor, step, reason));
                return true;
            }, ct);
        }
        catch (CaseNotFoundException)
        {
            return null;
        }

        foreach (var step in steps)
        {
            // The trail is the record that counts (chained, signed); the case row keeps its copy for the case's own view.
            await audit.AppendAsync(caseId, Audit.AuditFacts.Redrive(step, actor, reason, at), ct);
            await durable.RaiseEventAsync(caseId, CaseEvents.Redrive(step), new RedriveNotice(actor, reason), ct);
            StepRedriven(logger, caseId, step, actor);
        }

        return new RedriveResult(stored.Record, steps);
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Case {CaseId} step {Step} re-driven by {Actor}")]
    private static partial void StepRedriven(ILogger logger, string caseId, string step, string actor);
}
