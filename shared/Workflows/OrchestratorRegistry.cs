using Microsoft.DurableTask;
using Tongban.Cases;
using Tongban.Workflows.Activities;
using Tongban.Workflows.Orchestration;

namespace Tongban.Workflows;

/// <summary>An orchestrator under its registered name: the entry point every host runs for it.</summary>
public sealed record OrchestratorEntry(string Name, Func<TaskOrchestrationContext, CaseWorkflowInput, Task<CaseStatus>> RunAsync);

/// <summary>An activity under its registered name: the class the Durable Task worker runs for it.</summary>
public sealed record ActivityEntry(string Name, Type Type);

/// <summary>
/// The one list of orchestrators and activities, by their registered names (<see cref="WorkflowNames"/>). The devhost and
/// the test host register from it; the Functions app's trigger methods (which its source generator needs) delegate to it,
/// and a test holds the two to the same names.
/// </summary>
public static class OrchestratorRegistry
{
    public static IReadOnlyList<OrchestratorEntry> Orchestrators { get; } =
    [
        new(WorkflowNames.Orchestrators.MarriageRegistration, MarriageRegistrationOrchestrator.RunAsync),
        new(WorkflowNames.Orchestrators.NewbornRegistration, NewbornRegistrationOrchestrator.RunAsync),
        new(WorkflowNames.Orchestrators.SchoolTransfer, SchoolTransferOrchestrator.RunAsync),
    ];

    public static IReadOnlyList<ActivityEntry> Activities { get; } =
    [
        new(WorkflowNames.Activities.RecordCaseProgress, typeof(RecordCaseProgressActivity)),
        new(WorkflowNames.Activities.DispatchProvinceSteps, typeof(DispatchProvinceStepsActivity)),
        new(WorkflowNames.Activities.EnterIrreversibleStep, typeof(EnterIrreversibleStepActivity)),
        new(WorkflowNames.Activities.QuietSteps, typeof(QuietStepsActivity)),
    ];

    /// <summary>
    /// Registers every orchestrator and activity. <paramref name="activityType"/>, when given, names the class to run for an
    /// activity instead of its own (a test host's recording fakes).
    /// </summary>
    public static void Register(DurableTaskRegistry registry, Func<ActivityEntry, Type>? activityType = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        foreach (var orchestrator in Orchestrators)
        {
            registry.AddOrchestratorFunc<CaseWorkflowInput, CaseStatus>(orchestrator.Name, (context, input) => orchestrator.RunAsync(context, input));
        }

        foreach (var activity in Activities) registry.AddActivity(activity.Name, activityType?.Invoke(activity) ?? activity.Type);
    }

    /// <summary>Runs the orchestrator registered as <paramref name="name"/> (the Functions host hands it only its context; the input comes from GetInput).</summary>
    public static Task<CaseStatus> RunAsync(string name, TaskOrchestrationContext context)
    {
        var orchestrator = Orchestrators.FirstOrDefault(o => o.Name == name) ?? throw new ArgumentException($"No orchestrator is registered as '{name}'.", nameof(name));
        ArgumentNullException.ThrowIfNull(context);
        return orchestrator.RunAsync(context, context.GetInput<CaseWorkflowInput>()!);
    }
}
