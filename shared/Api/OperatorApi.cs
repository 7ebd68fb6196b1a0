using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tongban.Cases;
using Tongban.Cases.Validation;
using Tongban.Provinces;
using Tongban.Security;
using Tongban.Storage;
using Tongban.Workflows.Dispatch;

namespace Tongban.Api;

/// <summary>
/// The operator API (<c>/api/v1/operator/*</c>), signed by an operator (<c>Tongban:Operators</c>, header
/// <c>X-Tongban-Operator</c>), never by a partner: what needs attention, province health, redrive of a held case,
/// poison messages back onto their queue.
/// </summary>
public sealed partial class OperatorApi(
    PartnerAuthenticator authenticator, AttentionIndex attention, ProvinceHealthStore health, ProvinceStepQueue queue,
    ProvinceRegistry provinces, CaseStore cases, CaseRedriver redriver, Cases.Deadlines.WorkingCalendar calendar, TimeProvider time,
    ILogger<OperatorApi> logger, CitizenIndex citizens, OperatorAuditLog operatorAudit, ContinuationTokens continuationTokens, Audit.AuditTrail audit, Audit.AuditVerifier verifier,
    Cases.Deadlines.CaseDeadlineClock deadlines, Callbacks.PartnerCallbackOutbox callbacks, Telemetry.MetricWindow metricWindow)
{
    /// <summary>How far back the SLA view reads cases (by last update): it reads every such case row.</summary>
    public static readonly TimeSpan SlaWindow = TimeSpan.FromDays(90);

    /// <summary>
    /// <c>GET v1/operator/sla</c>: per province and limit, the on-time share and p50/p95 working days; open deadlines at risk
    /// or overdue, oldest first; over the cases updated in the last <see cref="SlaWindow"/>.
    /// </summary>
    public async Task<IResult> SlaAsync(HttpRequest request)
    {
        if (!(await ReadSignedAsync(request, requireJson: false)).TryGet(out _, out var problem)) return problem;
        var ct = request.HttpContext.RequestAborted;
        var now = time.GetUtcNow();
        var found = new Dictionary<string, Cases.CaseRecord>(StringComparer.Ordinal);
        foreach (var code in provinces.Codes.Order(StringComparer.Ordinal))
        {
            string? continuation = null;
            do
            {
                var page = await cases.ListAsync(code, null, null, now - SlaWindow, 100, continuation, ct);
                // A case shows under each province it involves: counted once.
                foreach (var record in page.Items) found.TryAdd(record.CaseId, record);
                continuation = page.ContinuationToken;
            }
            while (continuation is not null);
        }

        var summary = Cases.Deadlines.SlaSummary.Of(found.Values, now, calendar);
        return Results.Json(new { since = now - SlaWindow, lines = summary.Lines, open = summary.Open, hubShare = summary.HubShare }, TongbanJson.Options);
    }

    /// <summary><c>GET v1/operator/attention[?province=]</c>: steps flagged, parked or held failed, and cases whose callbacks stopped (under their partner), oldest first.</summary>
    public async Task<IResult> ListAttentionAsync(HttpRequest request)
    {
        if (!(await ReadSignedAsync(request, requireJson: false)).TryGet(out _, out var problem)) return problem;
        var province = request.Query["province"].ToString();
        if (province.Length > 0 && !provinces.Codes.Contains(province))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["province"] = ["Not a configured province code."] });
        }

        var codes = province.Length > 0 ? [province] : provinces.Codes.Order(StringComparer.Ordinal).ToList();
        var lists = await Task.WhenAll(codes.Select(code => attention.ListAsync(code, request.HttpContext.RequestAborted)));
        var items = lists.SelectMany(l => l).OrderBy(i => i.Since).Select(i => new
        {
            i.CaseId, i.CaseType, caseStatus = i.CaseStatus, step = i.Step, province = i.Province, status = i.Status,
            i.AwaitingRedrive, parked = i.Parked, reason = i.Reason, i.Detail, i.Since,
        });
        return Results.Json(new { items }, TongbanJson.Options);
    }

    /// <summary><c>GET v1/operator/provinces</c>: each province's circuit, last answer and failure, queue and poison depth, parked steps.</summary>
    public async Task<IResult> ListProvincesAsync(HttpRequest request)
    {
        if (!(await ReadSignedAsync(request, requireJson: false)).TryGet(out _, out var problem)) return problem;
        var ct = request.HttpContext.RequestAborted;
        var items = await Task.WhenAll(provinces.Codes.Order(StringComparer.Ordinal).Select(async code =>
        {
            var seen = await health.GetAsync(code, ct);
            var depth = await queue.DepthAsync(code, ct);
            var waiting = await attention.ListAsync(code, ct);
            return new
            {
                province = code, circuit = seen.Circuit, seen.CircuitChangedAt, seen.LastAnsweredAt, seen.LastFailedAt, answering = seen.Answering,
                depth.Queued, depth.Poisoned, parked = waiting.Count(i => i.Parked), held = waiting.Count(i => i.AwaitingRedrive && !i.Parked),
                callbacksStopped = waiting.Count(i => i.Reason == "callbacks"),
            };
        }));
        return Results.Json(new { items }, TongbanJson.Options);
    }

    /// <summary>
    /// <c>POST v1/operator/cases/{caseId}/redrive</c> <c>{"reason": "...", "step": "optional step key"}</c>: re-drives the
    /// case's held steps from a new round, recorded in its audit trail. 202 with the case; 409 when nothing awaits a redrive.
    /// </summary>
    public async Task<IResult> RedriveAsync(HttpRequest request, string caseId)
    {
        if (!(await ReadSignedAsync(request, requireJson: true)).TryGet(out var signed, out var problem)) return problem;
        var operatorId = signed.Caller;
        var ct = request.HttpContext.RequestAborted;
        if (!Cases.CaseIds.IsWellFormed(caseId) || await cases.GetAsync(caseId, ct) is null) return Problems.NotFound();
        if (!signed.TryParseJson(out var json)) return RequestBody.NotJson();
        var validated = RedriveValidator.Validate(json);
        if (validated.Value is not { } redrive) return Problems.Validation(validated.Errors.ToDictionary());

        var done = await redriver.RedriveAsync(caseId, $"operator {operatorId}", redrive.Reason, s => redrive.Step is null || s.Key == redrive.Step, ct);
        if (done is null) return Problems.NotFound();
        if (done.Steps.Count == 0)
        {
            return Problems.Conflict(redrive.Step is null
                ? "No step of this case awaits a redrive: it is moving, or it has closed."
                : $"Step {redrive.Step} does not await a redrive.");
        }

        CaseRedrivenByOperator(logger, caseId, operatorId, string.Join(", ", done.Steps));
        return Results.Json(OperatorCaseView.Of(done.Case), TongbanJson.Options, "application/json", StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// <c>POST v1/operator/provinces/{code}/poison/requeue</c> <c>{"reason": "..."}</c>: moves the province's poison messages
    /// back onto its queue, recorded in the operators' audit log (before the move; how many moved, after).
    /// </summary>
    public async Task<IResult> RequeuePoisonAsync(HttpRequest request, string code)
    {
        if (!(await ReadSignedAsync(request, requireJson: true)).TryGet(out var signed, out var problem)) return problem;
        var operatorId = signed.Caller;
        if (!provinces.Codes.Contains(code)) return Problems.NotFound($"Province {code} is not configured.");
        if (!signed.TryParseJson(out var json)) return RequestBody.NotJson();
        var validated = OperatorActionValidator.ValidateReason(json);
        if (validated.Value is not { } reason) return Problems.Validation(validated.Errors.ToDictionary());

        var ct = request.HttpContext.RequestAborted;
        var entry = await operatorAudit.AppendAsync(operatorId, OperatorActions.PoisonRequeue, code, null, reason, null, ct);
        var moved = await queue.RequeuePoisonAsync(code, int.MaxValue, ct);
        await operatorAudit.SetResultsAsync(entry.Id, moved, ct);
        PoisonRequeuedByOperator(logger, operatorId, moved, code, entry.Id);
        return Results.Json(new { province = code, moved }, TongbanJson.Options);
    }

    /// <summary>
    /// <c>POST v1/operator/case-search</c> <c>{"idNumber": "...", "reason": "..."}</c>: every case that names the ID number
    /// (party, parent, child or student), found by its keyed hash under each key of the ring. The search is appended to the
    /// operators' audit log (masked number, keyed hash, reason) before it runs, and its result count after; the number is in
    /// the body only, never in a URL or a log line.
    /// </summary>
    public async Task<IResult> SearchCasesAsync(HttpRequest request)
    {
        if (!(await ReadSignedAsync(request, requireJson: true)).TryGet(out var signed, out var problem)) return problem;
        var operatorId = signed.Caller;
        if (!signed.TryParseJson(out var json)) return RequestBody.NotJson();
        var ct = request.HttpContext.RequestAborted;
        var validated = OperatorActionValidator.ValidateSearch(json, BeijingTime.Today(time));
        if (validated.Value is not { } search) return Problems.Validation(validated.Errors.ToDictionary());

        var idNumber = search.IdNumber.Value;
        var entry = await operatorAudit.AppendAsync(operatorId, OperatorActions.CaseSearch, IdNumberMask.Mask(idNumber),
            citizens.HashOf(idNumber), search.Reason, null, ct);
        var found = await citizens.FindAsync(idNumber, ct);
        var rows = await Task.WhenAll(found.Select(async f => (Found: f, Stored: await cases.GetAsync(f.CaseId, ct))));
        // An index row whose case row never came (the open died in between) names no case: it is left out.
        var items = rows.Where(r => r.Stored is not null).Select(r => new
        {
            r.Found.CaseId, r.Found.CaseType, status = r.Stored!.Record.Status, roles = r.Found.Roles, r.Found.HandlingProvince, r.Found.CreatedAt,
        }).ToList();
        await operatorAudit.SetResultsAsync(entry.Id, items.Count, ct);
        CitizenCasesSearched(logger, operatorId, items.Count, entry.Id);
        return Results.Json(new { items }, TongbanJson.Options);
    }

    /// <summary><c>GET v1/operator/operator-audit[?pageSize=&amp;continuation=]</c>: the operators' audit log, newest first, paged.</summary>
    public async Task<IResult> ListOperatorAuditAsync(HttpRequest request)
    {
        if (!(await ReadSignedAsync(request, requireJson: false)).TryGet(out var signed, out var problem)) return problem;
        var operatorId = signed.Caller;
        var validated = CaseQueryValidator.Validate(request.Query.Where(q => q.Key is "pageSize" or "continuation"));
        var errors = validated.Errors;
        // Sealed to the operator who was given it (in a namespace of its own, apart from the partners' tokens).
        var tokens = continuationTokens.ForOperator(operatorId);
        var continuation = tokens.Open(validated.Value?.Continuation, errors);
        if (!errors.IsEmpty || validated.Value is null) return Problems.Validation(errors.ToDictionary());
        var page = await operatorAudit.ListAsync(validated.Value.PageSize, continuation, request.HttpContext.RequestAborted);
        return Results.Json(new { items = page.Items, continuation = tokens.Seal(page.ContinuationToken) }, TongbanJson.Options);
    }

    /// <summary><c>GET v1/operator/cases/{caseId}/audit</c>: the case's whole audit trail, actors and details included.</summary>
    public async Task<IResult> CaseAuditAsync(HttpRequest request, string caseId)
    {
        if (!(await ReadSignedAsync(request, requireJson: false)).TryGet(out _, out var problem)) return problem;
        var ct = request.HttpContext.RequestAborted;
        if (!Cases.CaseIds.IsWellFormed(caseId) || await cases.GetAsync(caseId, ct) is null) return Problems.NotFound();
        return Results.Json(Audit.AuditView.Of(await audit.ReadAsync(caseId, ct), forOperator: true), TongbanJson.Options);
    }

    /// <summary>
    /// <c>GET v1/operator/audit/verification[?caseId=]</c>: checks one case's trail or every case's (chain and signed head, with
    /// the public key alone) and reports the first fault of each.
    /// </summary>
    public async Task<IResult> VerifyAuditAsync(HttpRequest request)
    {
        if (!(await ReadSignedAsync(request, requireJson: false)).TryGet(out var signed, out var problem)) return problem;
        var operatorId = signed.Caller;
        var caseId = request.Query["caseId"].ToString();
        if (request.Query.ContainsKey("caseId") && !Cases.CaseIds.IsWellFormed(caseId))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["caseId"] = ["Not a case ID (c- and 32 lower-case hex digits)."] });
        }

        // An unknown case has no trail to check: 404, as its trail's own endpoint answers, not "0 entries, every chain holds".
        if (caseId.Length > 0 && await cases.GetAsync(caseId, request.HttpContext.RequestAborted) is null) return Problems.NotFound();
        var result = await verifier.VerifyAsync(caseId.Length > 0 ? caseId : null, request.HttpContext.RequestAborted);
        AuditVerified(logger, operatorId, result.CheckedCases, result.CheckedEntries, result.Failures.Count);
        return Results.Json(new
        {
            checkedCases = result.CheckedCases, checkedEntries = result.CheckedEntries, elapsedMs = result.ElapsedMs,
            failures = result.Failures.Select(f => new { caseId = f.CaseId, seq = f.Seq, problem = f.Problem }),
        }, TongbanJson.Options);
    }

    /// <summary>
    /// <c>GET v1/operator/cases?status=&amp;type=&amp;province=&amp;from=&amp;to=&amp;pageSize=&amp;continuation=</c>: cases of every
    /// province (or one), newest first, as the case list shows them, paged; the token is bound to the operator.
    /// </summary>
    public async Task<IResult> ListCasesAsync(HttpRequest request)
    {
        if (!(await ReadSignedAsync(request, requireJson: false)).TryGet(out var signed, out var problem)) return problem;
        var operatorId = signed.Caller;
        var validated = OperatorCaseQueryValidator.Validate(request.Query, provinces.Codes.ToHashSet(StringComparer.Ordinal));
        var errors = validated.Errors;
        var tokens = continuationTokens.ForOperator(operatorId);
        var after = tokens.Open(validated.Value?.Continuation, errors);
        if (!errors.IsEmpty || validated.Value is not { } query) return Problems.Validation(errors.ToDictionary());

        var codes = query.Province is { } one ? [one] : provinces.Codes.Order(StringComparer.Ordinal).ToList();
        var (items, next) = await cases.ListNewestAsync(codes, query.Status is null ? null : Enum.Parse<Cases.CaseStatus>(query.Status),
            query.CaseType?.ToWire(), query.From, query.To, after, query.PageSize, request.HttpContext.RequestAborted);
        return Results.Json(new
        {
            items = items.Select(r => new
            {
                r.CaseId, r.CaseType, r.Reference, r.Status, r.HandlingProvince, r.InvolvedProvinces, r.CreatedAt, r.UpdatedAt,
                needsAttention = r.Steps.Any(s => s.NeedsAttention), awaitingRedrive = r.Steps.Any(s => s.AwaitingRedrive),
            }),
            continuation = tokens.Seal(next),
        }, TongbanJson.Options);
    }

    /// <summary>
    /// <c>GET v1/operator/cases/{caseId}</c>: the whole case as operators see it (masked as the API masks): every step with its
    /// attempts, what it waits for and on whom, its deadlines, the audit entries with who and why, and its callbacks (sent,
    /// delivered, pending with their last failure).
    /// </summary>
    public async Task<IResult> GetCaseAsync(HttpRequest request, string caseId)
    {
        if (!(await ReadSignedAsync(request, requireJson: false)).TryGet(out _, out var problem)) return problem;
        var ct = request.HttpContext.RequestAborted;
        if (!Cases.CaseIds.IsWellFormed(caseId) || await cases.GetAsync(caseId, ct) is not { } stored) return Problems.NotFound();
        var record = stored.Record;
        var pending = await callbacks.PendingAsync(caseId, ct);
        return Results.Json(new
        {
            record.CaseId, record.CaseType, record.Reference, record.Status, record.HandlingProvince, record.InvolvedProvinces,
            record.CreatedAt, record.UpdatedAt, record.Steps, record.Outcome, record.Audit, closed = record.Closed,
            deadlines = deadlines.Of(record),
            waitingFor = Cases.CaseWaits.Of(record),
            callbacks = new
            {
                sent = record.CallbackSequence,
                delivered = record.CallbackSequence - pending.Count,
                pending = pending.Select(p => new { p.Sequence, p.FailedAttempts, p.FirstFailedAt, p.LastFailure, p.Stopped }),
            },
        }, TongbanJson.Options);
    }

    /// <summary>
    /// <c>GET v1/operator/metrics[?province=&amp;windowMinutes=]</c>: per province over the window (default the last hour) calls, errors,
    /// error rate, latency p50/p95, circuit and each minute; and every instrument's points, from this process's own window.
    /// </summary>
    public async Task<IResult> MetricsAsync(HttpRequest request)
    {
        if (!(await ReadSignedAsync(request, requireJson: false)).TryGet(out _, out var problem)) return problem;
        var validated = Telemetry.MetricsQuery.Validate(request.Query, provinces.Codes);
        if (validated.Value is not { } query) return Problems.Validation(validated.Errors.ToDictionary());
        var codes = query.Province is { } one ? [one] : provinces.Codes.Order(StringComparer.Ordinal).ToList();
        return Results.Json(metricWindow.Snapshot(codes, query.WindowMinutes), TongbanJson.Options);
    }

    private Task<SignedRequestResult> ReadSignedAsync(HttpRequest request, bool requireJson) =>
        SignedRequest.ReadAsync(request, requireJson, authenticator.AuthenticateOperatorAsync);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Information, Message = "Case {CaseId} re-driven by operator {Operator}: {Steps}")]
    private static partial void CaseRedrivenByOperator(ILogger logger, string caseId, string? @operator, string steps);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Information, Message = "Operator {Operator} moved {Moved} poison message(s) of province {Province} back (operator audit {AuditId})")]
    private static partial void PoisonRequeuedByOperator(ILogger logger, string? @operator, int moved, string province, string auditId);

    [LoggerMessage(EventId = 1032, Level = LogLevel.Information, Message = "Operator {Operator} searched a citizen's cases: {Found} found (operator audit {AuditId})")]
    private static partial void CitizenCasesSearched(ILogger logger, string? @operator, int found, string auditId);

    [LoggerMessage(EventId = 1033, Level = LogLevel.Information, Message = "Operator {Operator} verified {Cases} audit trail(s), {Entries} entries: {Failures} failure(s)")]
    private static partial void AuditVerified(ILogger logger, string? @operator, int cases, long entries, int failures);
}
