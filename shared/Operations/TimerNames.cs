namespace Tongban.Operations;

/// <summary>The timer triggers both hosts run: the Functions app by these function names, the devhost as loops.</summary>
public static class TimerNames
{
    public const string Housekeeping = "Housekeeping";
    public const string PollSlowWork = "PollSlowWork";
    public const string RedriveParked = "RedriveParked";

    public static readonly IReadOnlyList<string> All = [Housekeeping, PollSlowWork, RedriveParked];
}
