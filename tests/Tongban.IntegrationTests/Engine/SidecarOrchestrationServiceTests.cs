using System.Reflection;
using DurableTask.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tongban.DevHost.Hosting;

namespace Tongban.IntegrationTests.Engine;

/// <summary>
/// The sidecar never renews a work item's lock; the decorator around the engine does, while the worker holds the item,
/// and stops once the item is completed, abandoned or released (no storage needed: the engine is a recording stand-in).
/// </summary>
public sealed class SidecarOrchestrationServiceTests
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_held_orchestration_work_item_is_renewed_once_less_than_half_its_lock_is_left()
    {
        var (sut, engine, clock) = Create();
        engine.NextOrchestration = new TaskOrchestrationWorkItem { InstanceId = "c1", LockedUntilUtc = clock.GetUtcNow().UtcDateTime + Visibility };
        var item = await sut.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.FromSeconds(1), CancellationToken.None);

        clock.Advance(TimeSpan.FromSeconds(14));
        await sut.RenewDueAsync();
        Assert.Equal(0, engine.OrchestrationRenewals);

        clock.Advance(TimeSpan.FromSeconds(2));
        await sut.RenewDueAsync();
        Assert.Equal(1, engine.OrchestrationRenewals);
        Assert.Equal(clock.GetUtcNow().UtcDateTime + Visibility, item.LockedUntilUtc);

        // Renewed: not again until half of the new lock has gone by.
        await sut.RenewDueAsync();
        Assert.Equal(1, engine.OrchestrationRenewals);
        Assert.Equal(1, sut.HeldCount);
    }

    [Theory]
    [InlineData("complete")]
    [InlineData("abandon")]
    [InlineData("release")]
    public async Task An_orchestration_work_item_the_worker_has_finished_is_no_longer_renewed(string end)
    {
        var (sut, engine, clock) = Create();
        engine.NextOrchestration = new TaskOrchestrationWorkItem { InstanceId = "c1", LockedUntilUtc = clock.GetUtcNow().UtcDateTime + Visibility };
        var item = await sut.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
        await (end switch
        {
            "complete" => sut.CompleteTaskOrchestrationWorkItemAsync(item, null!, [], [], [], null!, null!),
            "abandon" => sut.AbandonTaskOrchestrationWorkItemAsync(item),
            _ => sut.ReleaseTaskOrchestrationWorkItemAsync(item),
        });

        clock.Advance(Visibility);
        await sut.RenewDueAsync();
        Assert.Equal(0, engine.OrchestrationRenewals);
        Assert.Equal(0, sut.HeldCount);
        Assert.Equal(1, engine.Finished);
    }

    [Fact]
    public async Task A_held_activity_work_item_is_renewed_until_completed()
    {
        var (sut, engine, clock) = Create();
        engine.NextActivity = new TaskActivityWorkItem { Id = "a1", LockedUntilUtc = clock.GetUtcNow().UtcDateTime + Visibility };
        var item = await sut.LockNextTaskActivityWorkItem(TimeSpan.FromSeconds(1), CancellationToken.None);

        clock.Advance(TimeSpan.FromSeconds(20));
        await sut.RenewDueAsync();
        Assert.Equal(1, engine.ActivityRenewals);

        await sut.CompleteTaskActivityWorkItemAsync(item, null!);
        clock.Advance(Visibility);
        await sut.RenewDueAsync();
        Assert.Equal(1, engine.ActivityRenewals);
    }

    [Fact]
    public async Task A_failed_renewal_is_tried_again_on_the_next_pass_while_the_item_is_held()
    {
        var (sut, engine, clock) = Create();
        engine.NextOrchestration = new TaskOrchestrationWorkItem { InstanceId = "c1", LockedUntilUtc = clock.GetUtcNow().UtcDateTime + Visibility };
        await sut.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
        engine.FailRenewals = 1;

        clock.Advance(TimeSpan.FromSeconds(20));
        await sut.RenewDueAsync();
        Assert.Equal(0, sut.Renewals);
        await sut.RenewDueAsync();
        Assert.Equal(1, sut.Renewals);
    }

    [Fact]
    public async Task Without_a_lock_visibility_nothing_is_held_and_the_caps_are_the_given_ones()
    {
        var engine = DispatchProxy.Create<IOrchestrationService, RecordingEngine>();
        var recorder = (RecordingEngine)(object)engine;
        var sut = new SidecarOrchestrationService(engine, DispatchProxy.Create<IOrchestrationServiceClient, RecordingEngine>(), 100, 80, null, new FakeTimeProvider(),
            NullLogger<SidecarOrchestrationService>.Instance);
        recorder.NextOrchestration = new TaskOrchestrationWorkItem { InstanceId = "c1" };
        await sut.LockNextTaskOrchestrationWorkItemAsync(TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal(0, sut.HeldCount);
        Assert.Equal(100, sut.MaxConcurrentTaskOrchestrationWorkItems);
        Assert.Equal(80, sut.MaxConcurrentTaskActivityWorkItems);
    }

    private static (SidecarOrchestrationService Sut, RecordingEngine Engine, FakeTimeProvider Clock) Create()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));
        var engine = DispatchProxy.Create<IOrchestrationService, RecordingEngine>();
        var recorder = (RecordingEngine)(object)engine;
        recorder.Clock = clock;
        var sut = new SidecarOrchestrationService(engine, DispatchProxy.Create<IOrchestrationServiceClient, RecordingEngine>(), null, null, Visibility, clock,
            NullLogger<SidecarOrchestrationService>.Instance);
        return (sut, recorder, clock);
    }

    /// <summary>A stand-in engine: hands out the work items it is given, renews as DTFx does (lock moved to now + visibility), records the rest.</summary>
    public class RecordingEngine : DispatchProxy
    {
        public TimeProvider Clock { get; set; } = TimeProvider.System;

        public TaskOrchestrationWorkItem? NextOrchestration { get; set; }

        /// <summary>When set, the engine's next orchestration lock waits for it (the engine has no work yet).</summary>
        public TaskCompletionSource<TaskOrchestrationWorkItem>? PendingOrchestration { get; set; }

        public TaskActivityWorkItem? NextActivity { get; set; }

        public int OrchestrationRenewals { get; private set; }

        public int ActivityRenewals { get; private set; }

        public int Finished { get; private set; }

        /// <summary>Orchestration work items released to the engine (their sessions ended).</summary>
        public int Released => released;

        private int released;

        public int FailRenewals { get; set; }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var name = targetMethod!.Name;
            var until = Clock.GetUtcNow().UtcDateTime + Visibility;
            switch (name)
            {
                case nameof(IOrchestrationService.LockNextTaskOrchestrationWorkItemAsync):
                    return PendingOrchestration?.Task ?? Task.FromResult(NextOrchestration!);
                case nameof(IOrchestrationService.ReleaseTaskOrchestrationWorkItemAsync):
                    Interlocked.Increment(ref released);
                    Finished++;
                    return Task.CompletedTask;
                case nameof(IOrchestrationService.LockNextTaskActivityWorkItem):
                    return Task.FromResult(NextActivity!);
                case nameof(IOrchestrationService.RenewTaskOrchestrationWorkItemLockAsync):
                    if (FailRenewals-- > 0) return Task.FromException(new InvalidOperationException("storage busy"));
                    OrchestrationRenewals++;
                    ((TaskOrchestrationWorkItem)args![0]!).LockedUntilUtc = until;
                    return Task.CompletedTask;
                case nameof(IOrchestrationService.RenewTaskActivityWorkItemLockAsync):
                    ActivityRenewals++;
                    var activity = (TaskActivityWorkItem)args![0]!;
                    activity.LockedUntilUtc = until;
                    return Task.FromResult(activity);
                default:
                    if (name.StartsWith("Complete", StringComparison.Ordinal) || name.StartsWith("Abandon", StringComparison.Ordinal)
                        || name.StartsWith("Release", StringComparison.Ordinal))
                    {
                        Finished++;
                    }

                    return targetMethod.ReturnType == typeof(Task) ? Task.CompletedTask
                        : targetMethod.ReturnType.IsValueType ? Activator.CreateInstance(targetMethod.ReturnType) : null;
            }
        }
    }
}
