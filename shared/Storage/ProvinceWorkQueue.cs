using Azure.Storage.Queues;
using Tongban.Workflows.Steps;

namespace Tongban.Storage;

/// <summary>Puts province steps on their province's queue (<c>province-{code}</c>): each province gets its own concurrency and rate.</summary>
public sealed class ProvinceWorkQueue(QueueServiceClient queues)
{
    public async Task EnqueueAsync(ProvinceWorkItem item, CancellationToken ct)
    {
        var queue = queues.GetQueueClient(StorageNames.ProvinceQueue(item.Province));
        await queue.SendMessageAsync(TongbanJson.Serialize(item), ct);
    }
}
