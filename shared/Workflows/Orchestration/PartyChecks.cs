using Tongban.Provinces;

namespace Tongban.Workflows.Orchestration;

/// <summary>The verification answers every workflow reads the same way.</summary>
public static class PartyChecks
{
    /// <summary>A rejection reason for a resident or record check, or null when the answer lets the case go on.</summary>
    public static string? Assess(ProvinceStep item, StepResult result)
    {
        var who = item.Subject ?? item.StepName;
        var resident = result.Data as ResidentCheck;
        return (item.Operation, result.Outcome) switch
        {
            (_, StepOutcome.NoRecord) => $"{who}.no-record: {item.Province} has no record for {who}",
            (_, StepOutcome.Refused) => $"{who}.refused: {result.Reason}",
            (CanonicalOperations.ResidentVerify, _) when resident is not { Match: true } => $"{who}.name-mismatch: ID number and name do not belong together",
            (CanonicalOperations.ResidentVerify, _) when resident.ResidentStatus != "normal" => $"{who}.{resident.ResidentStatus}: resident status is {resident.ResidentStatus}",
            _ => null,
        };
    }
}
