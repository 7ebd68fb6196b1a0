using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace Tongban.Storage;

/// <summary>Creates the hub's tables and province queues (with their poison twins) if they are missing.</summary>
public sealed class StorageInitializer(TableServiceClient tables, QueueServiceClient queues)
{
    public async Task EnsureAsync(IEnumerable<string> provinceCodes, CancellationToken ct)
    {
        var work = StorageNames.Tables.Select(t => (Task)tables.CreateTableIfNotExistsAsync(t, ct)).ToList();
        foreach (var code in provinceCodes)
        {
            var queue = StorageNames.ProvinceQueue(code);
            work.Add(queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: ct));
            work.Add(queues.GetQueueClient(StorageNames.PoisonQueue(queue)).CreateIfNotExistsAsync(cancellationToken: ct));
        }

        work.Add(queues.GetQueueClient(Callbacks.PartnerCallbackOutbox.QueueName).CreateIfNotExistsAsync(cancellationToken: ct));
        work.Add(queues.GetQueueClient(StorageNames.PoisonQueue(Callbacks.PartnerCallbackOutbox.QueueName)).CreateIfNotExistsAsync(cancellationToken: ct));
        await Task.WhenAll(work);
    }
}
