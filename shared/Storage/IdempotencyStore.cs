using Azure;
using Azure.Data.Tables;

namespace Tongban.Storage;

/// <summary>
/// A claim's state as stored: <see cref="Pending"/> from its claim on (whether its case was made is told by the case and its
/// orchestration); <see cref="Created"/> only on claims an earlier version of the hub marked once it had made the case.
/// </summary>
public enum IdempotencyState { Pending, Created }

/// <summary>What an Idempotency-Key already stands for, and the row that holds the claim (its key hashed under one key of the ring).</summary>
public sealed record IdempotencyRecord(string CaseId, string BodyHash, IdempotencyState State, DateTimeOffset CreatedAt, ETag ETag, string RowKey = "");

/// <summary>
/// Idempotency keys, scoped to the caller: partition = partner code, row = keyed hash of the key (keys
/// may hold characters a row key cannot). The row is claimed before anything else is written and
/// names the case ID, so a retry after a crash completes the same case instead of making another, and a retry after the case
/// was made is answered with it (the claim is written once: the case and its orchestration tell that it was made).
/// A new claim is hashed under the active PII key; a claim made before a key rotation is still found under the older keys
/// of the ring (one point read per older key, only while the ring holds more than one key).
/// </summary>
public sealed class IdempotencyStore(TableServiceClient tables, PiiKeyRing keys, TimeProvider time)
{
    private readonly TableClient table = tables.GetTableClient(StorageNames.IdempotencyTable);

    /// <summary>Claims the key for a new case; returns null when claimed, or what the key already holds.</summary>
    public async Task<IdempotencyRecord?> TryClaimAsync(string partner, string key, string bodyHash, string caseId, CancellationToken ct)
    {
        foreach (var older in RowKeys(key).Skip(1))
        {
            var before = await table.GetEntityIfExistsAsync<TableEntity>(partner, older, cancellationToken: ct);
            if (before.HasValue) return From(before.Value!);
        }

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
            var existing = From((await table.GetEntityAsync<TableEntity>(partner, RowKey(key), cancellationToken: ct)).Value);
            // The claim names this call's own (new) case ID: the client library sent the insert again after its answer was lost.
            return existing.CaseId == caseId ? null : existing;
        }
    }

    /// <summary>Takes over a stale pending claim (its request died mid-way); false when someone else did first.</summary>
    public async Task<bool> TryTakeOverAsync(string partner, string key, IdempotencyRecord stale, CancellationToken ct)
    {
        var entity = new TableEntity(partner, stale.RowKey.Length > 0 ? stale.RowKey : RowKey(key)) { ["ClaimedAt"] = time.GetUtcNow() };
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

    private static IdempotencyRecord From(TableEntity row) => new(
        row.GetString("CaseId"), row.GetString("BodyHash"),
        Enum.Parse<IdempotencyState>(row.GetString("State")),
        row.GetDateTimeOffset("ClaimedAt") ?? DateTimeOffset.MinValue, row.ETag, row.RowKey);

    private string RowKey(string key) => keys.KeyedHash(PiiPurpose.Idempotency, key);

    /// <summary>The key's row under each key of the ring, the active key's first.</summary>
    private IEnumerable<string> RowKeys(string key) => keys.KeyedHashes(PiiPurpose.Idempotency, key);
}
