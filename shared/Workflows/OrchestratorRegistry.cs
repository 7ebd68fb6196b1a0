using Microsoft.DurableTask;
using Tongban.Cases;
using Tongban.Workflows.Orchestration;
using Tongban.Workflows.Activities;

namespace Tongban.Workflows;

/// <summary>Registers every orchestrator and activity under its registry name, for the devhost and the test host.</summary>
public static class OrchestratorRegistry
{
    public static void Register(DurableTaskRegistry registry)
    {
        registry.AddOrchestratorFunc<CaseWorkflowInput, CaseStatus>(WorkflowNames.Orchestrators.MarriageRegistration,
            (context, input) => MarriageRegistrationOrchestrator.RunAsync(context, input));
        registry.AddOrchestratorFunc<CaseWorkflowInput, CaseStatus>(WorkflowNames.Orchestrators.NewbornRegistration,
            (context, input) => NewbornRegistrationOrchestrator.RunAsync(context, input));
        registry.AddOrchestratorFunc<CaseWorkflowInput, CaseStatus>(WorkflowNames.Orchestrators.SchoolTransfer,
            (context, input) => SchoolTransferOrchestrator.RunAsync(context, input));
        registry.AddActivity<RecordCaseProgressActivity>(WorkflowNames.Activities.RecordCaseProgress);
        registry.AddActivity<DispatchProvinceStepsActivity>(WorkflowNames.Activities.DispatchProvinceSteps);
        registry.AddActivity<EnterIrreversibleStepActivity>(WorkflowNames.Activities.EnterIrreversibleStep);
    }
}
