namespace Tongban.Workflows;

/// <summary>
/// The one registry of orchestrator, activity and event names. Both hosts register from it, and a test
/// proves the Functions app's generated metadata exposes exactly these.
/// </summary>
public static class WorkflowNames
{
    public static class Orchestrators
    {
        public const string MarriageRegistration = "MarriageRegistrationOrchestrator";

        public static readonly IReadOnlyList<string> All = [MarriageRegistration];
    }

    public static class Activities
    {
        public const string RecordCaseProgress = "RecordCaseProgress";
        public const string DispatchProvinceSteps = "DispatchProvinceSteps";
        public const string EnterIrreversibleStep = "EnterIrreversibleStep";

        public static readonly IReadOnlyList<string> All = [RecordCaseProgress, DispatchProvinceSteps, EnterIrreversibleStep];
    }

    public static string OrchestratorFor(string caseType) => caseType switch
    {
        Cases.CaseTypeNames.Marriage => Orchestrators.MarriageRegistration,
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
}

/// <summary>The canonical province operations (contracts/provinces/README.md).</summary>
public static class Operations
{
    public const string ResidentVerify = "resident.verify";
    public const string MaritalStatus = "marital.status";
    public const string MarriageRegister = "marriage.register";
    public const string MaritalUpdate = "marital.update";
}

/// <summary>Step names as the case timeline shows them.</summary>
public static class StepNames
{
    public const string VerifyResident = "verify-resident";
    public const string CheckMaritalStatus = "check-marital-status";
    public const string OfficerReview = "officer-review";
    public const string RegisterMarriage = "register-marriage";
    public const string UpdateMaritalStatus = "update-marital-status";
}
