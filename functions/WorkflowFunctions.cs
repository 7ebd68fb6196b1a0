using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Tongban.Cases;
using Tongban.Workflows;
using Tongban.Workflows.Activities;

namespace Tongban.Functions;

/// <summary>
/// The triggers of OrchestratorRegistry's orchestrators and activities, one per entry (the worker's source generator needs
/// a [Function] method for each; OrchestratorRegistryTests holds the two lists together).
/// </summary>
public sealed class WorkflowFunctions(CaseActivities activities)
{
    // The isolated Durable extension hands an orchestrator only its context; the input comes from GetInput.
    [Function(WorkflowNames.Orchestrators.MarriageRegistration)]
    public static Task<CaseStatus> MarriageRegistration([OrchestrationTrigger] TaskOrchestrationContext context) =>
        OrchestratorRegistry.RunAsync(WorkflowNames.Orchestrators.MarriageRegistration, context);

    [Function(WorkflowNames.Orchestrators.NewbornRegistration)]
    public static Task<CaseStatus> NewbornRegistration([OrchestrationTrigger] TaskOrchestrationContext context) =>
        OrchestratorRegistry.RunAsync(WorkflowNames.Orchestrators.NewbornRegistration, context);

    [Function(WorkflowNames.Orchestrators.SchoolTransfer)]
    public static Task<CaseStatus> SchoolTransfer([OrchestrationTrigger] TaskOrchestrationContext context) =>
        OrchestratorRegistry.RunAsync(WorkflowNames.Orchestrators.SchoolTransfer, context);

    [Function(WorkflowNames.Activities.RecordCaseProgress)]
    public Task<bool> RecordCaseProgress([ActivityTrigger] CaseProgress progress, CancellationToken ct) =>
        activities.RecordCaseProgressAsync(progress, ct);

    [Function(WorkflowNames.Activities.DispatchProvinceSteps)]
    public Task<bool> DispatchProvinceSteps([ActivityTrigger] ProvinceStepDispatch dispatch, CancellationToken ct) =>
        activities.DispatchProvinceStepsAsync(dispatch, ct);

    [Function(WorkflowNames.Activities.EnterIrreversibleStep)]
    public Task<bool> EnterIrreversibleStep([ActivityTrigger] IrreversibleStepRequest request, CancellationToken ct) =>
        activities.EnterIrreversibleStepAsync(request, ct);

    [Function(WorkflowNames.Activities.QuietSteps)]
    public Task<IReadOnlyList<string>> QuietSteps([ActivityTrigger] QuietStepsQuery query, CancellationToken ct) =>
        activities.QuietStepsAsync(query, ct);
}
