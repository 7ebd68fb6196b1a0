using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Tongban.Cases;
using Tongban.Workflows;
using Tongban.Workflows.Orchestration;
using Tongban.Workflows.Activities;

namespace Tongban.Functions;

/// <summary>Orchestrators and activities under the WorkflowNames registry's names, delegating to shared/Workflows.</summary>
public sealed class WorkflowFunctions(CaseActivities activities)
{
    // The isolated Durable extension hands an orchestrator only its context; the input comes from GetInput.
    [Function(WorkflowNames.Orchestrators.MarriageRegistration)]
    public static Task<CaseStatus> MarriageRegistration([OrchestrationTrigger] TaskOrchestrationContext context) =>
        MarriageRegistrationOrchestrator.RunAsync(context, context.GetInput<CaseWorkflowInput>()!);

    [Function(WorkflowNames.Orchestrators.NewbornRegistration)]
    public static Task<CaseStatus> NewbornRegistration([OrchestrationTrigger] TaskOrchestrationContext context) =>
        NewbornRegistrationOrchestrator.RunAsync(context, context.GetInput<CaseWorkflowInput>()!);

    [Function(WorkflowNames.Orchestrators.SchoolTransfer)]
    public static Task<CaseStatus> SchoolTransfer([OrchestrationTrigger] TaskOrchestrationContext context) =>
        SchoolTransferOrchestrator.RunAsync(context, context.GetInput<CaseWorkflowInput>()!);

    [Function(WorkflowNames.Activities.RecordCaseProgress)]
    public Task<bool> RecordCaseProgress([ActivityTrigger] CaseProgress progress, CancellationToken ct) =>
        activities.RecordCaseProgressAsync(progress, ct);

    [Function(WorkflowNames.Activities.DispatchProvinceSteps)]
    public Task<bool> DispatchProvinceSteps([ActivityTrigger] ProvinceStepDispatch dispatch, CancellationToken ct) =>
        activities.DispatchProvinceStepsAsync(dispatch, ct);

    [Function(WorkflowNames.Activities.EnterIrreversibleStep)]
    public Task<bool> EnterIrreversibleStep([ActivityTrigger] IrreversibleStepRequest request, CancellationToken ct) =>
        activities.EnterIrreversibleStepAsync(request, ct);
}
