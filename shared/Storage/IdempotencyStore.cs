using Azure;
using Azure.Data.Tables;

namespace Tongban.Storage;

public enum IdempotencyState { Pending, Created }

/// <summary>What an Idempotency-Key already stands for.</summary>
public sealed record IdempotencyRecord(string CaseId, string BodyHash, IdempotencyState State, DateTimeOffset CreatedAt, ETag ETag);

/// <summary>
/// Idempotency keys, scoped to the caller: partition = partner code, row = keyed hash of the key (keys
/// may hold characters a row key cannot). The row is claimed before anything else is written and
/// names the case ID, so a retry after a crash completes the same case instead of making another.
/// </summary>
public sealed class IdempotencyStore(TableServiceClient tables, PiiProtector keys, TimeProvider time)
{
    private readonly TableClient table = tables.GetTableClient(StorageNames.IdempotencyTable);

    /// <summary>Claims the key for a new case; returns null when claimed, or what the key already holds.</summary>
    public async Task<IdempotencyRecord?> TryClaimAsync(string partner, string key, string bodyHash, string caseId, CancellationToken ct)
    {
        var entity = new TableEntity(partner, RowKey(key))
        {
            ["CaseId"] = caseId,
            ["BodyHash"] = bodyHash,
            ["State"] = nameof(IdempotencyState.Pending),
            ["ClaimedAt"] = time.GetUtcNow(),
        };
        try
        {
            await table.AddEntityAsync(entity, ct);
            return null;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await table.GetEntityAsync<TableEntity>(partner, RowKey(key), cancellationToken: ct);
            var row = existing.Value;
            return new IdempotencyRecord(
                row.GetString("CaseId"), row.GetString("BodyHash"),
                Enum.Parse<IdempotencyState>(row.GetString("State")),
                row.GetDateTimeOffset("ClaimedAt") ?? DateTimeOffset.MinValue, row.ETag);
        }
    }

    public async Task MarkCreatedAsync(string partner, string key, CancellationToken ct)
    {
        var entity = new TableEntity(partner, RowKey(key)) { ["State"] = nameof(IdempotencyState.Created) };
        await table.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, ct);
    }

    /// <summary>Takes over a stale pending claim (its request died mid-way); false when someone else did first.</summary>
    public async Task<bool> TryTakeOverAsync(string partner, string key, IdempotencyRecord stale, CancellationToken ct)
    {
        var entity = new TableEntity(partner, RowKey(key)) { ["ClaimedAt"] = time.GetUtcNow() };
        try
        {
            await table.UpdateEntityAsync(entity, stale.ETag, TableUpdateMode.Merge, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }

    private string RowKey(string key) => keys.KeyedHash("idempotency", key);
}
