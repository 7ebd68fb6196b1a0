using Azure.Storage.Queues;
using Tongban.Storage;

namespace Tongban.Workflows.Dispatch;

/// <summary>A province queue's depth and its poison twin's, as storage estimates them.</summary>
public sealed record QueueDepth(int Queued, int Poisoned);

/// <summary>Puts province steps on their province's queue (<c>province-{code}</c>): each province gets its own concurrency and rate.</summary>
public sealed class ProvinceStepQueue(QueueServiceClient queues)
{
    /// <summary>How long a poison message being moved stays invisible: if the move dies half-way, it is moved again later.</summary>
    private static readonly TimeSpan MoveLease = TimeSpan.FromMinutes(1);

    /// <param name="delay">Keeps the message invisible this long (a parked call comes back when the province may take it).</param>
    public async Task EnqueueAsync(ProvinceStep item, CancellationToken ct, TimeSpan? delay = null)
    {
        var queue = queues.GetQueueClient(StorageNames.ProvinceQueue(item.Province));
        await queue.SendMessageAsync(TongbanJson.Serialize(item), visibilityTimeout: delay, cancellationToken: ct);
    }

    public async Task<QueueDepth> DepthAsync(string province, CancellationToken ct)
    {
        var name = StorageNames.ProvinceQueue(province);
        var main = queues.GetQueueClient(name).GetPropertiesAsync(ct);
        var poison = queues.GetQueueClient(StorageNames.PoisonQueue(name)).GetPropertiesAsync(ct);
        return new QueueDepth((await main).Value.ApproximateMessagesCount, (await poison).Value.ApproximateMessagesCount);
    }

    /// <summary>
    /// Moves the province's poison messages back onto its queue, up to <paramref name="limit"/>: each is sent first and
    /// deleted from poison after, so a crash between leaves a duplicate (harmless: the handler drops work already
    /// done), never a loss. Returns how many were moved.
    /// </summary>
    public async Task<int> RequeuePoisonAsync(string province, int limit, CancellationToken ct)
    {
        var name = StorageNames.ProvinceQueue(province);
        var main = queues.GetQueueClient(name);
        var poison = queues.GetQueueClient(StorageNames.PoisonQueue(name));
        var moved = 0;
        while (moved < limit)
        {
            var batch = (await poison.ReceiveMessagesAsync(Math.Min(32, limit - moved), MoveLease, ct)).Value;
            if (batch.Length == 0) break;
            foreach (var message in batch)
            {
                await main.SendMessageAsync(message.Body.ToString(), cancellationToken: ct);
                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
                moved++;
            }
        }

        return moved;
    }
}
