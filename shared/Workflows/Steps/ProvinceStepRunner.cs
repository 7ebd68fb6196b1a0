using Microsoft.DurableTask;
using Tongban.Cases;

using Tongban.Provinces;

namespace Tongban.Workflows.Steps;

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

    /// <summary>Records status, step changes and outcome on the case row.</summary>
    public Task RecordAsync(CaseStatus? status = null, IReadOnlyList<StepChange>? steps = null, CaseOutcome? outcome = null) =>
        context.CallActivityAsync(WorkflowNames.Activities.RecordCaseProgress, new CaseProgress(input.CaseId, status, steps, outcome));

    public StepChange Change(string name, string? subject, string? province, StepStatus status, string? detail = null, bool? attention = null) =>
        new(name, subject, province, status, Now, detail, attention);

    /// <summary>
    /// Runs the steps in parallel. A step whose result is a transient failure is re-driven up to
    /// the policy's rounds; with <paramref name="untilSuccess"/>, every step is re-driven until it
    /// succeeds, and flagged for an operator once it has failed AttentionAfterRounds times.
    /// </summary>
    public async Task<IReadOnlyList<StepResult>> RunAsync(IReadOnlyList<ProvinceWorkItem> items, CaseStatus? status = null, bool untilSuccess = false,
        TimeSpan? retryBudget = null)
    {
        await context.CallActivityAsync(WorkflowNames.Activities.DispatchProvinceSteps, new ProvinceDispatch(input.CaseId, items, Now, status));
        var deadline = retryBudget is { } budget ? Now + budget : (DateTimeOffset?)null;
        return await Task.WhenAll(items.Select(item => DriveAsync(item, untilSuccess, deadline)));
    }

    /// <summary>Runs one step; see <see cref="RunAsync"/>.</summary>
    public async Task<StepResult> RunOneAsync(ProvinceWorkItem item, CaseStatus? status = null, bool untilSuccess = false, TimeSpan? retryBudget = null) =>
        (await RunAsync([item], status, untilSuccess, retryBudget))[0];

    public ProvinceWorkItem Item(string stepName, string? subject, string operation, string province) =>
        new(input.CaseId, stepName, subject, operation, province, 1);

    private async Task<StepResult> DriveAsync(ProvinceWorkItem item, bool untilSuccess, DateTimeOffset? deadline)
    {
        var current = item;
        var flagged = false;
        while (true)
        {
            StepResult result;
            try
            {
                result = await WaitForResultAsync(current);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return new StepResult(StepOutcome.Failed, "the case ended before an answer came");
            }

            var transient = result.Outcome == StepOutcome.Failed && result.Transient;
            var retry = untilSuccess ? result.Outcome != StepOutcome.Succeeded
                : deadline is { } until ? transient && Now < until
                : transient && current.Round < input.Policy.MaxRounds;
            if (!retry)
            {
                if (flagged && result.Outcome == StepOutcome.Succeeded)
                {
                    await RecordAsync(steps: [Change(current.StepName, current.Subject, current.Province, StepStatus.Succeeded, attention: false)]);
                }

                return result;
            }

            if (untilSuccess && current.Round >= input.Policy.AttentionAfterRounds && !flagged)
            {
                flagged = true;
                await RecordAsync(steps: [Change(current.StepName, current.Subject, current.Province, StepStatus.Running,
                    $"still failing after {current.Round} rounds: {result.Reason}", attention: true)]);
            }

            try
            {
                await context.CreateTimer(input.Policy.DelayBefore(current.Round + 1), stopping.Token);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return result;
            }

            if (stopping.IsCancellationRequested) return result;
            current = current with { Round = current.Round + 1 };
            await context.CallActivityAsync(WorkflowNames.Activities.DispatchProvinceSteps, new ProvinceDispatch(input.CaseId, [current], Now));
        }
    }

    private async Task<StepResult> WaitForResultAsync(ProvinceWorkItem item)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        var answer = context.WaitForExternalEvent<StepResult>(CaseEvents.StepResult(item.StepKey, item.Round), cancel.Token);
        var limit = CanonicalOperations.IsSlow(item.Operation) ? input.Policy.SlowStepTimeout : input.Policy.StepTimeout;
        var timeout = context.CreateTimer(limit, cancel.Token);
        var first = await Task.WhenAny(answer, timeout);
        stopping.Token.ThrowIfCancellationRequested();
        cancel.Cancel();
        return first == answer
            ? await answer
            : new StepResult(StepOutcome.Failed, $"no answer from {item.Province} within {limit}", Transient: true);
    }
}
