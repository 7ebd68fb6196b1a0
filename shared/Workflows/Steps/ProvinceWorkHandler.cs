using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Tongban.Cases;
using Tongban.Storage;

namespace Tongban.Workflows.Steps;

/// <summary>
/// The queue-triggered dispatcher, shared by both hosts: call the province, record the step, raise the
/// result to the orchestration. A transient fault throws, so the queue retries and finally poisons;
/// the poison path records the step as failed and tells the orchestration.
/// </summary>
public sealed class ProvinceWorkHandler(
    CaseStore cases, ProvinceStepInvoker invoker, DurableTaskClient durable, TimeProvider time, ILogger<ProvinceWorkHandler> logger)
{
    public async Task HandleAsync(string message, long dequeueCount, CancellationToken ct)
    {
        var item = TongbanJson.Deserialize<ProvinceWorkItem>(message);
        var stored = await cases.GetAsync(item.CaseId, ct);
        if (stored is null || stored.Record.Status.IsFinal())
        {
            logger.LogInformation("Case {CaseId} step {Step} skipped: the case is gone or ended", item.CaseId, item.StepKey);
            return;
        }

        var result = await invoker.InvokeAsync(stored, item, ct);
        logger.LogInformation("Case {CaseId} step {Step} at {Province}: {Outcome}", item.CaseId, item.StepKey, item.Province, result.Outcome);
        await CompleteAsync(item, result, (int)dequeueCount, ct);
    }

    public async Task HandlePoisonAsync(string message, CancellationToken ct)
    {
        var item = TongbanJson.Deserialize<ProvinceWorkItem>(message);
        logger.LogWarning("Case {CaseId} step {Step} at {Province}: retries exhausted", item.CaseId, item.StepKey, item.Province);
        var result = new StepResult(StepOutcome.Failed, $"{item.Province} kept failing; queue retries exhausted", Transient: true);
        await CompleteAsync(item, result, attemptsThisRound: 0, ct);
    }

    private async Task CompleteAsync(ProvinceWorkItem item, StepResult result, int attemptsThisRound, CancellationToken ct)
    {
        var status = result.Outcome == StepOutcome.Succeeded ? StepStatus.Succeeded : StepStatus.Failed;
        try
        {
            await cases.UpdateAsync(item.CaseId, record =>
            {
                var step = record.Step(item.StepName, item.Subject, item.Province);
                if (step.Status == StepStatus.Succeeded) return false;
                CaseActivities.Apply(record, new StepChange(item.StepName, item.Subject, item.Province, status, time.GetUtcNow(),
                    result.Reason, Attempts: step.Attempts + Math.Max(attemptsThisRound, 1)));
                return true;
            }, ct);
        }
        catch (CaseNotFoundException)
        {
            return;
        }

        await durable.RaiseEventAsync(item.CaseId, CaseEvents.StepResult(item.StepKey, item.Round), result, ct);
    }
}
