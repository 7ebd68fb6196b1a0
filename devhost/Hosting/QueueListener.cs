using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Tongban.Storage;

namespace Tongban.DevHost.Hosting;

/// <summary>
/// The devhost's stand-in for a Functions queue trigger: receive a batch, run the shared handler, delete
/// on success; on failure the message comes back after a back-off, and after MaxDequeueCount deliveries
/// it moves to the poison queue, whose listener runs the handler's poison path. While the handler runs, the
/// message's visibility is renewed every half <see cref="QueueListenerSettings.VisibilityTimeout"/>, as the
/// Functions host does, so a handler slower than the lease is not delivered a second time meanwhile.
/// </summary>
public sealed partial class QueueListener(
    string queueName, bool poison, QueueServiceClient queues, IQueueMessageHandler handler, QueueListenerSettings settings,
    QueueWakeups wakeups, ILogger<QueueListener> logger) : BackgroundService
{
    public string QueueName => queueName;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The poison listener reads the poison twin; both share the handler.
        var queue = queues.GetQueueClient(poison ? StorageNames.PoisonQueue(queueName) : queueName);
        var poisonQueue = queues.GetQueueClient(StorageNames.PoisonQueue(queueName));
        var idle = TimeSpan.FromMilliseconds(50);
        // As the Functions queue trigger does: read the next batch once fewer than NewBatchThreshold messages are
        // still being handled, rather than waiting for the slowest message of the last batch.
        var running = new HashSet<Task>();
        var threshold = settings.NewBatchThreshold ?? Math.Max(1, settings.BatchSize / 2);
        while (!stoppingToken.IsCancellationRequested)
        {
            running.RemoveWhere(t => t.IsCompleted);
            if (running.Count > threshold)
            {
                await Task.WhenAny(running);
                continue;
            }

            QueueMessage[] messages;
            try
            {
                messages = (await queue.ReceiveMessagesAsync(settings.BatchSize, settings.VisibilityTimeout, stoppingToken)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Storage away (restarting): wait and try again, as the Functions host does.
                QueueUnreadable(logger, e, queueName);
                await Delay(TimeSpan.FromSeconds(1), stoppingToken);
                continue;
            }

            if (messages.Length == 0)
            {
                // Sleep out the back-off, unless this process puts a message on the queue meanwhile.
                await wakeups.WaitAsync(queue.Name, idle, stoppingToken);
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, settings.MaxPollingInterval.Ticks));
                continue;
            }

            idle = TimeSpan.FromMilliseconds(50);
            foreach (var message in messages) running.Add(ProcessAsync(queue, poisonQueue, message, stoppingToken));
            // A batch short of full took what the queue held: the next read waits for this process's next put there (at once when
            // one came meanwhile) or the shortest back-off, instead of finding the queue empty straight away. A full batch may have
            // left more behind: read again at once.
            if (messages.Length < settings.BatchSize) await wakeups.WaitAsync(queue.Name, idle, stoppingToken);
        }

        try
        {
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException)
        {
            // stopping: unfinished messages come back after their visibility timeout
        }
    }

    private async Task ProcessAsync(QueueClient queue, QueueClient poisonQueue, QueueMessage message, CancellationToken ct)
    {
        using var lease = new MessageLease(queue, message, settings.VisibilityTimeout, e => LeaseNotRenewed(logger, e, message.MessageId, queueName), ct);
        try
        {
            try
            {
                if (poison)
                {
                    await handler.HandlePoisonAsync(message.MessageText, ct);
                }
                else
                {
                    await handler.HandleAsync(message.MessageText, message.DequeueCount, ct);
                }
            }
            finally
            {
                await lease.StopAsync();
            }

            await queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            if (!poison && message.DequeueCount >= settings.MaxDequeueCount)
            {
                MessagePoisoned(logger, e, message.MessageId, queueName, message.DequeueCount);
                await poisonQueue.SendMessageAsync(message.MessageText, ct);
                await queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt, ct);
                return;
            }

            var backoff = settings.RetryDelayAfter(message.DequeueCount);
            MessageFailed(logger, message.MessageId, queueName, message.DequeueCount, e.Message, backoff);
            try
            {
                await queue.UpdateMessageAsync(message.MessageId, lease.PopReceipt, visibilityTimeout: backoff, cancellationToken: ct);
            }
            catch (Exception updateFailure) when (!ct.IsCancellationRequested)
            {
                // The message reappears after its visibility timeout anyway.
                MessageNotRescheduled(logger, updateFailure, message.MessageId);
            }
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Queue {Queue} could not be read")]
    private static partial void QueueUnreadable(ILogger logger, Exception exception, string queue);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Message {MessageId} on {Queue} failed {Count} times: moved to poison")]
    private static partial void MessagePoisoned(ILogger logger, Exception exception, string messageId, string queue, long count);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Information, Message = "Message {MessageId} on {Queue} failed (delivery {Count}): {Error}; again in {Delay}")]
    private static partial void MessageFailed(ILogger logger, string messageId, string queue, long count, string error, TimeSpan delay);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Debug, Message = "Could not reschedule message {MessageId}")]
    private static partial void MessageNotRescheduled(ILogger logger, Exception exception, string messageId);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Warning, Message = "Could not renew the visibility of message {MessageId} on {Queue} while it is handled")]
    private static partial void LeaseNotRenewed(ILogger logger, Exception exception, string messageId, string queue);

    /// <summary>
    /// Keeps a received message invisible while its handler runs: every half lease, an UpdateMessage with the current pop
    /// receipt (each returns the next). Stopping waits for an update under way, so the receipt used to delete is the latest.
    /// </summary>
    private sealed class MessageLease : IDisposable
    {
        private readonly CancellationTokenSource stopped = new();
        private readonly Task renewing;

        public MessageLease(QueueClient queue, QueueMessage message, TimeSpan lease, Action<Exception> renewalFailed, CancellationToken ct)
        {
            PopReceipt = message.PopReceipt;
            renewing = RenewAsync(queue, message.MessageId, lease, renewalFailed, ct);
        }

        public string PopReceipt { get; private set; }

        public async Task StopAsync()
        {
            await stopped.CancelAsync();
            await renewing;
        }

        public void Dispose() => stopped.Dispose();

        private async Task RenewAsync(QueueClient queue, string messageId, TimeSpan lease, Action<Exception> renewalFailed, CancellationToken ct)
        {
            var every = lease / 2;
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(every, stopped.Token);
                }
                catch (OperationCanceledException)
                {
                    return; // the handler is done; an update under way (below) is not cancelled by it
                }

                try
                {
                    // Not cancelled by the handler finishing: a renewal that reached the queue must hand back its receipt.
                    PopReceipt = (await queue.UpdateMessageAsync(messageId, PopReceipt, visibilityTimeout: lease, cancellationToken: ct)).Value.PopReceipt;
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    // Storage away or the receipt gone: the message may come back after its lease; the handlers are repeat-safe.
                    renewalFailed(e);
                    if (e is Azure.RequestFailedException { Status: 404 or 400 }) return;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}

/// <summary>
/// Queue loop settings: host.json's own <c>extensions.queues</c> section (<see cref="ForDevHost"/>), as the Functions host reads
/// it, then <c>Tongban:Queues</c> over it (tests shorten the retry delay).
/// </summary>
public sealed class QueueListenerSettings
{
    public int BatchSize { get; set; } = 16;

    /// <summary>Read the next batch once no more than this many messages are still being handled (Functions: BatchSize / 2).</summary>
    public int? NewBatchThreshold { get; set; }

    /// <summary>
    /// How long a received message stays invisible, renewed every half while it is handled (the Functions host receives for
    /// 10 minutes and renews likewise). Not host.json's <c>visibilityTimeout</c>, which is the delay before a failed message
    /// is delivered again: <see cref="RetryDelay"/>.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries before poison; the devhost sets it from <c>Tongban:MaxDequeueCount</c>.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>The delay before a failed message's next delivery, doubling per delivery up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The delay before delivery <paramref name="dequeueCount"/> + 1 of a message that failed.</summary>
    public TimeSpan RetryDelayAfter(long dequeueCount) =>
        TimeSpan.FromTicks(Math.Min(RetryDelay.Ticks * (1L << (int)Math.Clamp(dequeueCount - 1, 0, 10)), MaxRetryDelay.Ticks));

    /// <summary>
    /// The devhost's settings: host.json's <c>extensions.queues</c> (embedded in the devhost, so it is the file the Functions app
    /// deploys): <c>batchSize</c>, <c>newBatchThreshold</c>, <c>maxPollingInterval</c>, <c>maxDequeueCount</c>, and
    /// <c>visibilityTimeout</c> as a fixed retry delay (the Functions host does not back off); then <c>Tongban:Queues</c> over them.
    /// </summary>
    public static QueueListenerSettings ForDevHost(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        HostJson.Settings(configuration, "Tongban:Queues", FromHostJson);

    /// <summary>Settings from a host.json document's <c>extensions.queues</c> section; what it leaves out keeps its default.</summary>
    public static QueueListenerSettings FromHostJson(System.Text.Json.JsonDocument hostJson)
    {
        var settings = new QueueListenerSettings();
        if (!HostJson.TryGetSection(hostJson, out var queues, "extensions", "queues")) return settings;
        foreach (var setting in queues.EnumerateObject())
        {
            switch (setting.Name)
            {
                case "batchSize": settings.BatchSize = setting.Value.GetInt32(); break;
                case "newBatchThreshold": settings.NewBatchThreshold = setting.Value.GetInt32(); break;
                case "maxDequeueCount": settings.MaxDequeueCount = setting.Value.GetInt32(); break;
                case "maxPollingInterval": settings.MaxPollingInterval = HostJson.Duration(setting.Value); break;
                case "visibilityTimeout": settings.RetryDelay = settings.MaxRetryDelay = HostJson.Duration(setting.Value); break;
            }
        }

        return settings;
    }
}
