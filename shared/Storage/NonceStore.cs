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

    /// <summary>
    /// True when the nonce is new (and now recorded); false when it was seen before. The row carries a mark of this very
    /// call, so a conflict with it is told apart from a replay: the client library sends an insert again when its answer was
    /// lost (a timeout on a loaded store) after the service had carried it out, and the retry then meets its own row. Only a
    /// conflict costs the read that checks the mark.
    /// </summary>
    public async Task<bool> TryRecordAsync(string caller, string nonce, CancellationToken ct)
    {
        var mark = Guid.NewGuid().ToString("N");
        try
        {
            await table.AddEntityAsync(new TableEntity(caller, nonce) { ["SeenAt"] = time.GetUtcNow(), [MarkColumn] = mark }, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(caller, nonce, [MarkColumn], ct);
            return row.HasValue && row.Value!.GetString(MarkColumn) == mark;
        }
    }

    private const string MarkColumn = "Mark";

    /// <summary>
    /// Deletes up to <paramref name="limit"/> nonces older than the window from the given callers' partitions; returns how
    /// many. Each query names its partition (no table scan); within a partition the age filter is applied by the
    /// service to the partition's rows, which purging keeps to about one window of traffic. Deletes go 100 to a
    /// transaction (one partition each).
    /// </summary>
    public async Task<int> PurgeAsync(IEnumerable<string> callers, TimeSpan window, int limit, CancellationToken ct)
    {
        var cutoff = time.GetUtcNow() - window;
        var deleted = 0;
        foreach (var caller in callers)
        {
            if (deleted >= limit) break;
            var old = table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {caller} and SeenAt lt {cutoff}"),
                maxPerPage: TransactionSize, select: ["PartitionKey", "RowKey"], cancellationToken: ct);
            var batch = new List<TableTransactionAction>(TransactionSize);
            await foreach (var row in old)
            {
                batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
                if (deleted + batch.Count >= limit || batch.Count == TransactionSize)
                {
                    deleted += await DeleteAsync(batch, ct);
                    batch.Clear();
                    if (deleted >= limit) break;
                }
            }

            if (batch.Count > 0) deleted += await DeleteAsync(batch, ct);
        }

        return deleted;
    }

    private const int TransactionSize = 100;

    private async Task<int> DeleteAsync(List<TableTransactionAction> batch, CancellationToken ct)
    {
        try
        {
            await table.SubmitTransactionAsync(batch, ct);
        }
        catch (TableTransactionFailedException)
        {
            // Another instance's purge took a row first: one by one, where a row already gone is no failure.
            foreach (var action in batch) await table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, ct);
        }

        return batch.Count;
    }
}
