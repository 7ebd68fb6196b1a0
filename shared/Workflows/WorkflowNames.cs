namespace Tongban.Workflows;

/// <summary>
/// The orchestrator, activity and event names. <see cref="OrchestratorRegistry"/> pairs each orchestrator and activity
/// name with what runs it, and a test proves the Functions app's generated metadata exposes exactly these.
/// </summary>
public static class WorkflowNames
{
    public static class Orchestrators
    {
        public const string MarriageRegistration = "MarriageRegistrationOrchestrator";
        public const string NewbornRegistration = "NewbornRegistrationOrchestrator";
        public const string SchoolTransfer = "SchoolTransferOrchestrator";

        public static IReadOnlyList<string> All { get; } = OrchestratorRegistry.Orchestrators.Select(o => o.Name).ToList();
    }

    public static class Activities
    {
        public const string RecordCaseProgress = "RecordCaseProgress";
        public const string DispatchProvinceSteps = "DispatchProvinceSteps";
        public const string EnterIrreversibleStep = "EnterIrreversibleStep";
        public const string QuietSteps = "QuietSteps";

        public static IReadOnlyList<string> All { get; } = OrchestratorRegistry.Activities.Select(a => a.Name).ToList();
    }

    public static string OrchestratorFor(string caseType) => caseType switch
    {
        Cases.CaseTypeNames.Marriage => Orchestrators.MarriageRegistration,
        Cases.CaseTypeNames.Newborn => Orchestrators.NewbornRegistration,
        Cases.CaseTypeNames.SchoolTransfer => Orchestrators.SchoolTransfer,
        _ => throw new NotSupportedException($"No workflow for case type '{caseType}' yet."),
    };
}

/// <summary>External events an orchestration waits for.</summary>
public static class CaseEvents
{
    public const string Withdrawal = "withdrawal";

    /// <summary>The result of one dispatch (round) of a province step; earlier rounds' late answers do not match.</summary>
    public static string StepResult(string stepKey, int round) => $"step:{stepKey}#{round}";

    public static string Decision(string stepName) => $"decision:{stepName}";

    /// <summary>The answers of a batch told together (<see cref="ProvinceStep.Together"/>), named by its first step.</summary>
    public static string Batch(IReadOnlyList<string> together) => $"batch:{together[0]}";

    /// <summary>Re-drive a held step from a new round (operator or redrive timer).</summary>
    public static string Redrive(string stepKey) => $"redrive:{stepKey}";
}
