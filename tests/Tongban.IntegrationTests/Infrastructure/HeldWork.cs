namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>
/// Work held until the test lets it go: each piece is recorded by name as it arrives, in order, and ends when the test
/// releases it. What turn-taking tests drive their storage requests and API calls with.
/// </summary>
internal sealed class HeldWork
{
    private readonly Dictionary<string, TaskCompletionSource> releases = [];
    private readonly List<string> arrived = [];
    private readonly SemaphoreSlim arrivals = new(0);

    /// <summary>The names arrived so far, in the order they came.</summary>
    public IReadOnlyList<string> Arrived
    {
        get
        {
            lock (arrived) return [.. arrived];
        }
    }

    /// <summary>Records <paramref name="name"/>'s arrival; ends when the test releases it (or <paramref name="ct"/> is cancelled).</summary>
    public Task ArriveAsync(string name, CancellationToken ct = default)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (arrived)
        {
            arrived.Add(name);
            releases[name] = release;
        }

        arrivals.Release();
        return release.Task.WaitAsync(ct);
    }

    /// <summary>Waits until <paramref name="count"/> pieces in all have arrived (10 s at most).</summary>
    public async Task ArrivedAsync(int count)
    {
        while (Arrived.Count < count) Assert.True(await arrivals.WaitAsync(TimeSpan.FromSeconds(10)), $"only {Arrived.Count} of {count} arrived");
    }

    /// <summary>Ends the piece that arrived as <paramref name="name"/>.</summary>
    public void Release(string name)
    {
        lock (arrived) releases[name].SetResult();
    }
}
