using Microsoft.DurableTask;
using Tongban.Cases;

using Tongban.Provinces;

namespace Tongban.Workflows.Orchestration;

/// <summary>
/// Newborn household registration (contracts/provinces/README.md), handled by the registering parent's
/// hukou province: verify the birth certificate (birth province) and the parent (in parallel), mark the
/// certificate used (its release registered first as the compensation), then newborn.register, slow
/// work that a police officer approves or refuses. Refused, failed or withdrawn: the certificate is released.
/// A certificate verified as used is rejected only when birth.mark-used refuses this case: the province's mark is
/// keyed by hubCaseId, so a certificate this case already holds (from a delivery repeated after a crash) goes on.
/// </summary>
public static class NewbornRegistrationOrchestrator
{
    public const string BirthRole = "birth";
    public const string ParentRole = "parent";

    public static async Task<CaseStatus> RunAsync(TaskOrchestrationContext context, CaseWorkflowInput input)
    {
        var flow = CaseFlow.Start(context, input);
        var steps = flow.Steps;
        var handling = input.HandlingProvince;
        var birthProvince = input.Parties.Single(p => p.Role == BirthRole).Province;

        // 1. The certificate at the birth province and the registering parent at home, in parallel.
        var checks = new List<ProvinceStep>
        {
            steps.Item(StepNames.VerifyBirthCertificate, null, CanonicalOperations.BirthVerify, birthProvince),
            steps.Item(StepNames.VerifyResident, ParentRole, CanonicalOperations.ResidentVerify, handling),
        };
        var verifying = steps.RunAsync(checks, new StepRun(CaseStatus.InProgress, Decides: CaseFlow.Refuses(Assess)));
        if (await Task.WhenAny(verifying, flow.Withdrawal) == flow.Withdrawal) return await flow.WithdrawAsync();
        var verified = await verifying;
        var problem = CaseFlow.FirstProblem(checks, verified, Assess, out var failed);
        if (problem is not null) return await flow.FinishAsync(failed ? CaseStatus.Failed : CaseStatus.Rejected, problem);

        // 2. Hold the certificate for this case; its release is registered before the step it undoes.
        var release = steps.Item(StepNames.ReleaseBirthCertificate, null, CanonicalOperations.BirthRelease, birthProvince);
        flow.Compensate(release, StepNames.MarkBirthCertificateUsed, null, birthProvince);
        var markItem = steps.Item(StepNames.MarkBirthCertificateUsed, null, CanonicalOperations.BirthMarkUsed, birthProvince);
        var mark = await steps.RunOneAsync(markItem);
        if (mark.Outcome is StepOutcome.Refused or StepOutcome.NoRecord)
        {
            // Held by another case: nothing of ours is marked, so nothing to release.
            return await flow.FinishAsync(CaseStatus.Rejected, verified[0].Data is BirthCertificateCheck { Used: true }
                ? $"birth-certificate.used: the certificate was used by another registration ({mark.Reason})"
                : $"birth-certificate.held: {mark.Reason}");
        }

        if (mark.Outcome == StepOutcome.Failed)
        {
            // Whether the mark landed is unknown: release (a no-op when it did not) before failing.
            await flow.CompensateAllAsync();
            return await flow.FinishAsync(CaseStatus.Failed, CaseFlow.FailureReason(markItem, mark));
        }

        // 3. The police officer's review (slow work). newborn.register cannot be called back: a withdrawal during the review
        //    waits for the police's answer. Refused, the certificate is released and the case ends Withdrawn; approved, the
        //    child is registered, the certificate rightly stays used, and the case completes with the late withdrawal flagged.
        var registerItem = steps.Item(StepNames.RegisterNewborn, null, CanonicalOperations.NewbornRegister, handling);
        var registering = steps.RunOneAsync(registerItem);
        var withdrawnDuringReview = await Task.WhenAny(registering, flow.Withdrawal) == flow.Withdrawal;
        var register = await registering;
        if (register.Outcome != StepOutcome.Succeeded)
        {
            if (withdrawnDuringReview) return await flow.WithdrawAsync();
            await flow.CompensateAllAsync();
            return register.Outcome == StepOutcome.Failed
                ? await flow.FinishAsync(CaseStatus.Failed, CaseFlow.FailureReason(registerItem, register))
                : await flow.FinishAsync(CaseStatus.Rejected, $"registration-refused: {register.Reason}");
        }

        var registered = register.Data as NewbornRegistered;
        var outcome = new CaseOutcome { ChildIdNumber = registered?.ChildIdNumber, HouseholdNo = registered?.HouseholdNo };
        // From version 2 the gate rides on the completing write: a withdrawal recorded first refuses both.
        var completed = input.Version < WorkflowVersions.FewerTurns
            ? !withdrawnDuringReview && await flow.EnterIrreversibleStepAsync(StepNames.RegisterNewborn) && await steps.RecordAsync(CaseStatus.Completed, outcome: outcome)
            : !withdrawnDuringReview && await steps.RecordAsync(CaseStatus.Completed, outcome: outcome, irreversibleStep: StepNames.RegisterNewborn);
        if (!completed)
        {
            await steps.RecordAsync(CaseStatus.Completed, [steps.Change(StepNames.RegisterNewborn, null, handling, StepStatus.Succeeded,
                $"approved by {handling} although a withdrawal was asked for during the review; the registration stands", attention: true)], outcome);
            steps.StopAll();
        }

        return CaseStatus.Completed;
    }

    /// <summary>A rejection reason for the certificate or the parent, or null when the registration may go on.</summary>
    internal static string? Assess(ProvinceStep item, StepResult result)
    {
        if (item.Operation != CanonicalOperations.BirthVerify) return PartyChecks.Assess(item, result);
        return result.Outcome switch
        {
            StepOutcome.NoRecord => "birth-certificate.no-record: the birth province has no such certificate",
            StepOutcome.Refused => $"birth-certificate.refused: {result.Reason}",
            _ when result.Data is not BirthCertificateCheck { Valid: true } => "birth-certificate.invalid: the certificate does not match the child's name and the mother",
            _ when result.Data is not BirthCertificateCheck { MatchesChild: true } => "birth-certificate.mismatch: the certificate's birth date or sex differs from the request",
            // A used certificate is not refused here: birth.verify does not say by whom, and an earlier run of this very case
            // (a step delivered again after a crash) may be the holder. birth.mark-used, keyed by hubCaseId, decides.
            _ => null,
        };
    }
}
