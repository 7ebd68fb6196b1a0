namespace Tongban.Sandbox.State;

/// <summary>Slow work finishes lazily: any look at the tickets decides those whose delay has passed.</summary>
internal static class TicketResolution
{
    /// <remarks>Caller holds <see cref="SandboxState.Gate"/>.</remarks>
    public static void ResolveDue(SandboxState state)
    {
        if (state.PendingDecisions.Count == 0) return;
        var now = state.Time.GetUtcNow();
        foreach (var (id, decide) in state.PendingDecisions.ToList())
        {
            var ticket = state.TicketsById[id];
            if (ticket.DueAt > now) continue;
            state.TicketsById[id] = decide(ticket);
            state.PendingDecisions.Remove(id);
        }
    }
}
