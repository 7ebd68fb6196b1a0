using System.Collections.Concurrent;
using DurableTask.Core;
using DurableTask.Core.Query;

namespace Tongban.DevHost.Hosting;

/// <summary>
/// The engine's orchestration service as the gRPC sidecar sees it, with two things the sidecar lacks:
/// <list type="bullet">
/// <item>Work-item locks kept while the worker holds them. The sidecar never renews a lock (DEVHOST-NOTES.md), so a work
/// item that waits in the sidecar's or the worker's queue longer than the engine's queue visibility (a backlog of open
/// cases on a slow store) becomes visible again and is taken a second time: DTFx then logs "is being processed multiple
/// times concurrently" and, for a start, "Multiple ExecutionStartedEvent found". Every work item handed out and not yet
/// completed, abandoned or released is renewed once less than half the visibility is left of its lock.</item>
/// <item>Concurrency caps that can be raised: the in-memory service reports <see cref="Environment.ProcessorCount"/> for
/// both, which makes it run about one orchestration per second per core, useless as a throughput reference.</item>
/// <item>Extended sessions (<see cref="ExtendedSessions"/>), when given: a committed turn's session is kept open at its
/// release, and the orchestration's next turn is handed out from it without reading its history again.</item>
/// </list>
/// Everything else is forwarded unchanged.
/// </summary>
public sealed partial class SidecarOrchestrationService(
    IOrchestrationService service, IOrchestrationServiceClient client, int? maxOrchestrations, int? maxActivities,
    TimeSpan? lockVisibility, TimeProvider time, ILogger<SidecarOrchestrationService> logger, ExtendedSessions? sessions = null)
    : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServiceQueryClient, IOrchestrationServicePurgeClient, IAsyncDisposable
{
    /// <summary>A work item handed out, until when it is locked (the engine moves that on at each renewal), and a gate so a renewal never races its completion.</summary>
    private sealed class Held(Func<Task> renew, Func<DateTime> lockedUntil)
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Func<DateTime> LockedUntil { get; } = lockedUntil;

        public Func<Task> Renew { get; } = renew;

        public bool Done { get; set; }
    }

    private readonly ConcurrentDictionary<object, Held> held = new(ReferenceEqualityComparer.Instance);
    private readonly CancellationTokenSource stopping = new();
    private Task? renewing;

    /// <summary>Work items currently held (handed out, not yet completed, abandoned or released).</summary>
    public int HeldCount => held.Count;

    /// <summary>Renewals made so far.</summary>
    public long Renewals => Interlocked.Read(ref renewals);

    private long renewals;

    public int TaskOrchestrationDispatcherCount => service.TaskOrchestrationDispatcherCount;

    public int MaxConcurrentTaskOrchestrationWorkItems => maxOrchestrations ?? service.MaxConcurrentTaskOrchestrationWorkItems;

    public int MaxConcurrentTaskActivityWorkItems => maxActivities ?? service.MaxConcurrentTaskActivityWorkItems;

    /// <summary>
    /// Renews, once, every held work item with less than half the visibility left of its lock. The loop calls it every
    /// sixth of the visibility, so a lock is renewed with between a third and a half of it left.
    /// </summary>
    public async Task RenewDueAsync()
    {
        if (lockVisibility is not { } visibility) return;
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var (_, item) in held)
        {
            if (item.LockedUntil() - now > visibility / 2 || !await item.Gate.WaitAsync(0)) continue;
            try
            {
                if (item.Done) continue;
                await item.Renew();
                Interlocked.Increment(ref renewals);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The engine logs its own storage failures; the next pass tries again while the item is still held.
                LockRenewalFailed(logger, e.GetType().Name, e.Message);
            }
            finally
            {
                item.Gate.Release();
            }
        }
    }

    private TaskOrchestrationWorkItem? Hold(TaskOrchestrationWorkItem? workItem)
    {
        if (workItem is not null && lockVisibility is not null)
        {
            held[workItem] = new Held(() => service.RenewTaskOrchestrationWorkItemLockAsync(workItem), () => workItem.LockedUntilUtc);
        }

        return workItem;
    }

    private TaskActivityWorkItem? Hold(TaskActivityWorkItem? workItem)
    {
        if (workItem is not null && lockVisibility is not null)
        {
            held[workItem] = new Held(() => service.RenewTaskActivityWorkItemLockAsync(workItem), () => workItem.LockedUntilUtc);
        }

        return workItem;
    }

    /// <summary>Ends the hold on a work item (waiting out a renewal in flight), then lets the engine finish it.</summary>
    private async Task ReleaseAsync(object workItem, Func<Task> finish)
    {
        if (held.TryRemove(workItem, out var item))
        {
            await item.Gate.WaitAsync();
            item.Done = true;
            item.Gate.Release();
        }

        await finish();
    }

    private async Task RenewLoopAsync(TimeSpan visibility, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(visibility / 6, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) await RenewDueAsync();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        sessions?.Dispose();
        if (renewing is not null) await renewing;
        stopping.Dispose();
    }

    [LoggerMessage(EventId = 7030, Level = LogLevel.Warning, Message = "Engine work-item lock renewal failed ({Error}: {Detail}); retried while the item is held")]
    private static partial void LockRenewalFailed(ILogger logger, string error, string detail);

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => service.EventBehaviourForContinueAsNew;

    public int TaskActivityDispatcherCount => service.TaskActivityDispatcherCount;

    public Task StartAsync()
    {
        if (lockVisibility is { } visibility && renewing is null) renewing = RenewLoopAsync(visibility, stopping.Token);
        return service.StartAsync();
    }

    public Task StopAsync()
    {
        sessions?.Stop();
        return service.StopAsync();
    }

    public Task StopAsync(bool isForced)
    {
        sessions?.Stop();
        return service.StopAsync(isForced);
    }

    public Task CreateAsync() => service.CreateAsync();

    public Task CreateAsync(bool recreateInstanceStore) => service.CreateAsync(recreateInstanceStore);

    public Task CreateIfNotExistsAsync() => service.CreateIfNotExistsAsync();

    public Task DeleteAsync() => service.DeleteAsync();

    public Task DeleteAsync(bool deleteInstanceStore) => service.DeleteAsync(deleteInstanceStore);

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) =>
        service.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => service.GetDelayInSecondsAfterOnProcessException(exception);

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => service.GetDelayInSecondsAfterOnFetchException(exception);

    public async Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        Hold(sessions is null ? await service.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken)
            : await sessions.LockNextAsync(receiveTimeout, cancellationToken))!;

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => service.RenewTaskOrchestrationWorkItemLockAsync(workItem);

    public Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages, IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState) =>
        ReleaseAsync(workItem, async () =>
        {
            await service.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages,
                orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
            sessions?.Committed(workItem, continuedAsNewMessage is not null);
        });

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        sessions?.Abandoned(workItem);
        return ReleaseAsync(workItem, () => service.AbandonTaskOrchestrationWorkItemAsync(workItem));
    }

    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) =>
        ReleaseAsync(workItem, () => sessions?.TryKeep(workItem) == true ? Task.CompletedTask : service.ReleaseTaskOrchestrationWorkItemAsync(workItem));

    public async Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        Hold(await service.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken))!;

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => service.RenewTaskActivityWorkItemLockAsync(workItem);

    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) =>
        ReleaseAsync(workItem, () => service.CompleteTaskActivityWorkItemAsync(workItem, responseMessage));

    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) =>
        ReleaseAsync(workItem, () => service.AbandonTaskActivityWorkItemAsync(workItem));

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) => client.CreateTaskOrchestrationAsync(creationMessage);

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[] dedupeStatuses) =>
        client.CreateTaskOrchestrationAsync(creationMessage, dedupeStatuses);

    public Task SendTaskOrchestrationMessageAsync(TaskMessage message) => client.SendTaskOrchestrationMessageAsync(message);

    public Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages) => client.SendTaskOrchestrationMessageBatchAsync(messages);

    public Task<OrchestrationState> WaitForOrchestrationAsync(string instanceId, string executionId, TimeSpan timeout, CancellationToken cancellationToken) =>
        client.WaitForOrchestrationAsync(instanceId, executionId, timeout, cancellationToken);

    public Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason) => client.ForceTerminateTaskOrchestrationAsync(instanceId, reason);

    public Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions) =>
        client.GetOrchestrationStateAsync(instanceId, allExecutions);

    public Task<OrchestrationState> GetOrchestrationStateAsync(string instanceId, string executionId) =>
        client.GetOrchestrationStateAsync(instanceId, executionId);

    public Task<string> GetOrchestrationHistoryAsync(string instanceId, string executionId) => client.GetOrchestrationHistoryAsync(instanceId, executionId);

    public Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType) =>
        client.PurgeOrchestrationHistoryAsync(thresholdDateTimeUtc, timeRangeFilterType);

    public Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken) =>
        client is IOrchestrationServiceQueryClient q ? q.GetOrchestrationWithQueryAsync(query, cancellationToken) : throw new NotSupportedException();

    public Task<PurgeResult> PurgeInstanceStateAsync(string instanceId) =>
        client is IOrchestrationServicePurgeClient p ? p.PurgeInstanceStateAsync(instanceId) : throw new NotSupportedException();

    public Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter) =>
        client is IOrchestrationServicePurgeClient p ? p.PurgeInstanceStateAsync(purgeInstanceFilter) : throw new NotSupportedException();
}
