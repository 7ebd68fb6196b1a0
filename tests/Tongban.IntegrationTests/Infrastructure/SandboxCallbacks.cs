using Tongban.Sandbox;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>What the province sandbox's callbacks (Shanghai's) did, as tests wait for it.</summary>
public static class SandboxCallbacks
{
    /// <summary>
    /// Waits until the hub has taken (204) the second delivery of <paramref name="ticket"/>'s callback. With the sandbox's
    /// DuplicateCallbacks knob, the first delivery ends the case and the duplicate follows it, so it may still be on its way
    /// when the case is seen ended.
    /// </summary>
    public static Task DuplicateTakenAsync(ProvinceSandbox sandbox, string ticket) =>
        Eventually.UntilAsync(() => Task.FromResult(sandbox.State.CallbackDeliveries.Any(d => d.Ticket == ticket && d.Delivery == 2 && d.StatusCode == 204)),
            TimeSpan.FromSeconds(30), $"the hub taking the duplicate callback of {ticket} (204)");
}
