using System.Reflection;
using System.Threading.Channels;
using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tongban.DevHost.Hosting;

namespace Tongban.IntegrationTests.Engine;

/// <summary>
/// Extended sessions driven for the sidecar: a committed turn's session stays open at the sidecar's release, and the
/// orchestration's next messages come back as the same work item with its state (no history read), while anything else (an
/// abandoned turn, a finished or continued-as-new orchestration, an idle or stopping session, a full house) releases the
/// session to the engine as before. No storage: the engine is <see cref="SidecarOrchestrationServiceTests.RecordingEngine"/>.
/// </summary>
public sealed class ExtendedSessionsTests
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_committed_turn_is_handed_out_again_from_its_session_with_its_state_and_no_engine_lock()
    {
        var (sut, engine, clock, sessions) = Create();
        var (workItem, session) = Running("c1");
        engine.NextOrchestration = workItem;
        var handedOutAt = clock.GetUtcNow().UtcDateTime;
        var first = await sut.LockNextTaskOrchestrationWorkItemAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        var scheduled = new TaskScheduledEvent(0, "RecordStep");
        first.OrchestrationRuntimeState.AddEvent(scheduled);
        await Commit(sut, first);

        Assert.Equal((0, 1), (engine.Released, sessions.Kept));

        // The engine has nothing new; the session gets the orchestration's next message.
        engine.PendingOrchestration = new TaskCompletionSource<TaskOrchestrationWorkItem>();
        clock.Advance(TimeSpan.FromSeconds(5));
        var next = sut.LockNextTaskOrchestrationWorkItemAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        var completed = new TaskMessage { Event = new TaskCompletedEvent(-1, 0, "ok"), OrchestrationInstance = first.OrchestrationRuntimeState.OrchestrationInstance };
        await session.Deliver(completed);
        var resumed = await next.WaitAsync(Patience);

        Assert.Same(first, resumed);
        Assert.Equal([completed], resumed.NewMessages);
        Assert.True(resumed.IsExtendedSession);
        // Last turn's events are history now; this turn adds its own.
        Assert.Contains(scheduled, resumed.OrchestrationRuntimeState.PastEvents);
        Assert.Empty(resumed.OrchestrationRuntimeState.NewEvents);
        // The message was received after the last hand-out, so its lock runs at least until then plus the visibility.
        Assert.Equal(handedOutAt + Visibility, resumed.LockedUntilUtc);
        Assert.Equal((1, 0, 0), (sut.HeldCount, sessions.Kept, engine.Released));
        Assert.Equal(1, sessions.Resumptions);

        // The engine's lock asked for meanwhile is not lost: its work item is the next one handed out.
        var other = Running("c2").WorkItem;
        engine.PendingOrchestration.SetResult(other);
        Assert.Same(other, await sut.LockNextTaskOrchestrationWorkItemAsync(Timeout.InfiniteTimeSpan, CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task A_new_orchestrations_first_turn_keeps_its_session_too()
    {
        var (sut, engine, _, sessions) = Create();
        var (started, session) = Running("c1");
        var workItem = new TaskOrchestrationWorkItem
        {
            InstanceId = "c1",
            OrchestrationRuntimeState = new OrchestrationRuntimeState(),
            Session = session,
            NewMessages = [new TaskMessage { Event = started.OrchestrationRuntimeState.ExecutionStartedEvent, OrchestrationInstance = started.OrchestrationRuntimeState.OrchestrationInstance }],
        };
        engine.NextOrchestration = workItem;
        var item = await sut.LockNextTaskOrchestrationWorkItemAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        // The sidecar turns the start message into the first history event.
        item.OrchestrationRuntimeState.AddEvent(started.OrchestrationRuntimeState.ExecutionStartedEvent!);
        await Commit(sut, item);

        Assert.Equal((0, 1), (engine.Released, sessions.Kept));
    }

    [Fact]
    public async Task A_resumed_turn_is_renewed_like_any_held_work_item()
    {
        var (sut, engine, clock, _) = Create();
        var (workItem, session) = Running("c1");
        await CommittedTurnAsync(sut, engine, workItem);
        engine.PendingOrchestration = new TaskCompletionSource<TaskOrchestrationWorkItem>();
        var next = sut.LockNextTaskOrchestrationWorkItemAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        await session.Deliver(new TaskMessage { Event = new TimerFiredEvent(-1), OrchestrationInstance = workItem.OrchestrationRuntimeState.OrchestrationInstance });
        await next.WaitAsync(Patience);

        clock.Advance(TimeSpan.FromSeconds(16));
        await sut.RenewDueAsync();

        Assert.Equal(1, engine.OrchestrationRenewals);
    }

    [Fact]
    public async Task A_session_idle_for_the_engines_timeout_is_released_to_the_engine()
    {
        var (sut, engine, _, sessions) = Create();
        var (workItem, session) = Running("c1");
        await CommittedTurnAsync(sut, engine, workItem);

        await session.IdleOut();

        await Until(() => engine.Released == 1);
        Assert.Equal(0, sessions.Kept);
    }

    [Fact]
    public async Task A_session_whose_wait_fails_is_released_to_the_engine()
    {
        var (sut, engine, _, sessions) = Create();
        var (workItem, session) = Running("c1");
        await CommittedTurnAsync(sut, engine, workItem);

        session.Fail(new InvalidOperationException("storage gone"));

        await Until(() => engine.Released == 1);
        Assert.Equal(0, sessions.Kept);
    }

    [Fact]
    public async Task Stopping_releases_every_kept_session_at_once_and_keeps_no_more()
    {
        var (sut, engine, _, sessions) = Create();
        await CommittedTurnAsync(sut, engine, Running("c1").WorkItem);
        Assert.Equal(1, sessions.Kept);

        await sut.StopAsync();
        await Until(() => engine.Released == 1);

        await CommittedTurnAsync(sut, engine, Running("c2").WorkItem);
        Assert.Equal((2, 0), (engine.Released, sessions.Kept));
    }

    [Theory]
    [InlineData("abandoned")]
    [InlineData("released without a commit")]
    [InlineData("orchestration completed")]
    [InlineData("continued as new")]
    [InlineData("no engine session")]
    public async Task Any_other_release_ends_the_session_as_before(string how)
    {
        var (sut, engine, _, sessions) = Create();
        var (workItem, _) = Running("c1");
        if (how == "no engine session") workItem.Session = null;
        engine.NextOrchestration = workItem;
        var item = await sut.LockNextTaskOrchestrationWorkItemAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        switch (how)
        {
            case "abandoned":
                await sut.CompleteTaskOrchestrationWorkItemAsync(item, item.OrchestrationRuntimeState, [], [], [], null!, null!);
                await sut.AbandonTaskOrchestrationWorkItemAsync(item);
                break;
            case "released without a commit":
                break;
            case "orchestration completed":
                item.OrchestrationRuntimeState.AddEvent(new ExecutionCompletedEvent(1, "done", OrchestrationStatus.Completed, null));
                await sut.CompleteTaskOrchestrationWorkItemAsync(item, item.OrchestrationRuntimeState, [], [], [], null!, null!);
                break;
            case "continued as new":
                var next = Running("c1", executionId: "e2").WorkItem.OrchestrationRuntimeState;
                item.OrchestrationRuntimeState = next;
                await sut.CompleteTaskOrchestrationWorkItemAsync(item, next, [], [], [],
                    new TaskMessage { Event = next.ExecutionStartedEvent, OrchestrationInstance = next.OrchestrationInstance }, null!);
                break;
            default:
                await sut.CompleteTaskOrchestrationWorkItemAsync(item, item.OrchestrationRuntimeState, [], [], [], null!, null!);
                break;
        }

        await sut.ReleaseTaskOrchestrationWorkItemAsync(item);

        Assert.Equal((1, 0), (engine.Released, sessions.Kept));
    }

    [Fact]
    public async Task No_more_sessions_are_kept_than_the_capacity()
    {
        var (sut, engine, _, sessions) = Create(capacity: 1);
        foreach (var id in new[] { "c1", "c2" })
        {
            await CommittedTurnAsync(sut, engine, Running(id).WorkItem);
        }

        Assert.Equal((1, 1), (engine.Released, sessions.Kept));
    }

    /// <summary>The engine hands out <paramref name="workItem"/>; the sidecar runs its turn, commits and releases it.</summary>
    private static async Task CommittedTurnAsync(SidecarOrchestrationService sut, SidecarOrchestrationServiceTests.RecordingEngine engine,
        TaskOrchestrationWorkItem workItem)
    {
        engine.NextOrchestration = workItem;
        await Commit(sut, await sut.LockNextTaskOrchestrationWorkItemAsync(Timeout.InfiniteTimeSpan, CancellationToken.None));
    }

    private static async Task Commit(SidecarOrchestrationService sut, TaskOrchestrationWorkItem item)
    {
        await sut.CompleteTaskOrchestrationWorkItemAsync(item, item.OrchestrationRuntimeState, [], [], [], null!, null!);
        await sut.ReleaseTaskOrchestrationWorkItemAsync(item);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the kept session was not released in time");
            await Task.Delay(10);
        }
    }

    /// <summary>A work item for a running orchestration with its engine session.</summary>
    private static (TaskOrchestrationWorkItem WorkItem, Session Session) Running(string instanceId, string executionId = "e1")
    {
        var instance = new OrchestrationInstance { InstanceId = instanceId, ExecutionId = executionId };
        var state = new OrchestrationRuntimeState([new ExecutionStartedEvent(-1, "input") { OrchestrationInstance = instance, Name = "MarriageOrchestrator" }]);
        var session = new Session();
        return (new TaskOrchestrationWorkItem { InstanceId = instanceId, OrchestrationRuntimeState = state, Session = session, NewMessages = [] }, session);
    }

    private static (SidecarOrchestrationService Sut, SidecarOrchestrationServiceTests.RecordingEngine Engine, FakeTimeProvider Clock, ExtendedSessions Sessions)
        Create(int capacity = 100)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));
        var engine = DispatchProxy.Create<IOrchestrationService, SidecarOrchestrationServiceTests.RecordingEngine>();
        var recorder = (SidecarOrchestrationServiceTests.RecordingEngine)(object)engine;
        recorder.Clock = clock;
        var sessions = new ExtendedSessions(engine, Visibility, capacity, clock, NullLogger<ExtendedSessions>.Instance);
        var sut = new SidecarOrchestrationService(engine, DispatchProxy.Create<IOrchestrationServiceClient, SidecarOrchestrationServiceTests.RecordingEngine>(),
            null, null, Visibility, clock, NullLogger<SidecarOrchestrationService>.Instance, sessions);
        return (sut, recorder, clock, sessions);
    }

    /// <summary>An engine session: each fetch takes the next batch delivered, or null when told to idle out.</summary>
    private sealed class Session : IOrchestrationSession
    {
        private readonly Channel<IList<TaskMessage>?> batches = Channel.CreateUnbounded<IList<TaskMessage>?>();

        public ValueTask Deliver(params TaskMessage[] messages) => batches.Writer.WriteAsync(messages);

        public ValueTask IdleOut() => batches.Writer.WriteAsync(null);

        public void Fail(Exception error) => batches.Writer.Complete(error);

        public async Task<IList<TaskMessage>?> FetchNewOrchestrationMessagesAsync(TaskOrchestrationWorkItem workItem) =>
            await batches.Reader.ReadAsync();

        public Task EndSessionAsync() => Task.CompletedTask;
    }
}
