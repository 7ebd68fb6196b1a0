using System.Collections.Concurrent;
using System.Threading.Channels;
using DurableTask.Core;

namespace Tongban.DevHost.Hosting;

/// <summary>
/// DTFx extended sessions, driven for the gRPC sidecar. The sidecar's dispatcher takes a work item, runs one turn and
/// releases it; on Azure Storage every later turn then begins with a query of the orchestration's whole history (on Azurite,
/// a scan of the whole history table, so a turn costs more with every case the hub has run). With
/// <c>ExtendedSessionsEnabled</c> the engine's session can stay open after a turn: it keeps the orchestration's state and
/// takes the instance's next messages itself. Here a released work item whose turn was committed is kept, its session waits
/// for those messages (up to the engine's idle timeout), and the work item is handed out again with them: no history read.
/// This is what DTFx's own dispatcher does with extended sessions, and the Functions host with host.json's
/// <c>extendedSessionsEnabled</c>.
/// </summary>
/// <remarks>
/// A kept session holds no dispatcher slot and no queue message, only the orchestration's state in memory; at most
/// <paramref name="capacity"/> are kept at once. An abandoned turn, a finished or continued-as-new orchestration, or a
/// stopping hub releases the session at once, as before.
/// </remarks>
public sealed partial class ExtendedSessions(IOrchestrationService service, TimeSpan lockVisibility, int capacity, TimeProvider time,
    ILogger<ExtendedSessions> logger) : IDisposable
{
    /// <summary>A turn handed out: when its messages were taken (later messages were received after it), and whether its session may be kept.</summary>
    private sealed class Turn(DateTime handedOutAt)
    {
        public DateTime HandedOutAt { get; } = handedOutAt;

        /// <summary>Committed in the same execution: not yet committed, abandoned or continued as new, it may not.</summary>
        public bool MayKeep { get; set; }
    }

    private readonly ConcurrentDictionary<TaskOrchestrationWorkItem, Turn> turns = new(ReferenceEqualityComparer.Instance);
    private readonly Channel<TaskOrchestrationWorkItem> resumed = Channel.CreateUnbounded<TaskOrchestrationWorkItem>(new() { SingleReader = true });
    private readonly TaskCompletionSource stopping = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task<TaskOrchestrationWorkItem>? locking;
    private int kept;
    private long resumptions;

    /// <summary>Sessions open and waiting for their orchestration's next messages.</summary>
    public int Kept => Volatile.Read(ref kept);

    /// <summary>Turns handed out again from a kept session (each one a history read saved).</summary>
    public long Resumptions => Interlocked.Read(ref resumptions);

    /// <summary>
    /// The next turn: a kept session whose messages have come, or else the engine's next work item. The sidecar asks one at a
    /// time; an engine lock still pending when a session comes first is kept for the next call, so its work item is not lost.
    /// </summary>
    public async Task<TaskOrchestrationWorkItem?> LockNextAsync(TimeSpan receiveTimeout, CancellationToken ct)
    {
        if (!resumed.Reader.TryRead(out var workItem))
        {
            locking ??= service.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, ct);
            await Task.WhenAny(locking, resumed.Reader.WaitToReadAsync(ct).AsTask());
            if (locking.IsCompleted)
            {
                var locked = locking;
                locking = null;
                workItem = await locked;
            }
            else if (!resumed.Reader.TryRead(out workItem))
            {
                return null; // cancelled: the sidecar is stopping
            }
        }

        if (workItem is not null)
        {
            turns[workItem] = new Turn(time.GetUtcNow().UtcDateTime);
        }

        return workItem;
    }

    /// <summary>The engine committed the work item's turn: its session may be kept when the sidecar releases it, unless the turn began a new execution.</summary>
    public void Committed(TaskOrchestrationWorkItem workItem, bool continuedAsNew)
    {
        if (turns.TryGetValue(workItem, out var turn)) turn.MayKeep = !continuedAsNew;
    }

    /// <summary>The work item's turn was abandoned (its messages go back to the queue): its session is released, not kept.</summary>
    public void Abandoned(TaskOrchestrationWorkItem workItem) => turns.TryRemove(workItem, out _);

    /// <summary>
    /// At the sidecar's release: keeps the work item's session open when its turn was committed and the orchestration runs on
    /// in the same execution (as DTFx's dispatcher, which ends a session at a continue-as-new), and answers whether it did (if
    /// not, the caller releases it to the engine).
    /// </summary>
    public bool TryKeep(TaskOrchestrationWorkItem workItem)
    {
        if (!turns.TryRemove(workItem, out var turn) || !turn.MayKeep || workItem.Session is null
            || stopping.Task.IsCompleted || workItem.OrchestrationRuntimeState is not { OrchestrationStatus: OrchestrationStatus.Running })
        {
            return false;
        }

        if (Interlocked.Increment(ref kept) > capacity)
        {
            Interlocked.Decrement(ref kept);
            return false;
        }

        _ = KeepAsync(workItem, workItem.Session, turn);
        return true;
    }

    private async Task KeepAsync(TaskOrchestrationWorkItem workItem, IOrchestrationSession session, Turn turn)
    {
        try
        {
            while (true)
            {
                var fetch = session.FetchNewOrchestrationMessagesAsync(workItem);
                // Stopping releases a kept session at once: the engine's drain of its partitions waits for every session.
                if (await Task.WhenAny(fetch, stopping.Task) != fetch)
                {
                    _ = fetch.ContinueWith(static f => f.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    break;
                }

                if (await fetch is not { } messages) break; // idle for the engine's timeout, or the engine is shutting down
                if (messages.Count == 0) continue;

                // What the last turn added is now the history the next turn replays.
                var state = workItem.OrchestrationRuntimeState;
                foreach (var added in state.NewEvents) state.PastEvents.Add(added);
                state.NewEvents.Clear();
                workItem.NewMessages = messages;
                workItem.IsExtendedSession = true;
                // Each of these messages was received after the last turn was handed out, so it is locked at least until then
                // plus the visibility; the renewals take it from there.
                workItem.LockedUntilUtc = turn.HandedOutAt + lockVisibility;
                Interlocked.Increment(ref resumptions);
                resumed.Writer.TryWrite(workItem);
                return;
            }
        }
        catch (OperationCanceledException)
        {
            // the engine is shutting down
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            KeptSessionFailed(logger, workItem.InstanceId, e.GetType().Name, e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref kept);
        }

        try
        {
            await session.EndSessionAsync();
            await service.ReleaseTaskOrchestrationWorkItemAsync(workItem);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Its messages are back in the engine's queue once their lock runs out, as after a crash.
            KeptSessionFailed(logger, workItem.InstanceId, e.GetType().Name, e.Message);
        }
    }

    /// <summary>Releases every kept session now and keeps no more (a stopping hub gives up its partitions).</summary>
    public void Stop() => stopping.TrySetResult();

    public void Dispose() => Stop();

    [LoggerMessage(EventId = 7031, Level = LogLevel.Warning, Message = "Kept engine session for {InstanceId} failed ({Error}: {Detail}); released to the engine")]
    private static partial void KeptSessionFailed(ILogger logger, string instanceId, string error, string detail);
}
