using Azure;
using Azure.Data.Tables;

namespace Tongban.Storage;

/// <summary>
/// The replay window: a nonce is recorded once per caller (partition = caller, row = nonce); a second
/// insert conflicts. Rows older than the window are purged by the housekeeping timer; the timestamp
/// check refuses anything that old before the nonce is looked at.
/// </summary>
public sealed class NonceStore(TableServiceClient tables, TimeProvider time)
{
    private readonly TableClient table = tables.GetTableClient(StorageNames.NoncesTable);

    /// <summary>True when the nonce is new (and now recorded); false when it was seen before.</summary>
    public async Task<bool> TryRecordAsync(string caller, string nonce, CancellationToken ct)
    {
        try
        {
            await table.AddEntityAsync(new TableEntity(caller, nonce) { ["SeenAt"] = time.GetUtcNow() }, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Deletes nonces older than the window for the given callers; returns how many.</summary>
    public async Task<int> PurgeAsync(IEnumerable<string> callers, TimeSpan window, CancellationToken ct)
    {
        var cutoff = time.GetUtcNow() - window;
        var deleted = 0;
        foreach (var caller in callers)
        {
            var old = table.QueryAsync<TableEntity>(
                TableClient.CreateQueryFilter($"PartitionKey eq {caller} and SeenAt lt {cutoff}"), select: ["PartitionKey", "RowKey"], cancellationToken: ct);
            await foreach (var row in old)
            {
                await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, ct);
                deleted++;
            }
        }

        return deleted;
    }
}
