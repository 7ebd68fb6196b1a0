using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Tongban.Cases;
using Tongban.Cases.Validation;
using Tongban.Storage;
using Tongban.Workflows;

namespace Tongban.Api;

/// <summary>
/// The partner API's handlers, on ASP.NET Core's HttpRequest/IResult so the Functions app and the
/// devhost serve the very same code. Opening a case is <see cref="OpenCaseHandler"/>'s.
/// </summary>
public sealed partial class CaseApi(
    PartnerAuthenticator authenticator,
    OpenCaseHandler opener,
    CaseStore cases,
    DurableTaskClient durable,
    ContinuationTokens continuationTokens,
    PartnerCaseResults results,
    TimeProvider time,
    ILogger<CaseApi> logger,
    Audit.AuditTrail audit,
    Workflows.Activities.CaseActivities activities)
{
    public async Task<IResult> OpenCaseAsync(HttpRequest request)
    {
        if (!(await ReadSignedAsync(request, requireJson: true)).TryGet(out var signed, out var problem)) return problem;
        return await opener.HandleAsync(signed, request.Headers["Idempotency-Key"].ToString(), request.HttpContext.RequestAborted);
    }

    public Task<IResult> GetCaseAsync(HttpRequest request, string caseId) => AnswerSignedReadAsync(request, async caller =>
    {
        var stored = await FindAsync(caller, caseId, request.HttpContext.RequestAborted);
        return stored is null ? Problems.NotFound() : results.Result(stored.Record, StatusCodes.Status200OK);
    });

    public Task<IResult> ListCasesAsync(HttpRequest request) => AnswerSignedReadAsync(request, async caller =>
    {
        var validated = CaseQueryValidator.Validate(request.Query);
        var errors = validated.Errors;
        var tokens = continuationTokens.ForPartner(caller);
        var continuation = tokens.Open(validated.Value?.Continuation, errors);
        if (!errors.IsEmpty || validated.Value is null) return Problems.Validation(errors.ToDictionary());
        var query = validated.Value;
        var page = await cases.ListAsync(caller, query.Status is null ? null : Enum.Parse<CaseStatus>(query.Status),
            query.CaseType?.ToWire(), query.UpdatedSince, query.PageSize, continuation, request.HttpContext.RequestAborted);
        return Results.Json(new { items = page.Items.Select(results.View), continuation = tokens.Seal(page.ContinuationToken) }, TongbanJson.Options);
    });

    public async Task<IResult> DecideAsync(HttpRequest request, string caseId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (!(await ReadSignedAsync(request, requireJson: true)).TryGet(out var signed, out var problem)) return problem;
        var partner = signed.Caller;
        var stored = await FindAsync(partner, caseId, ct, toWrite: true);
        if (stored is null) return Problems.NotFound();
        if (!signed.TryParseJson(out var json)) return RequestBody.NotJson();
        var validated = DecisionValidator.Validate(json);
        if (validated.Value is null) return Problems.Validation(validated.Errors.ToDictionary());
        var decision = validated.Value;

        // The step is marked before the decision is raised, so two different decisions never both reach the orchestration. A
        // crash in between would leave the step marked and the decision unsent: the same decision asked again (what a partner
        // does after a lost answer) is raised again, as long as the orchestration has not moved the step on. From workflow
        // version 7 an approval's write also sends the step the case's approval sends (CaseRecord.OnApproval): the same
        // approval asked again queues it again while it runs.
        var wire = decision.Decision == OfficerDecision.Approve ? "approve" : "reject";
        var received = DecisionReceived(wire, decision.Officer);
        var accepted = false;
        var sent = false;
        var forbidden = false;
        var before = (CaseStatus?)null;
        var updated = await cases.UpdateAsync(caseId, stored, record =>
        {
            (accepted, sent, forbidden, before) = (false, false, false, record.Status);
            var step = record.FindStep(decision.Step);
            // Judged on the row the decision is written on (the one found may be this process's last write of it, without a step
            // the workflow has added since): a step's province, else the handling province's.
            forbidden = (step?.Province ?? record.HandlingProvince) != partner;
            if (forbidden || step is null || record.Status.IsFinal()) return false;
            if ((step.Status == StepStatus.Running && step.Detail == received)
                || (wire == "approve" && Workflows.Activities.CaseActivities.SentOnApproval(record, step, decision.Officer)))
            {
                accepted = true;
                sent = step.Status == StepStatus.Succeeded;
                return false;
            }

            if (step.Status != StepStatus.Waiting) return false;
            // The officer's time ends here, not when the orchestration acts on the decision (that is the hub's).
            var decidedAt = time.GetUtcNow();
            record.Waits.Add(new Cases.Deadlines.CaseWait(step.Key, Cases.Deadlines.CaseWait.Officer, step.StartedAt ?? decidedAt, decidedAt));
            accepted = true;
            sent = wire == "approve" && Workflows.Activities.CaseActivities.SendOnApproval(record, step, decision.Officer, decidedAt);
            if (!sent) (step.Status, step.Detail) = (StepStatus.Running, received);
            return true;
        }, ct);
        if (forbidden) return Problems.Forbidden("Only the province that owns this step may decide it.");
        if (!accepted) return Problems.Conflict($"Step {decision.Step} is not waiting for a decision.");

        var decided = Audit.AuditFacts.Decision(decision.Step, partner, wire, decision.Officer);
        var traceParent = Telemetry.TongbanTelemetry.CurrentTraceParent;
        if (sent)
        {
            // The step is queued before the decision reaches the trail and the orchestration: a crash in between leaves the
            // partner's retry to do the rest (and the workflow's time-out re-sends a step never queued).
            await activities.SendApprovedAsync(updated.Record, ct);
            await activities.StatusChangedAsync(updated.Record, before, traceParent, ct, causes: [decided]);
        }
        else
        {
            await audit.AppendAsync(caseId, decided, ct);
        }

        await durable.RaiseEventAsync(caseId, CaseEvents.Decision(decision.Step), new OfficerDecisionEvent(wire, decision.Officer, decision.Reason, traceParent) { Sent = sent }, ct);
        StepDecided(logger, caseId, decision.Step, wire);
        return results.Result(updated.Record, StatusCodes.Status202Accepted);
    }

    /// <summary><c>GET v1/cases/{caseId}/audit</c>: the case's audit trail, without operators' or officers' identities and free text.</summary>
    public Task<IResult> GetCaseAuditAsync(HttpRequest request, string caseId) => AnswerSignedReadAsync(request, async caller =>
    {
        var ct = request.HttpContext.RequestAborted;
        if (await FindAsync(caller, caseId, ct) is null) return Problems.NotFound();
        return Results.Json(Audit.AuditView.Of(await audit.ReadAsync(caseId, ct), forOperator: false), TongbanJson.Options);
    });

    /// <summary>What a review step shows between taking a decision and the orchestration acting on it.</summary>
    public static string DecisionReceived(string decision, string officer) => $"decision {decision} received from {officer}";

    public async Task<IResult> WithdrawAsync(HttpRequest request, string caseId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (!(await ReadSignedAsync(request, requireJson: true)).TryGet(out var signed, out var problem)) return problem;
        var partner = signed.Caller;
        var stored = await FindAsync(partner, caseId, ct, toWrite: true);
        if (stored is null) return Problems.NotFound();
        if (stored.Record.HandlingProvince != partner) return Problems.Forbidden("Only the handling province may withdraw a case.");
        if (!signed.TryParseJson(out var json)) return RequestBody.NotJson();
        var validated = WithdrawalValidator.Validate(json);
        if (validated.Value is null) return Problems.Validation(validated.Errors.ToDictionary());

        string? refusal = null;
        var updated = await cases.UpdateAsync(caseId, stored, record =>
        {
            refusal = record.Status.IsFinal() ? $"The case already ended {record.Status}."
                : record.IrreversibleStep is not null ? $"The case has passed its irreversible step ({record.IrreversibleStep})."
                // Recorded by the dispatcher before the workflow hears of it: from then on the enrolment stands.
                : record.FindStep(StepNames.EnrollStudent)?.Status == StepStatus.Succeeded ? $"The case has passed its irreversible step ({StepNames.EnrollStudent})."
                : null;
            if (refusal is not null || record.WithdrawalRequested) return false;
            record.WithdrawalRequested = true;
            return true;
        }, ct);
        if (refusal is not null) return Problems.Conflict(refusal);

        await audit.AppendAsync(caseId, Audit.AuditFacts.Withdrawal(partner), ct);
        await durable.RaiseEventAsync(caseId, CaseEvents.Withdrawal, new WithdrawalNotice(validated.Value.Reason), ct);
        WithdrawalRequested(logger, caseId);
        return results.Result(updated.Record, StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// The case, when its ID is well formed, it exists and it involves <paramref name="partner"/>; else null (a 404: a partner never
    /// learns of another's case). <paramref name="toWrite"/>: for a call that writes it (a decision, a withdrawal), the case as this
    /// process last wrote it when it has, without a read: who a case involves and which province handles it never change (cases are
    /// never deleted), and the call's write, conditional on that row's ETag, is refused on a row written since and made again on the
    /// row as stored, where the call's rules are judged again.
    /// </summary>
    private async Task<StoredCase?> FindAsync(string partner, string caseId, CancellationToken ct, bool toWrite = false)
    {
        if (!CaseIds.IsWellFormed(caseId)) return null;
        var stored = (toWrite ? cases.LastWritten(caseId) : null) ?? await cases.GetAsync(caseId, ct);
        return stored is not null && stored.Record.Involves(partner) ? stored : null;
    }

    private Task<SignedRequestResult> ReadSignedAsync(HttpRequest request, bool requireJson) =>
        SignedRequest.ReadAsync(request, requireJson, authenticator.AuthenticateAsync);

    /// <summary>
    /// A partner's signed request that only reads: <paramref name="read"/>'s answer for the partner, read while its nonce is recorded
    /// (<see cref="PartnerAuthenticator.AnswerReadAsync"/>); a body over the limit is refused first, as for every signed request.
    /// </summary>
    private async Task<IResult> AnswerSignedReadAsync(HttpRequest request, Func<string, Task<IResult>> read)
    {
        var body = await RequestBody.ReadAsync(request, request.HttpContext.RequestAborted);
        if (body is null) return Problems.PayloadTooLarge(RequestBody.Limit);
        return await authenticator.AnswerReadAsync(request, body, read, request.HttpContext.RequestAborted);
    }

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information, Message = "Case {CaseId} step {Step} decided {Decision}")]
    private static partial void StepDecided(ILogger logger, string caseId, string step, string decision);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Information, Message = "Case {CaseId} withdrawal requested")]
    private static partial void WithdrawalRequested(ILogger logger, string caseId);
}
