using Microsoft.DurableTask;
using Tongban.Cases;

namespace Tongban.Workflows.Orchestration;

/// <summary>What every case workflow does the same way: end the case with a reason, honour a withdrawal, undo what was done.</summary>
public sealed class CaseFlow(TaskOrchestrationContext context, CaseWorkflowInput input)
{
    /// <summary>How long to wait for the withdrawal event after the gate saw the withdrawal flag (the API raises it right after).</summary>
    private static readonly TimeSpan WithdrawalGrace = TimeSpan.FromSeconds(5);
    private readonly List<(ProvinceStep Undo, string StepName, string? Subject, string Province)> compensations = [];

    public ProvinceStepRunner Steps { get; } = new(context, input);

    /// <summary>Compensations run on their own runner: they must go on after the case's own steps are stopped.</summary>
    private ProvinceStepRunner Undo { get; } = new(context, input);

    /// <summary>The withdrawal the handling province may ask for at any time; created once so every wait can race it.</summary>
    public Task<WithdrawalNotice> Withdrawal { get; } = context.WaitForExternalEvent<WithdrawalNotice>(CaseEvents.Withdrawal);

    /// <summary>
    /// The workflow of a case's orchestration, its start marked by a span when the orchestrator runs this code for the
    /// first time: never on a replay, which would repeat it at every episode.
    /// </summary>
    public static CaseFlow Start(TaskOrchestrationContext context, CaseWorkflowInput input)
    {
        if (!context.IsReplaying) Telemetry.CaseSpans.OrchestrationStarted(input);
        return new CaseFlow(context, input);
    }

    /// <summary>The steps queued from here on continue <paramref name="traceParent"/> (a later partner request's), when there is one.</summary>
    public void ContinueTrace(string? traceParent)
    {
        if (traceParent is null) return;
        Steps.TraceParent = traceParent;
        Undo.TraceParent = traceParent;
    }

    /// <summary>Registers the undo of a step before the step runs; compensations run in reverse order.</summary>
    public void Compensate(ProvinceStep undo, string stepName, string? subject, string province) =>
        compensations.Add((undo, stepName, subject, province));

    /// <summary>Runs the registered compensations, newest first, each until it succeeds, and marks what they undid.</summary>
    public async Task CompensateAllAsync()
    {
        for (var i = compensations.Count - 1; i >= 0; i--)
        {
            var (undo, stepName, subject, province) = compensations[i];
            await Undo.RunOneAsync(undo, new StepRun(Retry: RetryMode.UntilSucceeded));
            await Undo.RecordAsync(steps: [Undo.Change(stepName, subject, province, StepStatus.Compensated, $"undone by {undo.StepName}")]);
        }

        compensations.Clear();
    }

    public async Task<CaseStatus> FinishAsync(CaseStatus status, string reason, IReadOnlyList<StepChange>? changes = null, CaseOutcome? outcome = null)
    {
        Steps.StopAll();
        outcome ??= new CaseOutcome();
        outcome.Reason = reason;
        await Steps.RecordAsync(status, changes, outcome);
        return status;
    }

    /// <summary>
    /// <see cref="FinishAsync"/> unless the decision API approved <paramref name="unlessDecided"/> first (see
    /// <see cref="CaseProgress.UnlessDecided"/>): then nothing is written, nothing stopped, and the answer is false.
    /// </summary>
    public async Task<bool> TryFinishAsync(CaseStatus status, string reason, IReadOnlyList<StepChange> changes, string unlessDecided)
    {
        if (!await Steps.RecordAsync(status, changes, new CaseOutcome { Reason = reason }, unlessDecided: unlessDecided)) return false;
        Steps.StopAll();
        return true;
    }

    /// <summary>What an approved review step says: the workflow's record of it, and the decision API's (version 7).</summary>
    public static string ApprovedBy(string officer) => $"approved by {officer}";

    /// <summary>Undoes what was done and ends the case Withdrawn, with the handling province's reason.</summary>
    public async Task<CaseStatus> WithdrawAsync(IReadOnlyList<StepChange>? changes = null)
    {
        if (!Withdrawal.IsCompleted)
        {
            // The gate saw the flag first; the event with the reason follows within moments.
            using var cancel = new CancellationTokenSource();
            await Task.WhenAny(Withdrawal, context.CreateTimer(WithdrawalGrace, cancel.Token));
            cancel.Cancel();
        }

        // Nothing more is sent for the case's own steps; only their undoing.
        Steps.StopAll();
        await CompensateAllAsync();
        var reason = Withdrawal.IsCompletedSuccessfully ? Withdrawal.Result.Reason : "withdrawn by the handling province";
        return await FinishAsync(CaseStatus.Withdrawn, $"withdrawn: {reason}", changes);
    }

    /// <summary>Marks the irreversible step as begun unless a withdrawal came first (atomic with the API).</summary>
    public Task<bool> EnterIrreversibleStepAsync(string stepName) =>
        context.CallActivityAsync<bool>(WorkflowNames.Activities.EnterIrreversibleStep, new IrreversibleStepRequest(input.CaseId, stepName), HubActivities.Options);

    /// <summary>
    /// A result that settles the case by itself: an answer the assessment refuses (one told cleared by its batch was judged clear
    /// by the step handler). Steps still going can stop.
    /// </summary>
    public static Func<ProvinceStep, StepResult, bool> Refuses(Func<ProvinceStep, StepResult, string?> assess) =>
        (item, result) => result.Outcome != StepOutcome.Failed && !result.Cleared && assess(item, result) is not null;

    /// <summary>
    /// How the workflow of <paramref name="caseType"/> reads its checks' answers (see <see cref="Refuses"/>): the step handler
    /// judges a case's move (<see cref="CaseMove"/>) by it, as the workflow would.
    /// </summary>
    public static Func<ProvinceStep, StepResult, string?> Assessment(string caseType) => caseType switch
    {
        CaseTypeNames.Marriage => MarriageRegistrationOrchestrator.Assess,
        CaseTypeNames.Newborn => NewbornRegistrationOrchestrator.Assess,
        CaseTypeNames.SchoolTransfer => SchoolTransferOrchestrator.Assess,
        _ => PartyChecks.Assess,
    };

    /// <summary>
    /// The case's outcome a step's success gives, or null when it gives none: a marriage's certificate, registered on the
    /// Beijing date of <paramref name="at"/>. The workflow records it with the dispatch after that step; the step handler
    /// with the steps that success sends (<see cref="ProvinceStepDispatch.OutcomeFromAnswer"/>).
    /// </summary>
    public static CaseOutcome? OutcomeOf(StepResult result, DateTimeOffset at) =>
        result.Outcome == StepOutcome.Succeeded && result.Data is MarriageRegistered { CertificateNo: { } certificateNo }
            ? new CaseOutcome { CertificateNo = certificateNo, RegisteredOn = BeijingTime.DateOf(at).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }
            : null;

    /// <summary>The first business refusal among results, else the first failure (a refusal is definitive; a failure may only be a province away).</summary>
    public static string? FirstProblem(IReadOnlyList<ProvinceStep> items, IReadOnlyList<StepResult> results, Func<ProvinceStep, StepResult, string?> assess, out bool failed)
    {
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i].Outcome != StepOutcome.Failed && !results[i].Cleared && assess(items[i], results[i]) is { } refusal)
            {
                failed = false;
                return refusal;
            }
        }

        for (var i = 0; i < results.Count; i++)
        {
            if (results[i].Outcome == StepOutcome.Failed)
            {
                failed = true;
                return FailureReason(items[i], results[i]);
            }
        }

        failed = false;
        return null;
    }

    public static string FailureReason(ProvinceStep item, StepResult result) => result.Transient
        ? $"province-unavailable: {item.Province} did not answer {item.Operation} ({result.Reason})"
        : $"province-defect: {item.Province} could not take {item.Operation} ({result.Reason})";
}
