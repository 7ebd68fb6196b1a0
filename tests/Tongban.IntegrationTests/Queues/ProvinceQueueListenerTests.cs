using System.Globalization;
using Azure.Storage.Queues;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Moq;
using Tongban.Cases;
using Tongban.DevHost.Hosting;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Provinces;
using Tongban.Provinces.Zhejiang;
using Tongban.Storage;
using Tongban.Workflows;
using Tongban.Workflows.Dispatch;

namespace Tongban.IntegrationTests.Queues;

/// <summary>
/// The devhost queue loop against Azurite, with the real handler, case store and Zhejiang adapter. The
/// province is configured at a closed loopback port, so every call is a genuine transient fault.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProvinceQueueListenerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly string province = CaseData.NewProvinceCode();
    private readonly CaseDetailsCipher pii = CaseData.NewCipher();
    private readonly Mock<DurableTaskClient> durable = new("test-hub");
    private readonly FakeLogger<QueueListener> listenerLog = new();
    private readonly List<QueueListener> started = [];
    private readonly ServiceProvider http = new ServiceCollection().AddHttpClient().BuildServiceProvider();

    private readonly QueueListenerSettings settings = new()
    {
        BatchSize = 4,
        RetryDelay = TimeSpan.FromMilliseconds(50),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        MaxDequeueCount = 3,
        VisibilityTimeout = TimeSpan.FromSeconds(2),
        MaxPollingInterval = TimeSpan.FromMilliseconds(100),
    };

    private CaseStore Cases => new(azurite.Tables, pii, TimeProvider.System);

    private QueueClient WorkQueue => azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(province));

    private QueueClient PoisonQueue => azurite.Queues.GetQueueClient(StorageNames.PoisonQueue(StorageNames.ProvinceQueue(province)));

    public async Task InitializeAsync()
    {
        durable.AcceptsEvents(() => OrchestrationRuntimeStatus.Running);
        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([province], CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        foreach (var listener in started) await listener.StopAsync(CancellationToken.None);
        foreach (var listener in started) listener.Dispose();
        await http.DisposeAsync();
    }

    private ProvinceStepHandler Handler()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"Tongban:Provinces:{province}:Scheme"] = ZhejiangAdapter.SchemeName,
            // Nothing listens here: connection refused, a transient fault on every call.
            [$"Tongban:Provinces:{province}:BaseUrl"] = $"http://127.0.0.1:{AzuriteLauncher.FreePort()}",
            [$"Tongban:Provinces:{province}:appKey"] = "test-app",
            [$"Tongban:Provinces:{province}:appSecret"] = "test-secret",
        }).Build();
        var registry = new ProvinceRegistry(configuration, [new ZhejiangAdapterFactory()], http.GetRequiredService<IHttpClientFactory>());
        return ProvinceWorkHandlers.OnAzurite(azurite, Cases, registry, durable.Object, new Configuration.TongbanOptions { MaxDequeueCount = settings.MaxDequeueCount });
    }

    private async Task StartAsync(bool poison)
    {
        var listener = new QueueListener(StorageNames.ProvinceQueue(province), poison, azurite.Queues, Handler(), settings, new QueueWakeups(), listenerLog);
        started.Add(listener);
        await listener.StartAsync(CancellationToken.None);
    }

    /// <summary>An open marriage case whose partyA resident check has been dispatched to the province, and its queued work item.</summary>
    private async Task<ProvinceStep> DispatchedStepAsync(CaseStatus status = CaseStatus.InProgress)
    {
        var command = CaseData.MarriageCommand(province, province, province);
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, DateTimeOffset.UtcNow);
        record.Status = status;
        record.Closed = status.IsFinal(); // as the workflow leaves an ended case
        record.Step(StepNames.VerifyResident, "partyA", province).Status = StepStatus.Running;
        await Cases.CreateAsync(record, command, CancellationToken.None);
        var item = new ProvinceStep(record.CaseId, StepNames.VerifyResident, "partyA", Provinces.CanonicalOperations.ResidentVerify, province, Round: 1);
        await new ProvinceStepQueue(azurite.Queues).EnqueueAsync(item, CancellationToken.None);
        return item;
    }

    private static async Task<int> CountAsync(QueueClient queue) => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    private IReadOnlyList<FakeLogRecord> Retries => listenerLog.Collector.GetSnapshot().Where(e => e.Level == LogLevel.Information && e.Message.Contains("again in")).ToList();

    /// <summary>The delivery count a retry or poison line names.</summary>
    private static long Count(FakeLogRecord e) => long.Parse(e.GetStructuredStateValue("Count")!, CultureInfo.InvariantCulture);

    /// <summary>The back-off a retry line names.</summary>
    private static TimeSpan Delay(FakeLogRecord e) => TimeSpan.Parse(e.GetStructuredStateValue("Delay")!, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Failing_message_is_retried_with_back_off_then_moved_to_poison()
    {
        var item = await DispatchedStepAsync();

        await StartAsync(poison: false);
        await Eventually.UntilAsync(async () => await CountAsync(PoisonQueue) == 1, Patience, "the message on the poison queue");

        var poisoned = Assert.Single((await PoisonQueue.PeekMessagesAsync(10)).Value);
        Assert.Equal(item, TongbanJson.Deserialize<ProvinceStep>(poisoned.MessageText));
        Assert.Equal(0, await CountAsync(WorkQueue));
        // Deliveries 1 and 2 were put back with a doubling back-off; delivery 3 (MaxDequeueCount) went to poison.
        Assert.Equal([(1L, TimeSpan.FromMilliseconds(50)), (2L, TimeSpan.FromMilliseconds(100))],
            Retries.Select(e => (Count(e), Delay(e))));
        var moved = Assert.Single(listenerLog.Collector.GetSnapshot(), e => e.Level == LogLevel.Warning);
        Assert.Contains("moved to poison", moved.Message);
        Assert.Equal(3L, Count(moved));
        // Only the poison path tells the orchestration; the step is still as dispatched.
        durable.Verify(d => d.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never);
        var step = (await Cases.GetAsync(item.CaseId, CancellationToken.None))!.Record.FindStep(item.StepKey)!;
        Assert.Equal(StepStatus.Running, step.Status);
    }

    [Fact]
    public async Task Back_off_never_exceeds_MaxRetryDelay()
    {
        settings.MaxDequeueCount = 5;
        await DispatchedStepAsync();

        await StartAsync(poison: false);
        await Eventually.UntilAsync(async () => await CountAsync(PoisonQueue) == 1, Patience, "the message on the poison queue");

        Assert.Equal([50, 100, 200, 200], Retries.Select(e => Delay(e).TotalMilliseconds));
    }

    [Fact]
    public async Task Next_delivery_waits_out_the_back_off()
    {
        // The queue API takes visibility in whole seconds, so the wait is only observable with whole-second delays.
        settings.RetryDelay = TimeSpan.FromSeconds(1);
        settings.MaxRetryDelay = TimeSpan.FromSeconds(2);
        await DispatchedStepAsync();

        await StartAsync(poison: false);
        await Eventually.UntilAsync(async () => await CountAsync(PoisonQueue) == 1, Patience, "the message on the poison queue");

        var failures = listenerLog.Collector.GetSnapshot().Where(e => e.Message.Contains("again in") || e.Message.Contains("moved to poison")).Select(e => e.Timestamp).ToList();
        Assert.Equal(3, failures.Count);
        // Not before the back-off (1 s, then 2 s); the upper bounds only say it was the next delivery, with room for a busy
        // test run (a 1 s back-off once took 4.0 s on two cores with every collection starting).
        Assert.InRange(failures[1] - failures[0], TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(6));
        Assert.InRange(failures[2] - failures[1], TimeSpan.FromMilliseconds(1900), TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task Poison_listener_marks_the_step_failed_and_tells_the_orchestration()
    {
        var item = await DispatchedStepAsync();

        await StartAsync(poison: false);
        await StartAsync(poison: true);
        await Eventually.UntilAsync(async () => await CountAsync(PoisonQueue) == 0 && await CountAsync(WorkQueue) == 0
            && durable.Invocations.Any(i => i.Method.Name == nameof(DurableTaskClient.RaiseEventAsync)), Patience, "the poison message consumed and the orchestration told");

        var step = (await Cases.GetAsync(item.CaseId, CancellationToken.None))!.Record.FindStep(item.StepKey)!;
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Contains("retries exhausted", step.Detail);
        Assert.Contains(province, step.Detail);
        Assert.NotNull(step.CompletedAt);
        durable.Verify(d => d.RaiseEventAsync(item.CaseId, CaseEvents.StepResult(item.StepKey, 1),
            It.Is<object?>(r => r is StepResult && ((StepResult)r).Outcome == StepOutcome.Failed && ((StepResult)r).Transient),
            It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Message_handled_without_error_is_deleted_and_not_retried()
    {
        // The case has ended, so the handler completes without calling the province.
        var item = await DispatchedStepAsync(CaseStatus.Completed);
        Assert.Equal(1, await CountAsync(WorkQueue));

        await StartAsync(poison: false);
        await StartAsync(poison: true);
        await Eventually.UntilAsync(async () => await CountAsync(WorkQueue) == 0, Patience, "the message deleted");

        Assert.Equal(0, await CountAsync(PoisonQueue));
        Assert.Empty(Retries);
        durable.Verify(d => d.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never);
        var step = (await Cases.GetAsync(item.CaseId, CancellationToken.None))!.Record.FindStep(item.StepKey)!;
        Assert.Equal(StepStatus.Running, step.Status);
    }
}
