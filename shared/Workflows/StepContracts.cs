using System.Text.Json.Serialization;
using Tongban.Cases;
using Tongban.Configuration;

namespace Tongban.Workflows;

/// <summary>
/// A province step to run: one message on the province's queue. Carries no personal data. <paramref name="TraceParent"/>:
/// the W3C context of the span that queued it (the step's trace; see <see cref="Telemetry.TongbanTelemetry"/>), kept in
/// its ticket row while slow work runs.
/// </summary>
public sealed record ProvinceStep(
    string CaseId, string StepName, string? Subject, string Operation, string Province, int Round, string? TraceParent = null)
{
    public string StepKey => StepKeys.Of(StepName, Subject);

    /// <summary>
    /// The steps to send once this one has succeeded (<see cref="WorkflowVersions.RegisterSendsUpdates"/>: marriage.register's
    /// message names both marital.update steps): the step handler's write of the success records them as the dispatch would
    /// and queues them, instead of an activity of the workflow after the answer. None: the workflow sends what follows.
    /// </summary>
    public ProvinceStepDispatch? Then { get; init; }

    /// <summary>
    /// The batch this step is told with (<see cref="WorkflowVersions.OneEventPerBatch"/>: its steps' keys). A first-round clear
    /// success that leaves a step of the batch unanswered raises nothing; the answer that finishes the batch raises one event
    /// for all (<see cref="BatchAnswers"/>), and one the batch cannot go on with raises its own and tells the silent ones. None:
    /// each answer is raised on its own.
    /// </summary>
    public IReadOnlyList<string>? Together { get; init; }
}

public enum StepOutcome
{
    /// <summary>The province answered with a result.</summary>
    Succeeded,
    /// <summary>The province has no such record.</summary>
    NoRecord,
    /// <summary>A business rule at the province refused it.</summary>
    Refused,
    /// <summary>A defect (not retried), or transient faults beyond the queue's retries (Transient = true).</summary>
    Failed,
    /// <summary>Slow work accepted: its <see cref="SlowWorkAccepted"/> data names the ticket; the result comes by callback or polling. Never raised as an event.</summary>
    Waiting,
}

/// <summary>
/// The event that carries a province step's result to its orchestration. <paramref name="Data"/>: what the answer carries, by
/// kind (<see cref="StepData"/>), none for an acknowledgement; it holds no ID numbers.
/// </summary>
public sealed record StepResult(
    StepOutcome Outcome, string? Reason = null, [property: JsonConverter(typeof(StepDataConverter))] StepData? Data = null, bool Transient = false)
{
    /// <summary>
    /// The step handler's write of this answer made the move its batch's dispatch asked for (<see cref="ProvinceStepDispatch.Move"/>),
    /// or found it made: the workflow does not record that status itself.
    /// </summary>
    public bool MovedCase { get; init; }

    /// <summary>
    /// The step handler's write of this answer sent the steps its message named to follow (<see cref="ProvinceStep.Then"/>), or
    /// found them sent: the workflow waits for their answers without dispatching them.
    /// </summary>
    public bool SentNext { get; init; }

    /// <summary>
    /// Told by its batch's event (<see cref="BatchAnswers"/>) for a step whose success raised nothing of its own: succeeded,
    /// and clear by the workflow's assessment when the step handler judged it. Its data is not carried: nothing in it refuses.
    /// </summary>
    public bool Cleared { get; init; }
}

/// <summary>
/// The answers of a batch told together (<see cref="ProvinceStep.Together"/>), by step key: raised once every step of the
/// batch has succeeded (the answer that finishes it with its own result, the others <see cref="StepResult.Cleared"/>), or when
/// an answer the batch cannot go on with arrives, for the steps that had succeeded without a word.
/// </summary>
public sealed record BatchAnswers(IReadOnlyDictionary<string, StepResult> Answers);

/// <summary>A change to one timeline step, stamped with orchestration time.</summary>
public sealed record StepChange(
    string Name, string? Subject, string? Province, StepStatus Status, DateTimeOffset At,
    string? Detail = null, bool? NeedsAttention = null, int? Attempts = null, bool? AwaitingRedrive = null);

/// <summary>
/// What an activity writes to the case row: status, step changes, outcome. A final status closes the case
/// (steps still open are shown skipped, queued work for it is dropped) unless <paramref name="Held"/>: a failed
/// case held for an operator's redrive is Failed but not closed. <paramref name="Reason"/>, when given, replaces
/// the outcome's reason ("" clears it). <paramref name="IrreversibleStep"/>, when given, enters that irreversible step with
/// the same write (see <see cref="IrreversibleStepRequest"/>); a withdrawal recorded first refuses it, nothing is written
/// and the activity answers false. <paramref name="UnlessDecided"/>, when given, names a review step whose approval, written
/// first by the decision API, refuses the write the same way (a review window's expiry racing the officer's approval).
/// </summary>
public sealed record CaseProgress(
    string CaseId, CaseStatus? Status = null, IReadOnlyList<StepChange>? Steps = null, CaseOutcome? Outcome = null,
    bool Held = false, string? Reason = null, string? TraceParent = null, string? IrreversibleStep = null, string? UnlessDecided = null);

/// <summary>
/// Province steps to start together: marks them Running and queues them. What the case row needs recorded just before (the
/// case's <paramref name="Status"/>, step <see cref="Changes"/>, the <see cref="Outcome"/>, entering an
/// <see cref="IrreversibleStep"/>) rides on the same write, one activity and one orchestration turn instead of two or three.
/// The activity answers false, and queues nothing, only when a withdrawal recorded first refuses the irreversible step.
/// </summary>
public sealed record ProvinceStepDispatch(string CaseId, IReadOnlyList<ProvinceStep> Items, DateTimeOffset At, CaseStatus? Status = null)
{
    public IReadOnlyList<StepChange>? Changes { get; init; }

    public CaseOutcome? Outcome { get; init; }

    public string? IrreversibleStep { get; init; }

    /// <summary>
    /// The case completes once every one of these steps has succeeded: the step handler's write of the last success sets the
    /// case Completed and closes it, so the workflow writes no completion of its own (<see cref="WorkflowVersions.LastStepCompletes"/>).
    /// </summary>
    public bool CompletesCase { get; init; }

    /// <summary>
    /// The move the case makes by itself once these steps have cleared (<see cref="CaseMove"/>, <see cref="WorkflowVersions.ReviewOnLastCheck"/>);
    /// none: a move this dispatch's steps are not all part of is dropped, as the workflow has gone past it.
    /// </summary>
    public CaseMove? Move { get; init; }

    /// <summary>
    /// The outcome this dispatch records is the one the answer that sends it gives (<see cref="Orchestration.CaseFlow.OutcomeOf"/>:
    /// marriage's certificate), and an answer that gives none does not send it (<see cref="ProvinceStep.Then"/>).
    /// </summary>
    public bool OutcomeFromAnswer { get; init; }

    /// <summary>
    /// The step an officer's approval of the case's review sends (<see cref="WorkflowVersions.DecisionSendsRegistration"/>):
    /// kept on the case row, the decision API's write of an approval enters it and queues it. Later dispatches leave it.
    /// </summary>
    public ProvinceStep? OnApproval { get; init; }
}

public sealed record IrreversibleStepRequest(string CaseId, string StepName);

/// <summary>Which of a batch's steps (<paramref name="StepKeys"/>) succeeded without a word, told later by the batch (<see cref="WorkflowNames.Activities.QuietSteps"/>).</summary>
public sealed record QuietStepsQuery(string CaseId, IReadOnlyList<string> StepKeys);

/// <param name="TraceParent">The deciding request's trace: the steps after the review continue it.</param>
public sealed record OfficerDecisionEvent(string Decision, string Officer, string? Reason, string? TraceParent = null)
{
    /// <summary>The API's write of this approval sent the step the case's approval sends (<see cref="ProvinceStepDispatch.OnApproval"/>).</summary>
    public bool Sent { get; init; }
}

public sealed record WithdrawalNotice(string Reason);

/// <summary>Re-drive a held step (parked or failed): who asked (an operator, or the timer once the province answers) and why.</summary>
public sealed record RedriveNotice(string By, string Reason);

/// <summary>How long to wait for a province step and how to re-drive it; captured at case start so replays agree.</summary>
public sealed record StepPolicy(TimeSpan StepTimeout, TimeSpan RetryDelay, TimeSpan MaxRetryDelay, int MaxRounds, int AttentionAfterRounds)
{
    /// <summary>The configured defaults without parking or a redrive window: a step out of rounds fails the case at once.</summary>
    public static StepPolicy Default { get; } = From(new WorkflowOptions()) with { ParkFor = TimeSpan.Zero, RedriveWindow = TimeSpan.Zero };

    /// <summary>The policy the settings give (captured into each case's input at its start).</summary>
    public static StepPolicy From(WorkflowOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.StepTimeout, options.RetryDelay, options.MaxRetryDelay, options.MaxRounds, options.AttentionAfterRounds)
        {
            SlowStepTimeout = options.SlowStepTimeout,
            RetryBudget = options.RetryBudget,
            ParkFor = options.ParkFor,
            RedriveWindow = options.RedriveWindow,
        };
    }

    /// <summary>How long slow work (an officer's or a school's review at a province) may take before the step is re-driven.</summary>
    public TimeSpan SlowStepTimeout { get; init; } = TimeSpan.FromDays(14);

    /// <summary>How long transient failures of a must-happen step (student.enroll) are retried before it fails for good.</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a step whose rounds ran out on transient failures stays parked, waiting for its province to answer
    /// again (the redrive timer, an operator, or a late answer), before the case fails. Zero: no parking.
    /// </summary>
    public TimeSpan ParkFor { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// How long a failed case is held at its failed step for an operator's redrive before what it did is undone and
    /// it closes. Zero: it fails and closes at once.
    /// </summary>
    public TimeSpan RedriveWindow { get; init; } = TimeSpan.Zero;

    public TimeSpan DelayBefore(int round)
    {
        var factor = Math.Pow(2, Math.Max(0, round - 2));
        var delay = TimeSpan.FromTicks((long)Math.Min(RetryDelay.Ticks * factor, MaxRetryDelay.Ticks));
        return delay;
    }
}

/// <summary>
/// The orchestration's input: identifiers and settings only, no personal data. <paramref name="TraceParent"/>: the opening
/// request's trace, which the case's steps continue (input, so every replay agrees).
/// </summary>
public sealed record CaseWorkflowInput(
    string CaseId, string CaseType, string HandlingProvince, IReadOnlyList<CaseParty> Parties,
    TimeSpan ReviewWindow, StepPolicy Policy, string? TraceParent = null)
{
    /// <summary>
    /// The workflow's shape the case started with. An orchestration replays the activities its history holds, so a case
    /// keeps its version to its end across deployments: an input from before versions existed reads as 1.
    /// </summary>
    public int Version { get; init; } = WorkflowVersions.First;
}

/// <summary>The workflow shapes a case may have started with (<see cref="CaseWorkflowInput.Version"/>).</summary>
public static class WorkflowVersions
{
    /// <summary>Every record, gate and dispatch its own activity.</summary>
    public const int First = 1;

    /// <summary>
    /// A record followed by a dispatch (an approval, an outcome, entering the irreversible step) rides on the dispatch; entering
    /// the irreversible step rides on the record or dispatch after it: marriage 8 activities to 5, newborn and school transfer one fewer.
    /// </summary>
    public const int FewerTurns = 2;

    /// <summary>
    /// A batch's first round waits under one durable timer per time limit instead of one per step (marriage 7 timers to 3).
    /// A timer is a control-queue message that fires at its limit even when cancelled, and costs the orchestration a turn
    /// then if it is still running (a marriage waiting on its review).
    /// </summary>
    public const int SharedTimeouts = 3;

    /// <summary>
    /// The last batch of must-succeed steps (marriage's marital.update, school transfer's transfer-out.confirm) completes the
    /// case with the step handler's write of its last success, instead of an activity of its own after it: one activity,
    /// one orchestration turn and one case-row write fewer per case.
    /// </summary>
    public const int LastStepCompletes = 4;

    /// <summary>
    /// Marriage's checks bring the case to review with the step handler's write of their last clear answer
    /// (<see cref="ProvinceStepDispatch.Move"/>), instead of an activity of its own after them: one activity, one
    /// orchestration turn and one case-row write fewer per marriage. When the handler did not make the move (a check held
    /// for a redrive, a host on older code), the workflow records it as before.
    /// </summary>
    public const int ReviewOnLastCheck = 5;

    /// <summary>
    /// Marriage's registration sends both marital.update steps with the step handler's write of its success
    /// (<see cref="ProvinceStep.Then"/>), the certificate recorded in that write, instead of an activity of the workflow after
    /// the answer: one activity, one orchestration turn and one case-row write fewer per marriage. When the handler did not
    /// send them (no certificate in the answer, a host on older code), the workflow sends them as before.
    /// </summary>
    public const int RegisterSendsUpdates = 6;

    /// <summary>
    /// An officer's approval sends marriage.register with the API's write of the decision: the checks' dispatch names the
    /// step an approval sends (<see cref="ProvinceStepDispatch.OnApproval"/>), and the decision API's write enters it, records
    /// the approval and the case InProgress, and queues it, instead of an activity of the workflow after the decision event:
    /// one activity, one orchestration turn, one case-row write and one trail transaction fewer per marriage. The review
    /// window's expiry is written only if no approval was (<see cref="CaseProgress.UnlessDecided"/>); a rejection, or an
    /// approval a withdrawal came before, leaves the workflow to act on the decision as before.
    /// </summary>
    public const int DecisionSendsRegistration = 7;

    /// <summary>
    /// A marriage's four checks, and its two marital updates, are told to the workflow in one event per batch
    /// (<see cref="ProvinceStep.Together"/>, <see cref="BatchAnswers"/>) instead of one per step: four control-queue messages
    /// and one or two orchestration turns fewer per marriage. An answer the batch cannot go on with (a refusal, a failure)
    /// is raised on its own, as before, with the batch's silent successes told alongside.
    /// </summary>
    public const int OneEventPerBatch = 8;

    /// <summary>
    /// Marriage's registration and its two marital updates wait under one time-out timer (<see cref="Orchestration.StepRun.Deadline"/>), created
    /// when the registration is awaited, instead of one each: a timer is a control-queue message that comes due at its limit even
    /// when cancelled, and costs the engine a read of the instance's history and row then (a turn, if the case is still
    /// running). The updates take it while it is due at least nine tenths of their own limit from then (they follow the
    /// registration's answer within moments), else a timer of their own.
    /// </summary>
    public const int OneTimeoutAfterApproval = 9;

    /// <summary>
    /// Marriage's registration is told to the workflow with the marital updates its success sent: the three are one batch told
    /// together (<see cref="ProvinceStep.Together"/>), so the registration's success, once it has sent the updates, raises
    /// nothing of its own and is told by the updates' event (or, should an update fail, alongside that failure); the workflow
    /// keeps what it hears of the updates while it waits on the registration (<see cref="Orchestration.ProvinceStepRunner"/>).
    /// One control-queue message and one orchestration turn fewer per marriage. A refusal, a failure or a success that sent
    /// nothing (no certificate, a later round) is raised on its own as before.
    /// </summary>
    public const int RegistrationToldWithUpdates = 10;

    /// <summary>What a case opened now starts with.</summary>
    public const int Current = RegistrationToldWithUpdates;
}

/// <summary>A party by role and the province that speaks for it (e.g. partyA at 330000), without personal data.</summary>
public sealed record CaseParty(string Role, string Province);
