using Microsoft.DurableTask;
using Tongban.Cases;

using Tongban.Provinces;

namespace Tongban.Workflows.Orchestration;

/// <summary>
/// School-record transfer (contracts/provinces/README.md), handled by the target school's province:
/// the student's record at the source, transfer-out approved by the source school and bureau (slow),
/// enrolment at the target (irreversible once it has succeeded; retried within a budget; failing for good or a
/// withdrawal before it succeeded cancels the transfer-out), then transfer-out.confirm at the source until it succeeds.
/// </summary>
public static class SchoolTransferOrchestrator
{
    public const string SourceRole = "source";

    public static async Task<CaseStatus> RunAsync(TaskOrchestrationContext context, CaseWorkflowInput input)
    {
        var flow = CaseFlow.Start(context, input);
        var steps = flow.Steps;
        var target = input.HandlingProvince;
        var source = input.Parties.Single(p => p.Role == SourceRole).Province;

        // 1. The student's record at the source province.
        var recordItem = steps.Item(StepNames.CheckStudentRecord, null, CanonicalOperations.StudentRecord, source);
        var checking = steps.RunOneAsync(recordItem, new StepRun(CaseStatus.InProgress));
        if (await Task.WhenAny(checking, flow.Withdrawal) == flow.Withdrawal) return await flow.WithdrawAsync();
        var problem = CaseFlow.FirstProblem([recordItem], [await checking], Assess, out var failed);
        if (problem is not null) return await flow.FinishAsync(failed ? CaseStatus.Failed : CaseStatus.Rejected, problem);

        // 2. Transfer-out: the source school and bureau review (slow). A withdrawal meanwhile still waits for
        //    their answer, so an approved transfer-out can be cancelled rather than left dangling.
        var requestItem = steps.Item(StepNames.RequestTransferOut, null, CanonicalOperations.TransferOutRequest, source);
        var requesting = steps.RunOneAsync(requestItem);
        var withdrawnDuringReview = await Task.WhenAny(requesting, flow.Withdrawal) == flow.Withdrawal;
        var request = await requesting;
        if (request.Outcome == StepOutcome.Succeeded)
        {
            var transferId = (request.Data as TransferOutApproved)?.TransferId;
            await steps.RecordAsync(outcome: new CaseOutcome { TransferId = transferId });
            flow.Compensate(steps.Item(StepNames.CancelTransferOut, null, CanonicalOperations.TransferOutCancel, source),
                StepNames.RequestTransferOut, null, source);
        }

        if (withdrawnDuringReview) return await flow.WithdrawAsync();
        if (request.Outcome != StepOutcome.Succeeded)
        {
            return request.Outcome == StepOutcome.Failed
                ? await flow.FinishAsync(CaseStatus.Failed, CaseFlow.FailureReason(requestItem, request))
                : await flow.FinishAsync(CaseStatus.Rejected, $"transfer-refused: {request.Reason}");
        }

        // 3. Enrolment at the target: the irreversible step once it has succeeded. Until then a withdrawal stops its retries
        //    and cancels the transfer-out, as a budget run out does. Its success passes the gate unless the API recorded a
        //    withdrawal first (the case row decides, ETag-guarded; the API refuses once the success is recorded).
        var enrollItem = steps.Item(StepNames.EnrollStudent, null, CanonicalOperations.StudentEnroll, target);
        var enrolling = steps.RunOneAsync(enrollItem, new StepRun(Retry: new RetryMode.Budget(input.Policy.RetryBudget)));
        if (await Task.WhenAny(enrolling, flow.Withdrawal) == flow.Withdrawal) return await flow.WithdrawAsync();
        var enroll = await enrolling;
        if (enroll.Outcome != StepOutcome.Succeeded)
        {
            await flow.CompensateAllAsync();
            var why = enroll.Outcome == StepOutcome.Failed ? CaseFlow.FailureReason(enrollItem, enroll) : enroll.Reason;
            return await flow.FinishAsync(CaseStatus.Failed, $"enrolment-failed: {why}");
        }

        // 4. The source confirms the transfer-out; it must happen, so it is retried until it does. From version 2 the gate
        //    rides on its dispatch; from version 4 its success completes the case.
        var confirmItem = steps.Item(StepNames.ConfirmTransferOut, null, CanonicalOperations.TransferOutConfirm, source);
        var completes = input.Version >= WorkflowVersions.LastStepCompletes;
        var confirmRun = new StepRun(Retry: RetryMode.UntilSucceeded) { CompletesCase = completes };
        if (input.Version < WorkflowVersions.FewerTurns)
        {
            if (!await flow.EnterIrreversibleStepAsync(StepNames.EnrollStudent)) return await flow.WithdrawAsync();
            await steps.RunOneAsync(confirmItem, confirmRun);
        }
        else if (await steps.TryRunAsync([confirmItem], confirmRun with { IrreversibleStep = StepNames.EnrollStudent }) is null)
        {
            return await flow.WithdrawAsync();
        }

        if (!completes) await steps.RecordAsync(CaseStatus.Completed);
        return CaseStatus.Completed;
    }

    /// <summary>A rejection reason from the student's record, or null when the transfer may go on.</summary>
    internal static string? Assess(ProvinceStep item, StepResult result)
    {
        var record = result.Data as StudentRecordCheck;
        return result.Outcome switch
        {
            StepOutcome.NoRecord => "student.no-record: the source province has no such student",
            StepOutcome.Refused => $"student.refused: {result.Reason}",
            _ when record?.StudentStatus != "enrolled" => $"student.{record?.StudentStatus}: the student is not enrolled",
            _ when record is not { Match: true } => "student.mismatch: the student's name or ID number differs from the record",
            _ when record is not { SchoolMatch: true } => "student.school-mismatch: the student is not at the named source school",
            _ => null,
        };
    }
}
