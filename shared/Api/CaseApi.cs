using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tongban.Cases;
using Tongban.Cases.Validation;
using Tongban.Configuration;
using Tongban.Storage;
using Tongban.Workflows;
using Tongban.Workflows.Steps;

namespace Tongban.Api;

/// <summary>
/// The partner API's handlers, on ASP.NET Core's HttpRequest/IResult so the Functions app and the
/// devhost serve the very same code.
/// </summary>
public sealed partial class CaseApi(
    PartnerAuthenticator authenticator,
    OpenCaseValidator validator,
    CaseStore cases,
    IdempotencyStore idempotency,
    DurableTaskClient durable,
    ContinuationTokens continuationTokens,
    IOptions<TongbanOptions> options,
    TimeProvider time,
    Cases.Deadlines.CaseDeadlineClock deadlines,
    ILogger<CaseApi> logger,
    CitizenIndex citizens,
    Audit.AuditTrail audit)
{
    /// <summary>A pending idempotency claim older than this is taken to be from a request that died.</summary>
    private static readonly TimeSpan StaleClaim = TimeSpan.FromSeconds(30);
    private static readonly TimeZoneInfo Beijing = TimeZoneInfo.CreateCustomTimeZone("Beijing", TimeSpan.FromHours(8), "Beijing", "Beijing");

    public async Task<IResult> OpenCaseAsync(HttpRequest request)
    {
        var ct = request.HttpContext.RequestAborted;
        var (partner, body, problem) = await ReadSignedAsync(request, requireJson: true);
        if (problem is not null) return problem;

        var errors = new ValidationErrors();
        var key = request.Headers["Idempotency-Key"].ToString();
        if (key.Length is < 8 or > 128) errors.Add("Idempotency-Key", "Required: 8 to 128 characters.");
        else if (JsonFieldReader.UnwantedCharacter(key) is { } unwanted) errors.Add("Idempotency-Key", $"Must not contain {unwanted}.");
        if (!RequestBody.TryParseJson(body!, out var json)) return RequestBody.NotJson();

        if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("handlingProvince", out var handling)
            && handling.ValueKind == JsonValueKind.String && handling.GetString() != partner)
        {
            return Problems.Forbidden("A case is opened by its handling province only.");
        }

        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), Beijing).DateTime);
        var validated = validator.Validate(json, today, partner!);
        foreach (var (path, messages) in validated.Errors.ToDictionary())
            foreach (var message in messages) errors.Add(path, message);
        if (!errors.IsEmpty || validated.Value is null) return Problems.Validation(errors.ToDictionary());

        var command = validated.Value;
        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(body!));
        var caseId = CaseIds.New(time.GetUtcNow());
        var claim = await idempotency.TryClaimAsync(partner!, key, bodyHash, caseId, ct);
        if (claim is not null)
        {
            if (claim.BodyHash != bodyHash) return Problems.Conflict("This Idempotency-Key was used with a different body.");
            if (claim.State == IdempotencyState.Created)
            {
                var existing = await cases.GetAsync(claim.CaseId, ct);
                if (existing is not null) return CaseResult(existing.Record, StatusCodes.Status200OK);
            }

            var stale = time.GetUtcNow() - claim.CreatedAt > StaleClaim;
            if (!stale || !await idempotency.TryTakeOverAsync(partner!, key, claim, ct))
                return Problems.Conflict("A request with this Idempotency-Key is in flight.", retryAfterSeconds: 1);
            caseId = claim.CaseId; // finish what the dead request began, under its case ID
        }

        var now = time.GetUtcNow();
        var record = new CaseRecord
        {
            CaseId = caseId,
            CaseType = command.CaseType.ToWire(),
            Reference = command.Reference,
            HandlingProvince = command.HandlingProvince,
            InvolvedProvinces = command.InvolvedProvinces(),
            CreatedAt = now,
            UpdatedAt = now,
            CallbackUrl = command.CallbackUrl,
        };
        // The citizen index first: a case row never exists without the rows that find it (a retry writes them again, harmlessly).
        await citizens.IndexCaseAsync(record, command, ct);
        var stored = await cases.CreateAsync(record, command, ct);
        if (stored.Record.CreatedAt != record.CreatedAt) await citizens.IndexCaseAsync(stored.Record, command, ct); // a dead request's case, as it was made
        await audit.AppendAsync(caseId, Audit.AuditFacts.Opened(partner!, command.HandlingProvince, Audit.AuditChain.BodyHash(body!)), ct);
        await StartWorkflowAsync(stored, ct);
        await idempotency.MarkCreatedAsync(partner!, key, ct);
        CaseOpened(logger, caseId, partner, record.CaseType);
        return CaseResult(stored.Record, StatusCodes.Status202Accepted, location: true);
    }

    public async Task<IResult> GetCaseAsync(HttpRequest request, string caseId)
    {
        var (partner, _, problem) = await ReadSignedAsync(request, requireJson: false);
        if (problem is not null) return problem;
        if (!CaseIds.IsWellFormed(caseId)) return Problems.NotFound();
        var stored = await cases.GetAsync(caseId, request.HttpContext.RequestAborted);
        return stored is null || !stored.Record.Involves(partner!) ? Problems.NotFound() : CaseResult(stored.Record, StatusCodes.Status200OK);
    }

    public async Task<IResult> ListCasesAsync(HttpRequest request)
    {
        var (partner, _, problem) = await ReadSignedAsync(request, requireJson: false);
        if (problem is not null) return problem;
        var validated = CaseQueryValidator.Validate(request.Query);
        var errors = validated.Errors;
        string? continuation = null;
        if (validated.Value?.Continuation is { } token && !continuationTokens.TryOpen(partner!, token, out continuation))
        {
            errors.Add("continuation", "This continuation token was not issued to this caller.");
        }

        if (!errors.IsEmpty || validated.Value is null) return Problems.Validation(errors.ToDictionary());
        var query = validated.Value;
        var page = await cases.ListAsync(partner!, query.Status is null ? null : Enum.Parse<CaseStatus>(query.Status),
            query.CaseType?.ToWire(), query.UpdatedSince, query.PageSize, continuation, request.HttpContext.RequestAborted);
        var next = page.ContinuationToken is null ? null : continuationTokens.Seal(partner!, page.ContinuationToken);
        return Results.Json(new { items = page.Items.Select(View), continuation = next }, TongbanJson.Options);
    }

    public async Task<IResult> DecideAsync(HttpRequest request, string caseId)
    {
        var ct = request.HttpContext.RequestAborted;
        var (partner, body, problem) = await ReadSignedAsync(request, requireJson: true);
        if (problem is not null) return problem;
        if (!CaseIds.IsWellFormed(caseId)) return Problems.NotFound();
        var stored = await cases.GetAsync(caseId, ct);
        if (stored is null || !stored.Record.Involves(partner!)) return Problems.NotFound();
        if (!RequestBody.TryParseJson(body!, out var json)) return RequestBody.NotJson();
        var validated = DecisionValidator.Validate(json);
        if (validated.Value is null) return Problems.Validation(validated.Errors.ToDictionary());
        var decision = validated.Value;

        var owner = stored.Record.FindStep(decision.Step)?.Province ?? stored.Record.HandlingProvince;
        if (owner != partner) return Problems.Forbidden("Only the province that owns this step may decide it.");

        // The step is marked before the decision is raised, so two different decisions never both reach the orchestration. A
        // crash in between would leave the step marked and the decision unsent: the same decision asked again (what a partner
        // does after a lost answer) is raised again, as long as the orchestration has not moved the step on.
        var wire = decision.Decision == OfficerDecision.Approve ? "approve" : "reject";
        var received = DecisionReceived(wire, decision.Officer);
        var accepted = false;
        var updated = await cases.UpdateAsync(caseId, record =>
        {
            var step = record.FindStep(decision.Step);
            if (step is null || record.Status.IsFinal()) return false;
            if (step.Status == StepStatus.Running && step.Detail == received)
            {
                accepted = true;
                return false;
            }

            if (step.Status != StepStatus.Waiting) return false;
            // The officer's time ends here, not when the orchestration acts on the decision (that is the hub's).
            var decidedAt = time.GetUtcNow();
            record.Waits.Add(new Cases.Deadlines.CaseWait(step.Key, Cases.Deadlines.CaseWait.Officer, step.StartedAt ?? decidedAt, decidedAt));
            step.Status = StepStatus.Running;
            step.Detail = received;
            accepted = true;
            return true;
        }, ct);
        if (!accepted) return Problems.Conflict($"Step {decision.Step} is not waiting for a decision.");

        await audit.AppendAsync(caseId, Audit.AuditFacts.Decision(decision.Step, partner!, wire, decision.Officer), ct);
        await durable.RaiseEventAsync(caseId, CaseEvents.Decision(decision.Step), new OfficerDecisionEvent(wire, decision.Officer, decision.Reason, Telemetry.TongbanTelemetry.CurrentTraceParent), ct);
        StepDecided(logger, caseId, decision.Step, wire);
        return CaseResult(updated.Record, StatusCodes.Status202Accepted);
    }

    /// <summary><c>GET v1/cases/{caseId}/audit</c>: the case's audit trail, without operators' or officers' identities and free text.</summary>
    public async Task<IResult> GetCaseAuditAsync(HttpRequest request, string caseId)
    {
        var (partner, _, problem) = await ReadSignedAsync(request, requireJson: false);
        if (problem is not null) return problem;
        var ct = request.HttpContext.RequestAborted;
        if (!CaseIds.IsWellFormed(caseId)) return Problems.NotFound();
        var stored = await cases.GetAsync(caseId, ct);
        if (stored is null || !stored.Record.Involves(partner!)) return Problems.NotFound();
        return Results.Json(Audit.AuditView.Of(await audit.ReadAsync(caseId, ct), forOperator: false), TongbanJson.Options);
    }

    /// <summary>What a review step shows between taking a decision and the orchestration acting on it.</summary>
    public static string DecisionReceived(string decision, string officer) => $"decision {decision} received from {officer}";

    public async Task<IResult> WithdrawAsync(HttpRequest request, string caseId)
    {
        var ct = request.HttpContext.RequestAborted;
        var (partner, body, problem) = await ReadSignedAsync(request, requireJson: true);
        if (problem is not null) return problem;
        if (!CaseIds.IsWellFormed(caseId)) return Problems.NotFound();
        var stored = await cases.GetAsync(caseId, ct);
        if (stored is null || !stored.Record.Involves(partner!)) return Problems.NotFound();
        if (stored.Record.HandlingProvince != partner) return Problems.Forbidden("Only the handling province may withdraw a case.");
        if (!RequestBody.TryParseJson(body!, out var json)) return RequestBody.NotJson();
        var validated = WithdrawalValidator.Validate(json);
        if (validated.Value is null) return Problems.Validation(validated.Errors.ToDictionary());

        string? refusal = null;
        var updated = await cases.UpdateAsync(caseId, record =>
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

        await audit.AppendAsync(caseId, Audit.AuditFacts.Withdrawal(partner!), ct);
        await durable.RaiseEventAsync(caseId, CaseEvents.Withdrawal, new WithdrawalNotice(validated.Value.Reason), ct);
        WithdrawalRequested(logger, caseId);
        return CaseResult(updated.Record, StatusCodes.Status202Accepted);
    }

    /// <summary>Starts the case's orchestration unless it already exists (the sidecar would re-run a completed ID).</summary>
    private async Task StartWorkflowAsync(StoredCase stored, CancellationToken ct)
    {
        var caseId = stored.Record.CaseId;
        if (await durable.GetInstanceAsync(caseId, getInputsAndOutputs: false, ct) is not null) return;
        var command = stored.Command;
        var parties = command switch
        {
            { Marriage: { } m } => new List<CaseParty> { new("partyA", m.PartyA.HukouProvince), new("partyB", m.PartyB.HukouProvince) },
            { Newborn: { } n } => [new(Workflows.Newborn.NewbornRegistrationWorkflow.BirthRole, n.BirthProvince),
                new(Workflows.Newborn.NewbornRegistrationWorkflow.ParentRole, n.RegisteringParent.HukouProvince)],
            { SchoolTransfer: { } t } => [new(Workflows.SchoolTransfer.SchoolTransferWorkflow.SourceRole, t.SourceProvince)],
            _ => throw new InvalidOperationException("A validated command carries its details."),
        };
        var input = new CaseWorkflowInput(caseId, stored.Record.CaseType, command.HandlingProvince, parties,
            options.Value.Marriage.ReviewWindow, options.Value.Workflow.ToPolicy(), Telemetry.TongbanTelemetry.CurrentTraceParent);
        await durable.ScheduleNewOrchestrationInstanceAsync(WorkflowNames.OrchestratorFor(stored.Record.CaseType), input,
            new StartOrchestrationOptions(InstanceId: caseId), ct);
    }

    private Task<(string? Partner, byte[]? Body, IResult? Problem)> ReadSignedAsync(HttpRequest request, bool requireJson) =>
        RequestBody.ReadSignedAsync(request, requireJson, authenticator.AuthenticateAsync);


    private PartnerCaseView View(CaseRecord record) => PartnerCaseView.Of(record, deadlines.Of(record), deadlines.HubShareOf(record));

    private IResult CaseResult(CaseRecord record, int status, bool location = false)
    {
        var json = Results.Json(View(record), TongbanJson.Options, "application/json", status);
        return location ? new Located(json, $"/{ApiRoutes.Prefix}/v1/cases/{record.CaseId}") : json;
    }

    private sealed class Located(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "Case {CaseId} opened by {Partner} ({CaseType})")]
    private static partial void CaseOpened(ILogger logger, string caseId, string? partner, string caseType);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information, Message = "Case {CaseId} step {Step} decided {Decision}")]
    private static partial void StepDecided(ILogger logger, string caseId, string step, string decision);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Information, Message = "Case {CaseId} withdrawal requested")]
    private static partial void WithdrawalRequested(ILogger logger, string caseId);
}
