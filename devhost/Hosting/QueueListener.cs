using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Tongban.Storage;

namespace Tongban.DevHost.Hosting;

/// <summary>
/// The devhost's stand-in for a Functions queue trigger: receive a batch, run the shared handler, delete
/// on success; on failure the message comes back after a back-off, and after MaxDequeueCount deliveries
/// it moves to the poison queue, whose listener runs the handler's poison path.
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

            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            if (!poison && message.DequeueCount >= settings.MaxDequeueCount)
            {
                MessagePoisoned(logger, e, message.MessageId, queueName, message.DequeueCount);
                await poisonQueue.SendMessageAsync(message.MessageText, ct);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
                return;
            }

            var backoff = TimeSpan.FromTicks(Math.Min(settings.RetryDelay.Ticks * (1L << (int)Math.Min(message.DequeueCount - 1, 10)), settings.MaxRetryDelay.Ticks));
            MessageFailed(logger, message.MessageId, queueName, message.DequeueCount, e.Message, backoff);
            try
            {
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: backoff, cancellationToken: ct);
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
}

/// <summary>Queue loop settings (<c>Tongban:Queues</c>), mirroring host.json's queues section.</summary>
public sealed class QueueListenerSettings
{
    public int BatchSize { get; set; } = 16;

    /// <summary>Read the next batch once no more than this many messages are still being handled (Functions: BatchSize / 2).</summary>
    public int? NewBatchThreshold { get; set; }

    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries before poison; the devhost sets it from <c>Tongban:MaxDequeueCount</c>.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}
