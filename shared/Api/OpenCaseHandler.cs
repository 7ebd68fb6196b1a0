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

namespace Tongban.Api;

/// <summary>
/// <c>POST v1/cases</c> once the request is signed: validates the case, claims its Idempotency-Key (taking over a claim whose
/// request died), stores the case with its citizen index and audit entry, and starts its orchestration.
/// </summary>
public sealed partial class OpenCaseHandler(
    OpenCaseValidator validator,
    CaseStore cases,
    IdempotencyStore idempotency,
    DurableTaskClient durable,
    IOptions<TongbanOptions> options,
    TimeProvider time,
    PartnerCaseResults results,
    CitizenIndex citizens,
    Audit.AuditTrail audit,
    ILogger<OpenCaseHandler> logger)
{
    /// <summary>A pending idempotency claim older than this is taken to be from a request that died.</summary>
    private static readonly TimeSpan StaleClaim = TimeSpan.FromSeconds(30);

    public async Task<IResult> HandleAsync(SignedRequest request, string idempotencyKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        var partner = request.Caller;
        var errors = new ValidationErrors();
        if (idempotencyKey.Length is < 8 or > 128) errors.Add("Idempotency-Key", "Required: 8 to 128 characters.");
        else if (JsonFieldReader.UnwantedCharacter(idempotencyKey) is { } unwanted) errors.Add("Idempotency-Key", $"Must not contain {unwanted}.");
        if (!request.TryParseJson(out var json)) return RequestBody.NotJson();

        if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("handlingProvince", out var handling)
            && handling.ValueKind == JsonValueKind.String && handling.GetString() != partner)
        {
            return Problems.Forbidden("A case is opened by its handling province only.");
        }

        var validated = validator.Validate(json, BeijingTime.Today(time), partner);
        foreach (var (path, messages) in validated.Errors.ToDictionary())
            foreach (var message in messages) errors.Add(path, message);
        if (!errors.IsEmpty || validated.Value is null) return Problems.Validation(errors.ToDictionary());

        var command = validated.Value;
        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(request.Body));
        var caseId = CaseIds.New(time.GetUtcNow());
        var claim = await idempotency.TryClaimAsync(partner, idempotencyKey, bodyHash, caseId, ct);
        if (claim is not null)
        {
            if (claim.BodyHash != bodyHash) return Problems.Conflict("This Idempotency-Key was used with a different body.");
            if (await MadeAsync(claim, ct) is { } made) return results.Result(made.Record, StatusCodes.Status200OK);

            var stale = time.GetUtcNow() - claim.CreatedAt > StaleClaim;
            if (!stale || !await idempotency.TryTakeOverAsync(partner, idempotencyKey, claim, ct))
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
        var created = stored.Record.CreatedAt == record.CreatedAt;
        if (!created) await citizens.IndexCaseAsync(stored.Record, command, ct); // a dead request's case, as it was made
        await audit.AppendAsync(caseId, Audit.AuditFacts.Opened(partner, command.HandlingProvince, Audit.AuditChain.BodyHash(request.Body)), ct,
            first: created);
        // Started, the case is made: a retry of this request finds the claim, the case and its orchestration (MadeAsync).
        await StartOrchestrationAsync(stored, created, ct);
        CaseOpened(logger, caseId, partner, record.CaseType);
        return results.Result(stored.Record, StatusCodes.Status202Accepted, location: true);
    }

    /// <summary>
    /// The case a claim's request made, or null while it is not made (or its request died before it was): the case row and its
    /// orchestration, started last, both there. (A claim an earlier version of the hub marked <see cref="IdempotencyState.Created"/>
    /// has both.)
    /// </summary>
    private async Task<StoredCase?> MadeAsync(IdempotencyRecord claim, CancellationToken ct)
    {
        var existing = await cases.GetAsync(claim.CaseId, ct);
        if (existing is null) return null;
        return await durable.GetInstanceAsync(claim.CaseId, getInputsAndOutputs: false, ct) is not null ? existing : null;
    }

    /// <summary>
    /// Starts the case's orchestration unless it already exists (the sidecar would re-run a completed ID). When this request
    /// has just created the case row (<paramref name="created"/>), none can: an orchestration is started only here, after its
    /// row, so the engine is not asked.
    /// </summary>
    private async Task StartOrchestrationAsync(StoredCase stored, bool created, CancellationToken ct)
    {
        var caseId = stored.Record.CaseId;
        if (!created && await durable.GetInstanceAsync(caseId, getInputsAndOutputs: false, ct) is not null) return;
        var command = stored.Command;
        var parties = command switch
        {
            { Marriage: { } m } => new List<CaseParty> { new("partyA", m.PartyA.HukouProvince), new("partyB", m.PartyB.HukouProvince) },
            { Newborn: { } n } => [new(Workflows.Orchestration.NewbornRegistrationOrchestrator.BirthRole, n.BirthProvince),
                new(Workflows.Orchestration.NewbornRegistrationOrchestrator.ParentRole, n.RegisteringParent.HukouProvince)],
            { SchoolTransfer: { } t } => [new(Workflows.Orchestration.SchoolTransferOrchestrator.SourceRole, t.SourceProvince)],
            _ => throw new InvalidOperationException("A validated command carries its details."),
        };
        var input = new CaseWorkflowInput(caseId, stored.Record.CaseType, command.HandlingProvince, parties,
            options.Value.Marriage.ReviewWindow, StepPolicy.From(options.Value.Workflow), Telemetry.TongbanTelemetry.CurrentTraceParent)
        {
            Version = WorkflowVersions.Current,
        };
        await durable.ScheduleNewOrchestrationInstanceAsync(WorkflowNames.OrchestratorFor(stored.Record.CaseType), input,
            new StartOrchestrationOptions(InstanceId: caseId), ct);
    }

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "Case {CaseId} opened by {Partner} ({CaseType})")]
    private static partial void CaseOpened(ILogger logger, string caseId, string? partner, string caseType);
}
