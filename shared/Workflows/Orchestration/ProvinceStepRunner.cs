using Microsoft.DurableTask;
using Tongban.Cases;

using Tongban.Provinces;

namespace Tongban.Workflows.Orchestration;

/// <summary>
/// Runs province steps from inside an orchestration: queue them (one activity for the batch), wait for
/// each result event with a time-out, and re-drive a step whose queue retries ran out, with back-off.
/// Deterministic: only the context's timers, events and activities.
/// </summary>
public sealed class ProvinceStepRunner(TaskOrchestrationContext context, CaseWorkflowInput input) : IDisposable
{
    /// <summary>Cancels every wait, time-out and re-drive still pending when the case ends, so none outlives it.</summary>
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Stops all pending waits and re-drives: nothing more is sent for this case.</summary>
    public void StopAll() => stopping.Cancel();

    public void Dispose() => stopping.Dispose();

    private DateTimeOffset Now => context.CurrentUtcDateTime;

    /// <summary>
    /// The trace the steps queued from here on continue: the opening request's, then (marriage) the deciding request's.
    /// Taken from the input and events only, so a replay queues the same.
    /// </summary>
    public string? TraceParent { get; set; } = input.TraceParent;

    /// <summary>The case's status as this runner last set it: what a redriven case returns to.</summary>
    private CaseStatus current = CaseStatus.InProgress;

    /// <summary>
    /// Records status, step changes and outcome on the case row; with <paramref name="irreversibleStep"/>, also enters that step,
    /// unless a withdrawal was recorded first: then nothing is written and the answer is false.
    /// </summary>
    public Task<bool> RecordAsync(CaseStatus? status = null, IReadOnlyList<StepChange>? steps = null, CaseOutcome? outcome = null, string? irreversibleStep = null,
        string? unlessDecided = null)
    {
        if (status is { } s && !s.IsFinal()) current = s;
        return context.CallActivityAsync<bool>(WorkflowNames.Activities.RecordCaseProgress,
            new CaseProgress(input.CaseId, status, steps, outcome, TraceParent: TraceParent, IrreversibleStep: irreversibleStep, UnlessDecided: unlessDecided),
            HubActivities.Options);
    }

    public StepChange Change(string name, string? subject, string? province, StepStatus status, string? detail = null, bool? attention = null) =>
        new(name, subject, province, status, Now, detail, attention);

    /// <summary>
    /// Runs the steps in parallel, each retried as <see cref="StepRun.Retry"/> says: bounded rounds hold a step still
    /// failing for a redrive (see <see cref="HoldAsync"/>); until success flags it for an operator once it has failed
    /// AttentionAfterRounds times. When <see cref="StepRun.Decides"/> says a result settles the case (a refusal), the
    /// steps still going are no longer held for a redrive: nothing they could answer would change it. Steps still in
    /// their rounds are heard out, so which refusal the case names does not depend on which answer came first.
    /// </summary>
    public async Task<IReadOnlyList<StepResult>> RunAsync(IReadOnlyList<ProvinceStep> items, StepRun? run = null) =>
        await TryRunAsync(items, run) ?? throw new InvalidOperationException("Only entering an irreversible step refuses a dispatch; use TryRunAsync.");

    /// <summary>
    /// <see cref="RunAsync"/> for a run that enters an irreversible step (<see cref="StepRun.IrreversibleStep"/>): null, with
    /// nothing recorded or sent, when a withdrawal was recorded first.
    /// </summary>
    public async Task<IReadOnlyList<StepResult>?> TryRunAsync(IReadOnlyList<ProvinceStep> items, StepRun? run = null)
    {
        run ??= new StepRun();
        var dispatch = new ProvinceStepDispatch(input.CaseId, items, Now, run.Status)
        {
            Changes = run.Changes,
            Outcome = run.Outcome,
            IrreversibleStep = run.IrreversibleStep,
            CompletesCase = run.CompletesCase,
            Move = run.Move,
            OnApproval = run.OnApproval,
        };
        if (!await context.CallActivityAsync<bool>(WorkflowNames.Activities.DispatchProvinceSteps, dispatch, HubActivities.Options)) return null;
        return await AwaitAsync(items, run);
    }

    /// <summary>
    /// <see cref="RunAsync"/> for steps already sent, their first round with <paramref name="run"/>'s dispatch (the step handler
    /// sent them with the success of the step before, <see cref="ProvinceStep.Then"/>): waits for their answers and retries them
    /// as <see cref="RunAsync"/> does.
    /// </summary>
    public async Task<IReadOnlyList<StepResult>> AwaitAsync(IReadOnlyList<ProvinceStep> items, StepRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Status is { } s) current = s;
        var started = Now;
        using var decided = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        // The first round's time-outs: one timer per time limit for the whole batch (version 3), cancelled once every step's
        // first round has ended; before, each step's wait made its own.
        using var firstRound = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        // A deadline the workflow keeps (version 9) stands for the timer of the limit it serves.
        var shared = input.Version >= WorkflowVersions.SharedTimeouts
            ? items.Select(TimeLimit).Distinct().ToDictionary(limit => limit,
                limit => run.Deadline is { } kept && kept.Serves(limit, context.CurrentUtcDateTime) ? kept.Timer : context.CreateTimer(limit, firstRound.Token))
            : null;
        var firstRoundsOpen = items.Count;
        void FirstRoundEnded()
        {
            if (--firstRoundsOpen == 0) firstRound.Cancel();
        }

        // A batch told together (version 8): one listener takes its events and tells each step's wait its answer.
        using var listening = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        var together = input.Version >= WorkflowVersions.OneEventPerBatch ? items[0].Together : null;
        var told = together is null ? null : items.ToDictionary(i => i.StepKey, _ => new TaskCompletionSource<StepResult>());
        if (told is not null)
        {
            // What a batch's event told of these steps while the workflow waited on an earlier step of it (version 10).
            foreach (var (key, wait) in told)
            {
                if (heard.Remove(key, out var early)) wait.SetResult(early);
            }

            _ = ListenAsync(together!, told, listening.Token);
        }
        // The first round's time-out before the batch's word: which of its steps succeeded without one is read once, for all.
        Task<IReadOnlyList<string>>? succeeded = null;
        Func<Task<IReadOnlyList<string>>>? askSucceeded = together is null ? null : () => succeeded ??=
            context.CallActivityAsync<IReadOnlyList<string>>(WorkflowNames.Activities.QuietSteps, new QuietStepsQuery(input.CaseId, together), HubActivities.Options);

        var drives = items.Select(async item =>
        {
            var result = await DriveAsync(item, run.Retry, started, new FirstRound(shared?[TimeLimit(item)], FirstRoundEnded, askSucceeded),
                told?[item.StepKey].Task, decided.Token);
            if (run.Decides is { } decides && decides(item, result)) decided.Cancel();
            return result;
        }).ToList();
        var results = await Task.WhenAll(drives);
        listening.Cancel();
        return results;
    }

    /// <summary>
    /// Answers a batch's event told of steps the workflow was not yet waiting on (version 10: the marital updates, told with the
    /// registration's success), by step key: the wait that comes for them takes them from here. Filled and emptied by
    /// orchestration code only, so every replay agrees.
    /// </summary>
    private readonly Dictionary<string, StepResult> heard = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes a batch's events (<see cref="BatchAnswers"/>) until every step of it awaited here has been told, each answer to its
    /// step's wait: the event that finishes the batch, and before it any that tells the silent successes of a batch that cannot go
    /// on. An answer for a step of the batch not awaited here is kept for the wait that comes for it (<see cref="heard"/>).
    /// </summary>
    private async Task ListenAsync(IReadOnlyList<string> together, Dictionary<string, TaskCompletionSource<StepResult>> told, CancellationToken stop)
    {
        try
        {
            while (told.Values.Any(t => !t.Task.IsCompleted))
            {
                var batch = await context.WaitForExternalEvent<BatchAnswers>(CaseEvents.Batch(together), stop);
                // Kept first: telling a wait runs the workflow on at once, up to the wait that takes what is kept.
                foreach (var (key, answer) in batch.Answers.Where(a => !told.ContainsKey(a.Key))) heard[key] = answer;
                foreach (var (key, answer) in batch.Answers)
                {
                    if (told.TryGetValue(key, out var wait)) wait.TrySetResult(answer);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Every step has its answer, or the case ended.
        }
    }

    /// <summary>
    /// A step's first round in its batch: the batch's shared time-out (null: its own), whom to tell when it ends, and, for a batch
    /// told together, how to learn which of its steps succeeded without a word when the time-out comes first.
    /// </summary>
    private sealed record FirstRound(Task? Timeout, Action Ended, Func<Task<IReadOnlyList<string>>>? Succeeded = null);

    private TimeSpan TimeLimit(ProvinceStep item) =>
        CanonicalOperations.IsSlow(item.Operation) ? input.Policy.SlowStepTimeout : input.Policy.StepTimeout;

    /// <summary>
    /// A time-out of <paramref name="item"/>'s limit from now, for the workflow to keep across the batches that follow it
    /// (<see cref="StepRun.Deadline"/>); <paramref name="cancel"/> is the workflow's to cancel once it waits no more.
    /// </summary>
    public StepDeadline Deadline(ProvinceStep item, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(item);
        var limit = TimeLimit(item);
        return new StepDeadline(context.CreateTimer(limit, cancel), context.CurrentUtcDateTime + limit);
    }

    /// <summary>Runs one step; see <see cref="RunAsync"/>.</summary>
    public async Task<StepResult> RunOneAsync(ProvinceStep item, StepRun? run = null) => (await RunAsync([item], run))[0];

    public ProvinceStep Item(string stepName, string? subject, string operation, string province) =>
        new(input.CaseId, stepName, subject, operation, province, 1, TraceParent);

    /// <summary>
    /// From version 8, <paramref name="items"/> (two or more) as a batch told together (<see cref="ProvinceStep.Together"/>); before,
    /// or for a single step, as they are.
    /// </summary>
    public static IReadOnlyList<ProvinceStep> Together(CaseWorkflowInput input, IReadOnlyList<ProvinceStep> items)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Version < WorkflowVersions.OneEventPerBatch || items.Count < 2) return items;
        IReadOnlyList<string> keys = [.. items.Select(i => i.StepKey)];
        return [.. items.Select(i => i with { Together = keys })];
    }

    /// <param name="started">When the run began: a time budget counts from here.</param>
    /// <param name="decided">Cancelled when the case's outcome is settled (by a sibling's refusal) or the case ends: ends a hold.</param>
    /// <param name="first">The first round's shared time-out, and whom to tell when that round has ended.</param>
    /// <param name="told">The step's answer as its batch tells it (version 8), when it is told with one.</param>
    private async Task<StepResult> DriveAsync(ProvinceStep item, RetryMode mode, DateTimeOffset started, FirstRound? first, Task<StepResult>? told,
        CancellationToken decided)
    {
        var stop = stopping.Token;
        var step = item;
        var flagged = false;
        var pending = (Task<StepResult>?)null;
        while (true)
        {
            StepResult result;
            try
            {
                result = await (pending ?? WaitForResultAsync(step, first?.Timeout, told, first?.Succeeded, stop));
                pending = null;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return new StepResult(StepOutcome.Failed, "the case ended before an answer came");
            }
            finally
            {
                first?.Ended();
                first = null;
            }

            var decision = mode.Decide(result, step.Round, input.Policy, Now, started);
            if (decision == RetryDecision.Hold)
            {
                // Out of rounds, or a defect: hold the step for a redrive instead of failing the case (when the policy says so).
                if (decided.IsCancellationRequested) return result;
                HeldOutcome held;
                try
                {
                    held = await HoldAsync(step, result, told, decided);
                }
                catch (OperationCanceledException) when (decided.IsCancellationRequested)
                {
                    return result;
                }

                if (held.Answer is { } late)
                {
                    // The held round's own answer came after all (a message moved back from poison): judge it as any answer.
                    flagged = true;
                    pending = Task.FromResult(late);
                    continue;
                }

                if (held.Redrive)
                {
                    flagged = true;
                    step = NextRound(step);
                    await context.CallActivityAsync(WorkflowNames.Activities.DispatchProvinceSteps, new ProvinceStepDispatch(input.CaseId, [step], Now, current), HubActivities.Options);
                    continue;
                }
            }

            if (decision != RetryDecision.Retry)
            {
                if (flagged && result.Outcome == StepOutcome.Succeeded)
                {
                    await RecordAsync(steps: [Change(step.StepName, step.Subject, step.Province, StepStatus.Succeeded, attention: false)]);
                }

                return result;
            }

            if (mode.FlagsAttention && step.Round >= input.Policy.AttentionAfterRounds && !flagged)
            {
                flagged = true;
                await RecordAsync(steps: [Change(step.StepName, step.Subject, step.Province, StepStatus.Running,
                    $"still failing after {step.Round} rounds: {result.Reason}", attention: true)]);
            }

            try
            {
                await context.CreateTimer(input.Policy.DelayBefore(step.Round + 1), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return result;
            }

            if (stop.IsCancellationRequested) return result;
            step = NextRound(step);
            await context.CallActivityAsync(WorkflowNames.Activities.DispatchProvinceSteps, new ProvinceStepDispatch(input.CaseId, [step], Now), HubActivities.Options);
        }
    }

    /// <summary>
    /// The step's next round. It sends nothing after it (<see cref="ProvinceStep.Then"/>): a step that needed another round
    /// leaves what follows to the workflow, as before version 6.
    /// </summary>
    private static ProvinceStep NextRound(ProvinceStep step) => step with { Round = step.Round + 1, Then = null };

    /// <summary>How a hold ended: the held round's late answer, a redrive, or neither (the wait ran out).</summary>
    private readonly record struct HeldOutcome(StepResult? Answer, bool Redrive);

    /// <summary>
    /// Holds a failed step instead of failing the case. A transient failure first parks (the case goes on showing its
    /// status; the step is Waiting) for <see cref="StepPolicy.ParkFor"/>, until the redrive timer sees the province
    /// answer again, an operator re-drives it, or the held round's answer comes late. Still failing after that, or a
    /// defect, the case is held Failed for <see cref="StepPolicy.RedriveWindow"/>, for an operator's redrive. A redrive
    /// puts the case back to its status and the step on a new round. With neither window, nothing is held.
    /// </summary>
    private async Task<HeldOutcome> HoldAsync(ProvinceStep step, StepResult failure, Task<StepResult>? told, CancellationToken stop)
    {
        var policy = input.Policy;
        if (failure.Transient && policy.ParkFor > TimeSpan.Zero)
        {
            await RecordAsync(steps: [Held(step, StepStatus.Waiting,
                $"parked after {step.Round} round(s): {failure.Reason}; re-driven when {step.Province} answers again")]);
            var (parked, notice) = await WaitHeldAsync(step, policy.ParkFor, acceptAnswer: true, told, stop);
            if (parked.Redrive || parked.Answer is not null)
            {
                await RecordAsync(steps: [Resumed(step, notice, parked.Answer)]);
                return parked;
            }

            failure = failure with { Reason = $"{failure.Reason}; no answer while parked for {policy.ParkFor}" };
            if (policy.RedriveWindow <= TimeSpan.Zero)
            {
                await RecordAsync(steps: [Change(step.StepName, step.Subject, step.Province, StepStatus.Failed, failure.Reason) with { AwaitingRedrive = false }]);
                return default;
            }
        }

        if (policy.RedriveWindow <= TimeSpan.Zero) return default;

        // Failed, but not closed: nothing is undone yet, and an operator may re-drive the step within the window.
        var until = Now + policy.RedriveWindow;
        await context.CallActivityAsync(WorkflowNames.Activities.RecordCaseProgress, new CaseProgress(input.CaseId, CaseStatus.Failed,
            [Held(step, StepStatus.Failed, $"{failure.Reason}; held for an operator's redrive until {until:yyyy-MM-ddTHH:mm:ssZ}")],
            Held: true, Reason: CaseFlow.FailureReason(step, failure), TraceParent: step.TraceParent), HubActivities.Options);
        var (held, by) = await WaitHeldAsync(step, policy.RedriveWindow, acceptAnswer: failure.Transient, told, stop);
        var resumed = held.Redrive || held.Answer is not null;
        // Re-driven (or answered after all): back to the case's own status. Window closed: still Failed; the workflow undoes and ends it.
        await context.CallActivityAsync(WorkflowNames.Activities.RecordCaseProgress, resumed
            ? new CaseProgress(input.CaseId, current, [Resumed(step, by, held.Answer)], Reason: "", TraceParent: step.TraceParent)
            : new CaseProgress(input.CaseId, Held: true, Steps: [Change(step.StepName, step.Subject, step.Province, StepStatus.Failed,
                $"{failure.Reason}; no redrive within {policy.RedriveWindow}") with { AwaitingRedrive = false }]), HubActivities.Options);
        return held;
    }

    private StepChange Held(ProvinceStep step, StepStatus status, string detail) =>
        Change(step.StepName, step.Subject, step.Province, status, detail, attention: true) with { AwaitingRedrive = true };

    /// <summary>A re-driven step's detail, which partners read: who re-drove it and why are in the case's audit, for operators.</summary>
    public const string ReDriven = "re-driven";

    private StepChange Resumed(ProvinceStep step, RedriveNotice? notice, StepResult? answer) => notice is not null
        ? Change(step.StepName, step.Subject, step.Province, StepStatus.Running, ReDriven) with { AwaitingRedrive = false }
        : Change(step.StepName, step.Subject, step.Province, answer!.Outcome == StepOutcome.Succeeded ? StepStatus.Succeeded : StepStatus.Running,
            "answered after being held") with { AwaitingRedrive = false };

    /// <summary>Waits for a redrive, the held round's late answer (or its batch's word of it), or the end of the window.</summary>
    private async Task<(HeldOutcome Outcome, RedriveNotice? Notice)> WaitHeldAsync(ProvinceStep step, TimeSpan window, bool acceptAnswer, Task<StepResult>? told,
        CancellationToken stop)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var redrive = context.WaitForExternalEvent<RedriveNotice>(CaseEvents.Redrive(step.StepKey), cancel.Token);
        var answer = acceptAnswer ? context.WaitForExternalEvent<StepResult>(CaseEvents.StepResult(step.StepKey, step.Round), cancel.Token) : null;
        var timeout = context.CreateTimer(window, cancel.Token);
        var byBatch = acceptAnswer ? told : null;
        var first = await Task.WhenAny(new Task?[] { redrive, answer, byBatch, timeout }.OfType<Task>());
        stop.ThrowIfCancellationRequested();
        cancel.Cancel();
        if (first == redrive) return (new HeldOutcome(null, true), await redrive);
        if (first == byBatch) return (new HeldOutcome(await byBatch!, false), null);
        return first == answer ? (new HeldOutcome(await answer!, false), null) : (default, null);
    }

    /// <param name="sharedTimeout">The batch's time-out this wait shares (its first round); null: a timer of its own.</param>
    /// <param name="told">The step's answer as its batch tells it (version 8): as good as its own event, whichever round this is.</param>
    /// <param name="succeeded">On the time-out, which of the batch's steps succeeded without a word (version 8, first round).</param>
    private async Task<StepResult> WaitForResultAsync(ProvinceStep item, Task? sharedTimeout, Task<StepResult>? told, Func<Task<IReadOnlyList<string>>>? succeeded,
        CancellationToken stop)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var answer = context.WaitForExternalEvent<StepResult>(CaseEvents.StepResult(item.StepKey, item.Round), cancel.Token);
        var limit = TimeLimit(item);
        var timeout = sharedTimeout ?? context.CreateTimer(limit, cancel.Token);
        var first = told is null ? await Task.WhenAny(answer, timeout) : await Task.WhenAny(answer, told, timeout);
        stop.ThrowIfCancellationRequested();
        cancel.Cancel();
        if (first == told) return await told;
        if (first == answer) return await answer;
        // Its batch's time-out came first, but the step may have succeeded without a word (the batch unfinished).
        if (succeeded is not null && (await succeeded()).Contains(item.StepKey)) return new StepResult(StepOutcome.Succeeded) { Cleared = true };
        return new StepResult(StepOutcome.Failed, $"no answer from {item.Province} within {limit}", Transient: true);
    }
}
