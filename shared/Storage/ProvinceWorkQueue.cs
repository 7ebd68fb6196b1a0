using Azure.Storage.Queues;
using Tongban.Workflows.Steps;

namespace Tongban.Storage;

/// <summary>Puts province steps on their province's queue (<c>province-{code}</c>): each province gets its own concurrency and rate.</summary>
public sealed class ProvinceWorkQueue(QueueServiceClient queues)
{
    /// <param name="delay">Keeps the message invisible this long (a parked call comes back when the province may take it).</param>
    public async Task EnqueueAsync(ProvinceWorkItem item, CancellationToken ct, TimeSpan? delay = null)
    {
        var queue = queues.GetQueueClient(StorageNames.ProvinceQueue(item.Province));
        await queue.SendMessageAsync(TongbanJson.Serialize(item), visibilityTimeout: delay, cancellationToken: ct);
    }
}
