using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tongban.Cases.Validation;
using Tongban.Provinces;
using Tongban.Storage;
using Tongban.Workflows.Steps;

namespace Tongban.Api;

/// <summary>
/// The operator API (<c>/api/v1/operator/*</c>), signed by an operator (<c>Tongban:Operators</c>, header
/// <c>X-Tongban-Operator</c>), never by a partner: what needs attention, province health, redrive of a held case,
/// poison messages back onto their queue.
/// </summary>
public sealed partial class OperatorApi(
    PartnerAuthenticator authenticator, AttentionIndex attention, ProvinceHealthStore health, ProvinceWorkQueue queue,
    ProvinceRegistry provinces, CaseStore cases, CaseRedriver redriver, Cases.Deadlines.WorkingCalendar calendar, TimeProvider time,
    ILogger<OperatorApi> logger)
{
    /// <summary>How far back the SLA view reads cases (by last update): it reads every such case row.</summary>
    public static readonly TimeSpan SlaWindow = TimeSpan.FromDays(90);

    /// <summary>
    /// <c>GET v1/operator/sla</c>: per province and limit, the on-time share and p50/p95 working days; open deadlines at risk
    /// or overdue, oldest first; over the cases updated in the last <see cref="SlaWindow"/>.
    /// </summary>
    public async Task<IResult> SlaAsync(HttpRequest request)
    {
        var (_, _, problem) = await ReadSignedAsync(request, requireJson: false);
        if (problem is not null) return problem;
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
        return Results.Json(new { since = now - SlaWindow, lines = summary.Lines, open = summary.Open }, TongbanJson.Options);
    }

    /// <summary><c>GET v1/operator/attention[?province=]</c>: steps flagged, parked or held failed, and cases whose callbacks stopped (under their partner), oldest first.</summary>
    public async Task<IResult> ListAttentionAsync(HttpRequest request)
    {
        var (_, _, problem) = await ReadSignedAsync(request, requireJson: false);
        if (problem is not null) return problem;
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
        var (_, _, problem) = await ReadSignedAsync(request, requireJson: false);
        if (problem is not null) return problem;
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
        var (operatorId, body, problem) = await ReadSignedAsync(request, requireJson: true);
        if (problem is not null) return problem;
        var ct = request.HttpContext.RequestAborted;
        if (!Cases.CaseIds.IsWellFormed(caseId) || await cases.GetAsync(caseId, ct) is null) return Problems.NotFound();
        if (!RequestBody.TryParseJson(body!, out var json)) return RequestBody.NotJson();
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
        return Results.Json(done.Case, TongbanJson.Options, "application/json", StatusCodes.Status202Accepted);
    }

    /// <summary><c>POST v1/operator/provinces/{code}/poison/requeue</c>: moves the province's poison messages back onto its queue.</summary>
    public async Task<IResult> RequeuePoisonAsync(HttpRequest request, string code)
    {
        var (operatorId, _, problem) = await ReadSignedAsync(request, requireJson: false);
        if (problem is not null) return problem;
        if (!provinces.Codes.Contains(code)) return Problems.NotFound($"Province {code} is not configured.");
        var moved = await queue.RequeuePoisonAsync(code, int.MaxValue, request.HttpContext.RequestAborted);
        PoisonRequeuedByOperator(logger, operatorId, moved, code);
        return Results.Json(new { province = code, moved }, TongbanJson.Options);
    }

    private Task<(string? Operator, byte[]? Body, IResult? Problem)> ReadSignedAsync(HttpRequest request, bool requireJson) =>
        RequestBody.ReadSignedAsync(request, requireJson, authenticator.AuthenticateOperatorAsync);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Information, Message = "Case {CaseId} re-driven by operator {Operator}: {Steps}")]
    private static partial void CaseRedrivenByOperator(ILogger logger, string caseId, string? @operator, string steps);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Information, Message = "Operator {Operator} moved {Moved} poison message(s) of province {Province} back")]
    private static partial void PoisonRequeuedByOperator(ILogger logger, string? @operator, int moved, string province);
}
