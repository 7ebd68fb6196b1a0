using System.Globalization;
using Microsoft.DurableTask;
using Tongban.Cases;
using Tongban.Workflows.Steps;

namespace Tongban.Workflows.Marriage;

/// <summary>
/// Marriage registration (contracts/provinces/README.md): verify both parties at their hukou provinces
/// in parallel, officer review with a window, marriage.register at the handling province (the
/// irreversible step), then marital.update at both home provinces until it succeeds.
/// </summary>
public static class MarriageRegistrationWorkflow
{
    private static readonly TimeSpan BeijingOffset = TimeSpan.FromHours(8);

    public static async Task<CaseStatus> RunAsync(TaskOrchestrationContext context, CaseWorkflowInput input)
    {
        var steps = new ProvinceStepRunner(context, input);
        var withdrawal = context.WaitForExternalEvent<WithdrawalNotice>(CaseEvents.Withdrawal);
        var parties = input.Parties;

        // 1. Both parties, at their hukou provinces, in parallel: who they are and whether they are free to marry.
        var checks = parties.SelectMany(p => new[]
        {
            steps.Item(StepNames.VerifyResident, p.Role, Operations.ResidentVerify, p.Province),
            steps.Item(StepNames.CheckMaritalStatus, p.Role, Operations.MaritalStatus, p.Province),
        }).ToList();
        var verifying = steps.RunAsync(checks, CaseStatus.InProgress);
        if (await Task.WhenAny(verifying, withdrawal) == withdrawal)
        {
            return await WithdrawAsync(steps, withdrawal);
        }

        var results = await verifying;
        var failure = results.Select((r, i) => (r, item: checks[i])).FirstOrDefault(x => x.r.Outcome == StepOutcome.Failed);
        if (failure.r is not null)
        {
            return await FinishAsync(steps, CaseStatus.Failed, $"province-unavailable: {failure.item.Province} did not answer {failure.item.Operation} ({failure.r.Reason})");
        }

        var refusal = results.Select((r, i) => Assess(checks[i], r)).FirstOrDefault(reason => reason is not null);
        if (refusal is not null)
        {
            return await FinishAsync(steps, CaseStatus.Rejected, refusal);
        }

        // 2. The couple appears before the handling province's officer, who decides through the API.
        await steps.RecordAsync(CaseStatus.AwaitingReview,
            [steps.Change(StepNames.OfficerReview, null, input.HandlingProvince, StepStatus.Waiting, "awaiting the officer's decision")]);
        using (var cancelWindow = new CancellationTokenSource())
        {
            var decision = context.WaitForExternalEvent<OfficerDecisionEvent>(CaseEvents.Decision(StepNames.OfficerReview), cancelWindow.Token);
            var window = context.CreateTimer(input.ReviewWindow, cancelWindow.Token);
            var first = await Task.WhenAny(decision, window, withdrawal);
            cancelWindow.Cancel();
            if (first == withdrawal)
            {
                return await WithdrawAsync(steps, withdrawal, [steps.Change(StepNames.OfficerReview, null, input.HandlingProvince, StepStatus.Skipped, "withdrawn")]);
            }

            if (first == window)
            {
                return await FinishAsync(steps, CaseStatus.Expired, $"review-expired: no decision within {input.ReviewWindow}",
                    [steps.Change(StepNames.OfficerReview, null, input.HandlingProvince, StepStatus.Failed, "no decision in the review window")]);
            }

            var given = await decision;
            if (given.Decision != "approve")
            {
                return await FinishAsync(steps, CaseStatus.Rejected, $"review-rejected: {given.Reason}",
                    [steps.Change(StepNames.OfficerReview, null, input.HandlingProvince, StepStatus.Failed, $"rejected by {given.Officer}")]);
            }

            await steps.RecordAsync(CaseStatus.InProgress,
                [steps.Change(StepNames.OfficerReview, null, input.HandlingProvince, StepStatus.Succeeded, $"approved by {given.Officer}")]);
        }

        // 3. The irreversible step: withdrawal is refused from here on (the gate is atomic with the API's withdrawal).
        if (!await context.CallActivityAsync<bool>(WorkflowNames.Activities.EnterIrreversibleStep,
                new IrreversibleStepRequest(input.CaseId, StepNames.RegisterMarriage)))
        {
            return await WithdrawAsync(steps, withdrawal);
        }

        var register = (await steps.RunAsync([steps.Item(StepNames.RegisterMarriage, null, Operations.MarriageRegister, input.HandlingProvince)]))[0];
        var certificateNo = register.Get("certificateNo");
        if (register.Outcome != StepOutcome.Succeeded || certificateNo is null)
        {
            var status = register.Outcome == StepOutcome.Refused ? CaseStatus.Rejected : CaseStatus.Failed;
            return await FinishAsync(steps, status, $"registration-{(status == CaseStatus.Rejected ? "refused" : "failed")}: {register.Reason}");
        }

        var registeredOn = DateOnly.FromDateTime(context.CurrentUtcDateTime + BeijingOffset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var outcome = new CaseOutcome { CertificateNo = certificateNo, RegisteredOn = registeredOn };
        await steps.RecordAsync(outcome: outcome);

        // 4. Both home provinces record the marriage; a registered marriage is never undone, so this is retried until it succeeds.
        await steps.RunAsync(parties.Select(p => steps.Item(StepNames.UpdateMaritalStatus, p.Role, Operations.MaritalUpdate, p.Province)).ToList(),
            untilSuccess: true);

        await steps.RecordAsync(CaseStatus.Completed, outcome: outcome);
        return CaseStatus.Completed;
    }

    /// <summary>Turns a verification answer into a rejection reason, or null when the party may marry.</summary>
    internal static string? Assess(ProvinceWorkItem item, StepResult result)
    {
        var who = item.Subject;
        return (item.Operation, result.Outcome) switch
        {
            (_, StepOutcome.NoRecord) => $"{who}.no-record: {item.Province} has no record for {who}",
            (_, StepOutcome.Refused) => $"{who}.refused: {result.Reason}",
            (Operations.ResidentVerify, _) when result.Get("match") != "true" => $"{who}.name-mismatch: ID number and name do not belong together",
            (Operations.ResidentVerify, _) when result.Get("residentStatus") != "normal" => $"{who}.{result.Get("residentStatus")}: resident status is {result.Get("residentStatus")}",
            (Operations.MaritalStatus, _) when result.Get("maritalStatus") == "married" => $"{who}.married: {who} is married",
            _ => null,
        };
    }

    private static async Task<CaseStatus> FinishAsync(ProvinceStepRunner steps, CaseStatus status, string reason, IReadOnlyList<StepChange>? changes = null)
    {
        await steps.RecordAsync(status, changes, new CaseOutcome { Reason = reason });
        return status;
    }

    private static async Task<CaseStatus> WithdrawAsync(ProvinceStepRunner steps, Task<WithdrawalNotice> withdrawal, IReadOnlyList<StepChange>? changes = null)
    {
        var reason = withdrawal.IsCompletedSuccessfully ? withdrawal.Result.Reason : "withdrawn by the handling province";
        return await FinishAsync(steps, CaseStatus.Withdrawn, $"withdrawn: {reason}", changes);
    }
}
