using System.Text.Json.Serialization;

namespace Tongban.Cases;

[JsonConverter(typeof(JsonStringEnumConverter<CaseStatus>))]
public enum CaseStatus { Received, InProgress, AwaitingReview, Completed, Rejected, Failed, Withdrawn, Expired }

[JsonConverter(typeof(JsonStringEnumConverter<StepStatus>))]
public enum StepStatus { Pending, Running, Waiting, Succeeded, Failed, Compensated, Skipped }

public static class CaseStatusExtensions
{
    public static bool IsFinal(this CaseStatus status) =>
        status is CaseStatus.Completed or CaseStatus.Rejected or CaseStatus.Failed or CaseStatus.Withdrawn or CaseStatus.Expired;

    public static bool IsFinal(this StepStatus status) =>
        status is StepStatus.Succeeded or StepStatus.Failed or StepStatus.Compensated or StepStatus.Skipped;
}

/// <summary>One step of a case's timeline, as the partner API shows it.</summary>
public sealed class CaseStep
{
    public required string Name { get; init; }

    public string? Province { get; init; }

    public string? Subject { get; init; }

    public StepStatus Status { get; set; } = StepStatus.Pending;

    public int Attempts { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Why the step ended as it did, or what it waits for; never an ID number.</summary>
    public string? Detail { get; set; }

    /// <summary>Set while a step keeps failing, is parked or is held failed: an operator should look.</summary>
    public bool NeedsAttention { get; set; }

    /// <summary>
    /// The case waits at this step for a redrive: parked (Waiting) until its province answers again, or held
    /// (Failed) for an operator. <c>POST /api/v1/operator/cases/{caseId}/redrive</c> re-drives it.
    /// </summary>
    public bool AwaitingRedrive { get; set; }

    [JsonIgnore]
    public string Key => StepKeys.Of(Name, Subject);
}

public static class StepKeys
{
    public static string Of(string name, string? subject) => subject is null ? name : $"{name}.{subject}";
}

/// <summary>One operator action in a case's timeline.</summary>
public sealed record CaseAuditEntry(DateTimeOffset At, string Action, string Actor, string? Step, string Detail);

public sealed class CaseOutcome
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CertificateNo { get; set; }

    /// <summary>The registration date in Beijing time (yyyy-MM-dd).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RegisteredOn { get; set; }

    /// <summary>The newborn's new ID number, masked: the registering province's police system keeps the record.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ChildIdNumber { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HouseholdNo { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TransferId { get; set; }
}

/// <summary>The read model of a case: what the API serves and what activities keep current.</summary>
public sealed class CaseRecord
{
    public required string CaseId { get; init; }

    public required string CaseType { get; init; }

    public required string Reference { get; init; }

    public CaseStatus Status { get; set; } = CaseStatus.Received;

    public required string HandlingProvince { get; init; }

    public required IReadOnlyList<string> InvolvedProvinces { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<CaseStep> Steps { get; init; } = [];

    public CaseOutcome? Outcome { get; set; }

    /// <summary>Operator actions on the case (redrives), oldest first: who, when, why.</summary>
    public List<CaseAuditEntry> Audit { get; init; } = [];

    /// <summary>Spans the case waited on a province or an officer; the rest of its time is the hub's own (<see cref="Deadlines.HubShare"/>).</summary>
    public List<Deadlines.CaseWait> Waits { get; init; } = [];

    /// <summary>
    /// A newborn's birth date, for the one-month registration limit: read from the sealed details each time the case is read,
    /// never written to the read model.
    /// </summary>
    [JsonIgnore]
    public DateOnly? NewbornBirthDate { get; set; }

    /// <summary>
    /// The workflow has ended the case: work still queued for it is dropped. A failed case held for redrive is
    /// Failed but not closed.
    /// </summary>
    [JsonIgnore]
    public bool Closed { get; set; }

    /// <summary>The partner that opened the case (equals HandlingProvince).</summary>
    [JsonIgnore]
    public string OpenedBy => HandlingProvince;

    [JsonIgnore]
    public Uri? CallbackUrl { get; set; }

    /// <summary>The handling province asked to withdraw; honoured unless an irreversible step has begun.</summary>
    [JsonIgnore]
    public bool WithdrawalRequested { get; set; }

    /// <summary>The irreversible step that has begun (after which withdrawal is refused).</summary>
    [JsonIgnore]
    public string? IrreversibleStep { get; set; }

    /// <summary>How many times the status changed: the audit trail's identity of each change.</summary>
    [JsonIgnore]
    public int StatusChanges { get; set; }

    /// <summary>How many status changes were queued for the partner's callback URL.</summary>
    [JsonIgnore]
    public int CallbackSequence { get; set; }

    /// <summary>The deadlines already counted as missed (<c>tongban.deadlines.missed</c>), by name: each is counted once.</summary>
    [JsonIgnore]
    public List<string> DeadlinesMissed { get; init; } = [];

    /// <summary>
    /// The steps whose last success completes the case (the workflow's last batch, from version 4), by key; none: the
    /// workflow completes the case itself.
    /// </summary>
    [JsonIgnore]
    public List<string> CompletingSteps { get; init; } = [];

    /// <summary>
    /// Steps of a batch told together (workflow version 8) whose first-round success, clear by the workflow's assessment,
    /// raised nothing: the batch's event tells them (cleared). Only these: a step that succeeded with an answer that refuses
    /// the case is never told cleared.
    /// </summary>
    [JsonIgnore]
    public List<string> QuietSteps { get; init; } = [];

    /// <summary>
    /// Whether the case was completed by the success of <paramref name="stepKey"/> and its batch (see <see cref="CompletingSteps"/>),
    /// or by the steps that success sent (see <see cref="SentBy"/>): its answer is still handed over after the close.
    /// </summary>
    public bool CompletedBy(string stepKey) => Closed && Status == CaseStatus.Completed && (CompletingSteps.Contains(stepKey) || SentBy == stepKey);

    /// <summary>
    /// The step whose success sent the steps that follow it, by key (from workflow version 6: marriage.register sends both
    /// marital.update steps); none: the workflow sent every step itself.
    /// </summary>
    [JsonIgnore]
    public string? SentBy { get; set; }

    /// <summary>
    /// The move the case makes by itself once the batch of steps it names has cleared (from workflow version 5: marriage's
    /// checks bring it to review); none: the workflow records its next status itself.
    /// </summary>
    [JsonIgnore]
    public CaseMove? Move { get; set; }

    /// <summary>
    /// The step an officer's approval of the review sends (workflow version 7): its queue message, as the workflow layer
    /// writes it (this layer does not read it). Set by the dispatch that names it, never cleared; the decision API's write of
    /// an approval enters it and queues it.
    /// </summary>
    [JsonIgnore]
    public string? OnApproval { get; set; }

    /// <summary>Whether the case's move was made, and <paramref name="stepKey"/> is of its batch (see <see cref="Move"/>).</summary>
    public bool MovedBy(string stepKey) => Move is { Made: true } move && move.Steps.Contains(stepKey);

    public CaseStep? FindStep(string key) => Steps.Find(s => s.Key == key);

    public CaseStep Step(string name, string? subject, string? province)
    {
        var key = StepKeys.Of(name, subject);
        var step = FindStep(key);
        if (step is null)
        {
            step = new CaseStep { Name = name, Subject = subject, Province = province };
            Steps.Add(step);
        }

        return step;
    }

    public bool Involves(string province) => HandlingProvince == province || InvolvedProvinces.Contains(province);
}

/// <summary>
/// A status the case moves to by itself, with its timeline's step <paramref name="StepName"/> at <paramref name="Province"/>
/// set to <paramref name="StepStatus"/> (<paramref name="Detail"/>), once every one of <paramref name="Steps"/> (by key) has
/// succeeded and no answer of theirs refuses the case: the step handler's write of the last such answer makes it, instead of
/// an activity of the workflow after the batch (workflow version 5). <see cref="Made"/> once made.
/// </summary>
public sealed record CaseMove(IReadOnlyList<string> Steps, CaseStatus Status, string StepName, string? Province, StepStatus StepStatus, string Detail)
{
    public bool Made { get; init; }
}
