namespace Tongban.Storage;

/// <summary>
/// Turns by key within this process: work under one key runs one at a time, work under different keys never waits for each
/// other. Used where one case's writes would otherwise race on the same row's ETag inside one host (its parallel steps ending
/// together): the loser of such a race pays a refused write and a read. Other hosts still race, and the ETag settles it.
/// A key's gate lives only while someone holds or waits for it, so memory follows the writes in flight, not the cases seen.
/// </summary>
public sealed class KeyedTurns
{
    private readonly Dictionary<string, Gate> gates = new(StringComparer.Ordinal);

    private sealed class Gate : IDisposable
    {
        public readonly SemaphoreSlim Turn = new(1, 1);
        public int Users;

        public void Dispose() => Turn.Dispose();
    }

    /// <summary>How many keys have work holding or waiting for their turn (for tests).</summary>
    public int KeysInUse
    {
        get
        {
            lock (gates) return gates.Count;
        }
    }

    /// <summary>Runs <paramref name="work"/> once no other work under <paramref name="key"/> is running.</summary>
    public async Task<T> RunAsync<T>(string key, Func<Task<T>> work, CancellationToken ct)
    {
        Gate gate;
        lock (gates)
        {
            if (!gates.TryGetValue(key, out gate!)) gates[key] = gate = new Gate();
            gate.Users++;
        }

        try
        {
            await gate.Turn.WaitAsync(ct);
            try
            {
                return await work();
            }
            finally
            {
                gate.Turn.Release();
            }
        }
        finally
        {
            lock (gates)
            {
                if (--gate.Users == 0)
                {
                    // No one holds or waits for it any more: a later caller makes a new one.
                    gates.Remove(key);
                    gate.Dispose();
                }
            }
        }
    }
}
