using System.Collections.Concurrent;
using System.Diagnostics;

namespace Tongban.IntegrationTests.Faults;

/// <summary>
/// Every line a devhost child process printed, stamped on the test's clock, to look for log lines afterwards
/// (<see cref="FaultRig.StartHubAsync(string, IReadOnlyDictionary{string, string}, Action{string})"/> feeds it).
/// </summary>
public sealed class HubLog(Stopwatch clock)
{
    private readonly ConcurrentQueue<HubLine> lines = new();

    public void Add(string line) => lines.Enqueue(new HubLine(clock.Elapsed, line));

    /// <summary>The lines containing <paramref name="text"/>, in the order printed.</summary>
    public IReadOnlyList<HubLine> Matching(string text) => [.. lines.Where(l => l.Text.Contains(text, StringComparison.Ordinal))];
}

public sealed record HubLine(TimeSpan At, string Text);

/// <summary>The hub configuration the outage and duplicate tests add to <see cref="FaultRig.Environment"/>.</summary>
public static class ResilientHub
{
    /// <summary>How long a province's circuit stays open before a probe; production has 30 s.</summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The production resilience (a circuit opens when half of at least 10 calls in 30 s fail transiently; 20 calls/s;
    /// 10 s per attempt) with a 5 s break instead of 30 s: the break bounds how soon cases move again after a province
    /// returns, and 30 s would be most of a test's minute. Steps wait 2 minutes for their answer, longer than the
    /// outage: a step parked by an open circuit waits for its province rather than being re-driven into failure
    /// rounds. Circuit changes are logged (half-open and closed at Information), so a test can find them.
    /// </summary>
    public static Dictionary<string, string> Settings()
    {
        var settings = new Dictionary<string, string>
        {
            ["Tongban__Workflow__StepTimeout"] = "00:02:00",
            ["Logging__LogLevel__Tongban.Provinces.Resilience.ProvinceCircuits"] = "Information",
        };
        foreach (var code in FaultRig.Provinces)
        {
            settings[$"Tongban__Provinces__{code}__Resilience__CircuitBreaker__BreakDuration"] = BreakDuration.ToString();
        }

        return settings;
    }
}
