using Azure.Core;
using Azure.Core.Pipeline;

namespace Tongban.DevHost.Hosting;

/// <summary>
/// Keeps a caller's storage requests from queueing behind the background's, without starving the background. Azurite serves
/// every request on one Node thread, first come first served, so under overload a partner's list read (201 requests) waited
/// behind every request the engine, the province queue handlers and the timers had sent before it: 19 s at the median with
/// 1,000 cases open. Here the process has at most <see cref="Turns"/> storage requests in flight at once, and the rest wait
/// in two lines, each in the order it came:
/// <list type="bullet">
/// <item><b>callers first</b>: requests made while answering an API call (<see cref="MarkInteractive"/>, set by the devhost's
/// middleware for the rest of that call's flow), and the engine's partition-lease requests (they time out after 2 s, and a
/// lost lease moves a partition and delivers its messages twice). In that line the leases go first, then the requests of
/// calls that read (a <c>GET</c>: a partner's list or case, an operator's page), then those of calls that write, each kind in
/// the order it came: a burst of writes (a thousand decisions posted at once) would otherwise hold a partner's list read
/// behind all of theirs, and a burst of reads must not hold a lease;</item>
/// <item><b>the background</b> (the engine, the province queue handlers, the timers) takes any turn no caller waits for, and
/// keeps <see cref="BackgroundTurns"/> of them even while callers wait, so a burst of callers (a thousand decisions posted at
/// once) slows the cases down but does not stop them.</item>
/// </list>
/// The engine's client calls made for a caller (an open's start, a decision's event) reach storage through its sidecar,
/// where the mark does not follow: they wait with the background. <see cref="Turns"/> of zero or less lets everything through.
/// </summary>
/// <remarks>
/// A per-retry policy: a retry waits for a turn again, and the wait is not part of the SDK's network timeout (applied nearer
/// the transport). A turn is held for one request and its response; nothing waits for another turn while holding one, so
/// turns cannot deadlock.
/// </remarks>
public sealed class StorageTurns : HttpPipelinePolicy
{
    /// <summary>Configuration key of <see cref="Turns"/>.</summary>
    public const string TurnsKey = "Tongban:Storage:Turns";

    /// <summary>Configuration key of <see cref="BackgroundTurns"/>.</summary>
    public const string BackgroundTurnsKey = "Tongban:Storage:BackgroundTurns";

    /// <summary>
    /// Storage requests in flight at once unless configured. Azurite's one thread is kept as busy by 12 as by hundreds: the
    /// 300-case overload ran at the same rate with list reads at 0.54 s p99 instead of 14.4 s, the 1,000-case one at 3.3 s
    /// instead of 38.3 s, its drain 462 s instead of 403 s (bench/README.md, "Callers first").
    /// </summary>
    public const int DefaultTurns = 12;

    /// <summary>Turns the background keeps while callers wait, unless configured: a third, so a burst of callers slows it, never stops it.</summary>
    public const int DefaultBackgroundTurns = 4;

    private static readonly AsyncLocal<bool> Interactive = new();

    private static readonly AsyncLocal<bool> Reading = new();

    /// <summary>A request waiting for a turn, and its rank in the callers' line: it goes before those of a lower rank.</summary>
    private sealed record Waiter(TaskCompletionSource Turn, int Rank);

    /// <summary>Ranks in the callers' line: an engine lease, a read call's request, a write call's (and the background's).</summary>
    private const int LeaseRank = 2, ReadRank = 1, WriteRank = 0;

    private readonly object sync = new();
    private readonly LinkedList<Waiter> callers = new();
    private readonly LinkedList<Waiter> background = new();
    private readonly string? urgentTable;
    private int callersInFlight;
    private int backgroundInFlight;
    private long callersWaited;
    private long backgroundWaited;

    /// <param name="turns">Requests in flight at once; zero or less: no limit.</param>
    /// <param name="backgroundTurns">Turns the background keeps while callers wait: at least 1 and fewer than <paramref name="turns"/>.</param>
    /// <param name="taskHub">The engine's task hub: requests to its partition table go with the callers.</param>
    public StorageTurns(int turns, int backgroundTurns, string? taskHub = null)
    {
        if (turns > 0 && (backgroundTurns < 1 || backgroundTurns >= turns))
        {
            throw new ConfigurationProblemException(BackgroundTurnsKey,
                $"{backgroundTurns}: must be at least 1 and less than {TurnsKey}, {turns}; callers need a turn the background cannot take, and the background one callers cannot");
        }

        Turns = turns;
        BackgroundTurns = backgroundTurns;
        urgentTable = taskHub is null ? null : "/" + taskHub + "Partitions";
    }

    /// <summary>Storage requests in flight at once, at most; zero or less: no limit.</summary>
    public int Turns { get; }

    /// <summary>Turns the background keeps while callers wait.</summary>
    public int BackgroundTurns { get; }

    /// <summary>Callers' requests that found no turn for them and waited, so far.</summary>
    public long CallersWaited => Interlocked.Read(ref callersWaited);

    /// <summary>Background requests that found no turn for them and waited, so far.</summary>
    public long BackgroundWaited => Interlocked.Read(ref backgroundWaited);

    /// <summary>Requests in flight now: callers', background.</summary>
    public (int Callers, int Background) InFlight
    {
        get
        {
            lock (sync) return (callersInFlight, backgroundInFlight);
        }
    }

    /// <summary>Requests waiting for a turn now: callers', background.</summary>
    public (int Callers, int Background) Waiting
    {
        get
        {
            lock (sync) return (callers.Count, background.Count);
        }
    }

    /// <summary>
    /// Marks the rest of this flow (an API call being answered) as a caller waiting: its storage requests go first, and before
    /// the other callers' when <paramref name="reading"/> (the call reads).
    /// </summary>
    public static void MarkInteractive(bool reading = false)
    {
        Interactive.Value = true;
        Reading.Value = reading;
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Turns <= 0)
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            return;
        }

        var rank = RankOf(message);
        await TakeAsync(rank, message.CancellationToken).ConfigureAwait(false);
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        finally
        {
            Give(rank is not null);
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Turns <= 0)
        {
            ProcessNext(message, pipeline);
            return;
        }

        var rank = RankOf(message);
        TakeAsync(rank, message.CancellationToken).GetAwaiter().GetResult();
        try
        {
            ProcessNext(message, pipeline);
        }
        finally
        {
            Give(rank is not null);
        }
    }

    /// <summary>The request's rank in the callers' line; null: the background's.</summary>
    private int? RankOf(HttpMessage message) =>
        urgentTable is not null && message.Request.Uri.Path.Contains(urgentTable, StringComparison.Ordinal) ? LeaseRank
        : Interactive.Value ? (Reading.Value ? ReadRank : WriteRank)
        : null;

    /// <summary>Waits for a turn: in the callers' line at <paramref name="rank"/>, or (null) in the background's.</summary>
    private Task TakeAsync(int? rank, CancellationToken ct)
    {
        var caller = rank is not null;
        Waiter waiter;
        LinkedListNode<Waiter> node;
        lock (sync)
        {
            var line = caller ? callers : background;
            if (line.Count == 0 && (caller ? CallerMayStart() : BackgroundMayStart()))
            {
                Start(caller);
                return Task.CompletedTask;
            }

            ct.ThrowIfCancellationRequested();
            var place = rank ?? WriteRank;
            waiter = new Waiter(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), place);
            // Behind those of its rank or higher that came before it only.
            var lower = place > WriteRank ? line.First : null;
            while (lower is not null && lower.Value.Rank >= place) lower = lower.Next;
            node = lower is null ? line.AddLast(waiter) : line.AddBefore(lower, waiter);
            Interlocked.Increment(ref caller ? ref callersWaited : ref backgroundWaited);
        }

        return WaitAsync(waiter, node, ct);
    }

    private async Task WaitAsync(Waiter waiter, LinkedListNode<Waiter> node, CancellationToken ct)
    {
        // Cancelled while still in line: leave it (the turn was never taken). Once handed a turn, the request goes on.
        await using var registration = ct.Register(() =>
        {
            lock (sync)
            {
                if (node.List is null) return;
                node.List.Remove(node);
                StartWaiters();
            }

            waiter.Turn.TrySetCanceled(ct);
        });
        await waiter.Turn.Task.ConfigureAwait(false);
    }

    private void Give(bool caller)
    {
        lock (sync)
        {
            if (caller) callersInFlight--;
            else backgroundInFlight--;
            StartWaiters();
        }
    }

    /// <summary>Hands free turns out, callers first, the background's own turns kept (under the lock).</summary>
    private void StartWaiters()
    {
        while (true)
        {
            if (callers.Count > 0 && CallerMayStart()) Next(callers, caller: true);
            else if (background.Count > 0 && BackgroundMayStart()) Next(background, caller: false);
            else return;
        }
    }

    private void Next(LinkedList<Waiter> line, bool caller)
    {
        var waiter = line.First!.Value;
        line.RemoveFirst();
        Start(caller);
        waiter.Turn.TrySetResult();
    }

    private void Start(bool caller)
    {
        if (caller) callersInFlight++;
        else backgroundInFlight++;
    }

    // A caller takes any free turn but those the background keeps while it waits for them.
    private bool CallerMayStart() =>
        callersInFlight + backgroundInFlight < Turns
        && (background.Count == 0 || backgroundInFlight >= BackgroundTurns || callersInFlight < Turns - BackgroundTurns);

    // The background takes a free turn no caller waits for, or one of its own.
    private bool BackgroundMayStart() =>
        callersInFlight + backgroundInFlight < Turns && (callers.Count == 0 || backgroundInFlight < BackgroundTurns);
}
