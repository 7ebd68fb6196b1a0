using System.Text.Json.Serialization;

namespace Tongban.Client;

/// <summary>The case types of the contract, as the wire names them.</summary>
public static class CaseTypes
{
    public const string Marriage = "marriage-registration";
    public const string Newborn = "newborn-registration";
    public const string SchoolTransfer = "school-transfer";
}

/// <summary>Case statuses as the wire names them; the last five are final.</summary>
public static class CaseStatuses
{
    public const string Received = "Received";
    public const string InProgress = "InProgress";
    public const string AwaitingReview = "AwaitingReview";
    public const string Completed = "Completed";
    public const string Rejected = "Rejected";
    public const string Failed = "Failed";
    public const string Withdrawn = "Withdrawn";
    public const string Expired = "Expired";

    public static bool IsFinal(string? status) => status is Completed or Rejected or Failed or Withdrawn or Expired;
}

/// <summary>A person in marriage and newborn details.</summary>
public sealed record Person(string IdNumber, string Name, string HukouProvince);

/// <summary><c>details</c> of a <c>marriage-registration</c>.</summary>
public sealed record MarriageDetails(string RegistryCode, Person PartyA, Person PartyB);

/// <summary>The newborn: <c>sex</c> is <c>male</c> or <c>female</c>.</summary>
public sealed record Child(string Name, string Sex, DateOnly BirthDate);

/// <summary><c>details</c> of a <c>newborn-registration</c>; <c>registerWith</c> is <c>mother</c> or <c>father</c>.</summary>
public sealed record NewbornDetails(
    Child Child, string BirthCertificateNo, string BirthProvince, string RegisterWith, Person? Mother, Person? Father, string HouseholdDivision);

public sealed record Student(string StudentNo, string Name, string IdNumber);

/// <summary><c>details</c> of a <c>school-transfer</c>.</summary>
public sealed record SchoolTransferDetails(
    Student Student, string SourceProvince, string SourceSchoolCode, string TargetSchoolCode, int TargetGrade, string Reason);

/// <summary>The body of <c>POST /api/v1/cases</c>; <c>details</c> is one of the details records, or any JSON of that shape.</summary>
public sealed record OpenCaseRequest(string CaseType, string Reference, string HandlingProvince, object Details, Uri? CallbackUrl = null);

/// <summary>An officer's decision: <c>approve</c> or <c>reject</c>.</summary>
public sealed record Decision(string Step, [property: JsonPropertyName("decision")] string Verdict, string Officer, string Reason)
{
    public const string Approve = "approve";
    public const string Reject = "reject";
}

/// <summary>A case as the partner API shows it (ID numbers masked); operators see more of it (<see cref="OperatorCaseView"/>).</summary>
public record CaseView
{
    public required string CaseId { get; init; }

    public required string CaseType { get; init; }

    public string Reference { get; init; } = "";

    public required string Status { get; init; }

    public string HandlingProvince { get; init; } = "";

    public IReadOnlyList<string> InvolvedProvinces { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public IReadOnlyList<CaseStepView> Steps { get; init; } = [];

    public CaseOutcomeView? Outcome { get; init; }

    public IReadOnlyList<CaseDeadlineView> Deadlines { get; init; } = [];

    [JsonIgnore]
    public bool IsFinal => CaseStatuses.IsFinal(Status);
}

public sealed record CaseStepView
{
    public required string Name { get; init; }

    public string? Province { get; init; }

    public string? Subject { get; init; }

    public required string Status { get; init; }

    public int Attempts { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public string? Detail { get; init; }

    public bool NeedsAttention { get; init; }

    public bool AwaitingRedrive { get; init; }

    /// <summary>The step's key as decisions and redrives name it: <c>name</c>, or <c>name.subject</c>.</summary>
    [JsonIgnore]
    public string Key => Subject is null ? Name : $"{Name}.{Subject}";
}

public sealed record CaseOutcomeView(
    string? Reason, string? CertificateNo, string? RegisteredOn, string? ChildIdNumber, string? HouseholdNo, string? TransferId);

/// <summary>A legal time limit of the case; <c>state</c> is <c>met</c>, <c>pending</c>, <c>at-risk</c> or <c>missed</c>.</summary>
public sealed record CaseDeadlineView(
    string Name, string Step, DateTimeOffset StartedAt, DateTimeOffset Due, string State, DateTimeOffset? CompletedAt, TimeSpan? MissedBy, bool CalendarCovered);

/// <summary>What an open returned: the case, and whether this call created it (<c>202</c>) or found it by its key (<c>200</c>).</summary>
public sealed record OpenedCase(CaseView Case, bool Created, string IdempotencyKey, Uri? Location);

/// <summary>Filters of <c>GET /api/v1/cases</c>; all optional.</summary>
public sealed record CaseQuery(string? Status = null, string? CaseType = null, DateTimeOffset? UpdatedSince = null, int? PageSize = null, string? Continuation = null);

/// <summary>One page of cases, newest first; <c>Continuation</c> is null on the last.</summary>
public sealed record CasePage(IReadOnlyList<CaseView> Items, string? Continuation);

/// <summary>A step or a case's callbacks needing an operator (<c>reason</c>: <c>step</c> or <c>callbacks</c>).</summary>
public sealed record AttentionItem(
    string CaseId, string CaseType, string CaseStatus, string Step, string Province, string Status, bool AwaitingRedrive, bool Parked,
    string Reason, string? Detail, DateTimeOffset Since);

/// <summary>A province as operators see it: circuit, last answer and failure, queue and poison depth, parked and held steps.</summary>
public sealed record ProvinceStatus(
    string Province, string Circuit, DateTimeOffset? CircuitChangedAt, DateTimeOffset? LastAnsweredAt, DateTimeOffset? LastFailedAt, bool Answering,
    int Queued, int Poisoned, int Parked, int Held, int CallbacksStopped);

/// <summary>What a poison requeue moved.</summary>
public sealed record PoisonRequeue(string Province, int Moved);

/// <summary>One province's record on one legal limit over the SLA window.</summary>
public sealed record SlaLine(string Province, string Deadline, string Step, int Answered, double? OnTimeShare, int? P50WorkingDays, int? P95WorkingDays);

/// <summary>An open deadline at risk or missed.</summary>
public sealed record SlaOpenCase(string CaseId, string CaseType, string Province, string Deadline, DateTimeOffset StartedAt, DateTimeOffset Due, string State, TimeSpan? MissedBy);

/// <summary><c>GET /api/v1/operator/sla</c>.</summary>
public sealed record SlaReport(DateTimeOffset Since, IReadOnlyList<SlaLine> Lines, IReadOnlyList<SlaOpenCase> Open);

/// <summary>One entry of a case's hash-chained audit trail; <c>actor</c> and <c>detail</c> are the operators' alone.</summary>
public sealed record AuditEntryView(
    long Seq, DateTimeOffset At, string Action, string? Step, string? Province, string? Outcome, string? Actor, string? Detail,
    string? AnswerHash, string PrevHash, string Hash);

/// <summary>The last point of the chain the hub signed (SM2), and with which key.</summary>
public sealed record AuditHeadView(long Seq, string Hash, DateTimeOffset SignedAt, string Signature, string KeyId);

/// <summary>A case's audit trail; <c>Head</c> is null until the hub first signs it.</summary>
public sealed record CaseAuditTrail(string CaseId, IReadOnlyList<AuditEntryView> Entries, AuditHeadView? Head);

/// <summary>The first fault in a case's trail: <c>changed</c>, <c>removed</c>, <c>reordered</c>, <c>inserted</c>, <c>head-signature</c> or <c>head-mismatch</c>.</summary>
public sealed record AuditFailureView(string CaseId, long Seq, string Problem);

/// <summary>What the hub's audit verifier found.</summary>
public sealed record AuditVerificationReport(int CheckedCases, long CheckedEntries, long ElapsedMs, IReadOnlyList<AuditFailureView> Failures)
{
    [JsonIgnore]
    public bool Holds => Failures.Count == 0;
}

/// <summary>Filters of <c>GET /api/v1/operator/cases</c>; all optional. <c>From</c>/<c>To</c> bound when the case was opened.</summary>
public sealed record OperatorCaseQuery(
    string? Status = null, string? CaseType = null, string? Province = null, DateTimeOffset? From = null, DateTimeOffset? To = null,
    int? PageSize = null, string? Continuation = null);

/// <summary>A case as the operators' case list shows it.</summary>
public sealed record OperatorCaseSummary(
    string CaseId, string CaseType, string Reference, string Status, string HandlingProvince, IReadOnlyList<string> InvolvedProvinces,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool NeedsAttention, bool AwaitingRedrive);

public sealed record OperatorCasePage(IReadOnlyList<OperatorCaseSummary> Items, string? Continuation);

/// <summary>What an unsettled or held step waits on (<c>awaiting</c>: an operator, its province, an officer).</summary>
public sealed record StepAwaitingView(string Step, string? Province, string Status, DateTimeOffset? Since, string Awaiting, string? Detail);

public sealed record PendingCallbackView(long Sequence, int FailedAttempts, DateTimeOffset? FirstFailedAt, string? LastFailure, bool Stopped);

/// <summary>The partner's status callbacks: how many sent, how many delivered, and those still pending.</summary>
public sealed record CallbacksView(long Sent, long Delivered, IReadOnlyList<PendingCallbackView> Pending);

/// <summary>An operator's or officer's action on the case record (redrives, withdrawals).</summary>
public sealed record OperatorActionView(DateTimeOffset At, string Action, string Actor, string? Step, string Detail);

/// <summary>A case as <c>GET /api/v1/operator/cases/{caseId}</c> shows it (ID numbers masked): the partner's view and more.</summary>
public sealed record OperatorCaseView : CaseView
{
    public bool Closed { get; init; }

    public IReadOnlyList<StepAwaitingView> WaitingFor { get; init; } = [];

    public CallbacksView Callbacks { get; init; } = new(0, 0, []);

    public IReadOnlyList<OperatorActionView> Audit { get; init; } = [];
}

/// <summary>A case naming the person searched for, and in which roles (<c>party</c>, <c>parent</c>, <c>child</c>, <c>student</c>).</summary>
public sealed record CitizenCase(string CaseId, string CaseType, string Status, IReadOnlyList<string> Roles, string HandlingProvince, DateTimeOffset CreatedAt);

/// <summary>One minute of a province's calls.</summary>
public sealed record MinuteMetrics(DateTimeOffset At, long Calls, long Errors, double? P50Ms, double? P95Ms);

public sealed record LatencyMetrics(double? P50, double? P95);

/// <summary>A province over the metrics window: calls, errors, error rate, latency, its circuit, each minute.</summary>
public sealed record ProvinceMetrics(string Code, long Calls, long Errors, double ErrorRate, LatencyMetrics LatencyMs, string Circuit, IReadOnlyList<MinuteMetrics> Minutes);

/// <summary>A point of an instrument: a counter's or gauge's <c>Value</c>, or a histogram's count, sum, p50, p95 and max.</summary>
public sealed record InstrumentPointView(
    IReadOnlyDictionary<string, string> Tags, double? Value = null, long? Count = null, double? Sum = null, double? P50 = null, double? P95 = null, double? Max = null);

public sealed record InstrumentMetrics(string Name, string Unit, string Kind, string Description, IReadOnlyList<InstrumentPointView> Points);

/// <summary><c>GET /api/v1/operator/metrics</c>: the hub process's own sliding window.</summary>
public sealed record MetricsReport(DateTimeOffset At, int WindowMinutes, IReadOnlyList<ProvinceMetrics> Provinces, IReadOnlyList<InstrumentMetrics> Instruments);

internal sealed record ItemsEnvelope<T>(IReadOnlyList<T> Items);
