using Microsoft.Extensions.Logging.Abstractions;
using Tongban.DevHost.Hosting;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;

namespace Tongban.IntegrationTests.Queues;

/// <summary>
/// A handler slower than the message's lease: the listener renews the message's visibility while it runs, so the message
/// is handled once (before, it came back after the lease and a second handler ran the same work alongside the first).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueueListenerLeaseTests(AzuriteFixture azurite)
{
    private sealed class SlowHandler(TimeSpan takes) : IQueueMessageHandler
    {
        public int Calls;

        public async Task HandleAsync(string message, long dequeueCount, CancellationToken ct)
        {
            Interlocked.Increment(ref Calls);
            await Task.Delay(takes, ct);
        }

        public Task HandlePoisonAsync(string message, CancellationToken ct) => Task.CompletedTask;
    }

    [Fact]
    public async Task A_handler_slower_than_the_lease_runs_once_and_its_message_is_deleted()
    {
        var name = $"lease{Guid.NewGuid():N}"[..20];
        var queue = azurite.Queues.GetQueueClient(name);
        await queue.CreateAsync();
        await queue.SendMessageAsync("slow work");
        var handler = new SlowHandler(TimeSpan.FromSeconds(5));
        var settings = new QueueListenerSettings { VisibilityTimeout = TimeSpan.FromSeconds(2), MaxPollingInterval = TimeSpan.FromMilliseconds(100) };
        using var listener = new QueueListener(name, poison: false, azurite.Queues, handler, settings, new QueueWakeups(), NullLogger<QueueListener>.Instance);

        await listener.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.UntilAsync(async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0, TimeSpan.FromSeconds(15), "the message deleted");
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }

        Assert.Equal(1, handler.Calls);
    }
}
