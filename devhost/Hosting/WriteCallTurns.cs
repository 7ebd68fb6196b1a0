namespace Tongban.DevHost.Hosting;

/// <summary>
/// Keeps a burst of API calls that write from flooding the process: at most <see cref="Turns"/> of them (any method but GET
/// and HEAD) are answered at once, and the rest wait their turn in the order they came, holding no thread. A partner posting
/// a thousand decisions at once (the bench's overload: 256 at a time) otherwise put thousands of work items on the thread
/// pool of a 2-core machine, and all else the process runs waited behind them in its one queue: the engine's partition
/// manager, whose storage requests took milliseconds, missed its 2-second time-out up to ten times running (a lease lapses
/// after 30 s), and a partner's list read waited for a thread between its storage requests. Reads are never held: a list or
/// a case read goes straight on, as its storage requests go first (<see cref="StorageTurns"/>). The devhost only: on Azure the
/// Functions host bounds an instance's HTTP concurrency itself (host.json <c>extensions.http</c>) and scales out.
/// </summary>
public sealed class WriteCallTurns
{
    /// <summary>Configuration key of <see cref="Turns"/>.</summary>
    public const string TurnsKey = "Tongban:Http:ConcurrentWrites";

    /// <summary>
    /// Writing calls answered at once unless configured: enough to keep two cores and Azurite's one thread busy (a decision is
    /// a few storage requests), few enough that the thread pool's queue stays short.
    /// </summary>
    public const int DefaultTurns = 32;

    private readonly SemaphoreSlim? turns;
    private int waiting;

    /// <param name="turns">Writing calls answered at once; zero or less: no limit.</param>
    public WriteCallTurns(int turns)
    {
        Turns = turns;
        this.turns = turns > 0 ? new SemaphoreSlim(turns, turns) : null;
    }

    /// <summary>Writing calls answered at once, at most; zero or less: no limit.</summary>
    public int Turns { get; }

    /// <summary>Writing calls waiting for a turn now.</summary>
    public int Waiting => Volatile.Read(ref waiting);

    /// <summary>Writing calls being answered now.</summary>
    public int Answering => turns is null ? 0 : Turns - turns.CurrentCount;

    /// <summary>
    /// Answers the call with <paramref name="next"/>, a writing one once it has a turn. A caller that goes away while it waits
    /// leaves the line without taking one (its request's <c>RequestAborted</c>).
    /// </summary>
    public async Task RunAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (turns is null || HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }

        Interlocked.Increment(ref waiting);
        try
        {
            // SemaphoreSlim hands its turns to async waiters in the order they came.
            await turns.WaitAsync(context.RequestAborted);
        }
        finally
        {
            Interlocked.Decrement(ref waiting);
        }

        try
        {
            await next(context);
        }
        finally
        {
            turns.Release();
        }
    }
}
