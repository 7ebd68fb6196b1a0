using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Tongban.Crypto;
using Tongban.Storage;

namespace Tongban.Audit;

/// <summary>A case's chain head as stored: how far the chain runs, and the last point the hub signed.</summary>
public sealed record AuditHead(
    string CaseId, long Seq, string Hash, bool Open, DateTimeOffset? EndedAt, long SignedSeq, string? SignedHash, DateTimeOffset? SignedAt,
    string? Signature, string? KeyId, bool HistoryPurged, ETag ETag);

/// <summary>
/// A case's trail as read: its entries in row order, the place each row's key names (which the verifier compares with the
/// sequence the entry's hash covers), and its head (null: nothing recorded).
/// </summary>
public sealed record AuditTrailRead(string CaseId, IReadOnlyList<AuditEntry> Entries, IReadOnlyList<long> Places, AuditHead? Head);

/// <summary>
/// The tamper-evident audit trail, table <c>TongbanAudit</c>: one partition per case; rows <c>{seq:D10}</c> (the entries),
/// <c>head</c> (where the chain stands, and its last signature) and <c>i-{SM3 of the entry's identity}</c> (which causes
/// were recorded). An append reads the head and commits head, entry and identity in one transaction, conditional on the
/// head's ETag: a racing append retries on the new head, and a cause recorded before (a replayed activity, a redelivered
/// message) fails the transaction on its identity row and appends nothing. The head this process last wrote is kept as a
/// hint (<see cref="HeadMemory"/> cases): the next append or signature tries its write on it without reading the head, and
/// a write by anyone else since (another hub, a purge mark) makes that write fail on the ETag and the head be read.
/// </summary>
public sealed class AuditTrail(TableServiceClient tables, AuditSigner signer, TimeProvider time)
{
    public const string HeadRow = "head";
    private const string IdentityPrefix = "i-";
    private readonly TableClient table = tables.GetTableClient(StorageNames.AuditTable);

    /// <summary>The heads this process last wrote, by case, with the identity of their last entry. Forgotten all at once when full.</summary>
    private readonly ConcurrentDictionary<string, (AuditHead Head, string? LastId)> written = new(StringComparer.Ordinal);

    /// <summary>How many cases' heads are kept as hints.</summary>
    public const int HeadMemory = 10_000;

    /// <summary>
    /// A case's head writes in this process take turns: two of its steps ending together would otherwise both try their
    /// transaction on the same head, and the loser would pay a refused transaction and a head read. Other hosts still race,
    /// and the head's ETag settles it.
    /// </summary>
    private readonly KeyedTurns turns = new();

    private Task<T> OneAtATimeAsync<T>(string caseId, Func<Task<T>> write, CancellationToken ct) => turns.RunAsync(caseId, write, ct);

    public static string EntryRowKey(long seq) => seq.ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>
    /// Appends <paramref name="fact"/> unless its identity was recorded already; <paramref name="ends"/> marks the case ended
    /// and signs the head it writes, in the same transaction (when the cause was recorded before, nothing is written, and
    /// signing the head is the caller's: <see cref="SignHeadAsync"/>); <paramref name="first"/> says the caller has just
    /// created the case, so its transaction is tried without reading the head (a head there after all makes it fail, and the
    /// head is read). Returns the entry appended, or null for a cause recorded before.
    /// </summary>
    public async Task<AuditEntry?> AppendAsync(string caseId, AuditFact fact, CancellationToken ct, bool ends = false, bool first = false) =>
        (await AppendAllAsync(caseId, [fact], ct, ends, first))[0];

    /// <summary>
    /// <see cref="AppendAsync"/> for facts that follow one another (a province's answer and the status it moved the case to):
    /// those whose identity was not recorded already, in order, in one transaction with the head; <paramref name="ends"/>
    /// is the last fact's. Returns each fact's entry, null for one recorded before.
    /// </summary>
    public Task<IReadOnlyList<AuditEntry?>> AppendAllAsync(string caseId, IReadOnlyList<AuditFact> facts, CancellationToken ct, bool ends = false, bool first = false) =>
        OneAtATimeAsync(caseId, () => AppendInTurnAsync(caseId, facts, ends, first, ct), ct);

    /// <summary>A transaction's actions: the head, then per fact its entry and its identity.</summary>
    private const int ActionsPerFact = 2;

    private async Task<IReadOnlyList<AuditEntry?>> AppendInTurnAsync(string caseId, IReadOnlyList<AuditFact> facts, bool ends, bool first, CancellationToken ct)
    {
        var last = facts.Count == 0 ? null : facts[^1];
        var pending = facts.ToList();
        IReadOnlyList<AuditEntry?> Appended(List<AuditEntry> entries) =>
            [.. facts.Select(f => pending.IndexOf(f) is var i and >= 0 && i < entries.Count ? entries[i] : null)];
        for (var attempt = 0; ; attempt++)
        {
            var hinted = TryHint(caseId, attempt, out var hint);
            var head = hinted ? hint : first && attempt == 0 ? null : await GetHeadAsync(caseId, ct);
            // The latest cause again: at most one read, no transaction.
            pending.RemoveAll(f => f.Id == head?.LastId);
            if (pending.Count == 0) return Appended([]);
            var seq = head?.Head.Seq ?? 0;
            var prev = head?.Head.Hash ?? AuditChain.Genesis(caseId);
            var at = time.GetUtcNow();
            var entries = new List<AuditEntry>();
            foreach (var fact in pending)
            {
                seq++;
                var hash = AuditChain.HashOf(seq, at, fact.Action, fact.Step, fact.Province, fact.Outcome, fact.Actor, fact.Detail, fact.AnswerHash, prev);
                entries.Add(new AuditEntry(seq, at, fact.Action, fact.Step, fact.Province, fact.Outcome, fact.Actor, fact.Detail, fact.AnswerHash, prev, hash));
                prev = hash;
            }

            var headRow = new TableEntity(caseId, HeadRow) { ["Seq"] = seq, ["Hash"] = prev, ["LastId"] = pending[^1].Id };
            // Only the last fact ends the case: left out as recorded before, it ends nothing here.
            var endsHere = ends && ReferenceEquals(pending[^1], last);
            var ending = endsHere && head?.Head.Open != false;
            if (ending)
            {
                headRow["Open"] = false;
                headRow["EndedAt"] = at;
            }
            else if (head is null)
            {
                headRow["Open"] = true;
            }

            // The entry that ends the case is signed in its own transaction: no second write of the head to sign it.
            var signature = endsHere && signer.CanSign ? signer.Sign(AuditChain.HeadText(caseId, seq, prev, at, signer.KeyId)) : null;
            if (signature is not null)
            {
                headRow["SignedSeq"] = seq;
                headRow["SignedHash"] = prev;
                headRow["SignedAt"] = at;
                headRow["Signature"] = signature;
                headRow["KeyId"] = signer.KeyId;
            }

            var batch = new List<TableTransactionAction>
            {
                head is null
                    ? new(TableTransactionActionType.Add, headRow)
                    : new(TableTransactionActionType.UpdateMerge, headRow, head.Value.Head.ETag),
            };
            for (var i = 0; i < pending.Count; i++)
            {
                batch.Add(new(TableTransactionActionType.Add, ToEntity(caseId, entries[i])));
                batch.Add(new(TableTransactionActionType.Add, new TableEntity(caseId, IdentityRowKey(pending[i].Id)) { ["Seq"] = entries[i].Seq }));
            }

            try
            {
                var responses = await table.SubmitTransactionAsync(batch, ct);
                var etag = responses.Value[0].Headers.ETag ?? ETag.All;
                var known = head?.Head ?? new AuditHead(caseId, 0, "", Open: true, null, 0, null, null, null, null, false, etag);
                var now = known with { Seq = seq, Hash = prev, Open = !ending && known.Open, EndedAt = ending ? at : known.EndedAt, ETag = etag };
                Remember(caseId, signature is null ? now : now with
                {
                    SignedSeq = seq, SignedHash = prev, SignedAt = at, Signature = signature, KeyId = signer.KeyId,
                }, pending[^1].Id);
                return Appended(entries);
            }
            catch (TableTransactionFailedException e) when (e.FailedTransactionActionIndex is { } index && index > 0 && index % ActionsPerFact == 0
                && e.Status == 409 && attempt < 50)
            {
                // That fact's identity is there: it was recorded before. The others are tried again without it.
                pending.RemoveAt(index / ActionsPerFact - 1);
                if (pending.Count == 0) return Appended([]);
            }
            catch (TableTransactionFailedException e) when (e.FailedTransactionActionIndex is 0 or null && e.Status is 409 or 412 && attempt < 50)
            {
                // Another append moved the head first: take the new one.
            }
            catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode == "TableNotFound" && attempt == 0)
            {
                written.TryRemove(caseId, out _);
                await table.CreateIfNotExistsAsync(ct);
            }
            catch (RequestFailedException) when (hinted)
            {
                // The hint no longer holds (say, the head is gone): read the head.
                written.TryRemove(caseId, out _);
            }
        }
    }

    /// <summary>Reads the case's whole trail: one partition query.</summary>
    public async Task<AuditTrailRead> ReadAsync(string caseId, CancellationToken ct)
    {
        var rows = new List<TableEntity>();
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {caseId}"), cancellationToken: ct))
                rows.Add(row);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // no table yet: nothing recorded
        }

        return Read(caseId, rows);
    }

    /// <summary>Every case's trail, one partition after another (the table's order): the verifier's pass over everything.</summary>
    public async IAsyncEnumerable<AuditTrailRead> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var rows = new List<TableEntity>();
        string? partition = null;
        await foreach (var row in table.QueryAsync<TableEntity>(cancellationToken: ct))
        {
            if (partition is not null && row.PartitionKey != partition)
            {
                yield return Read(partition, rows);
                rows = [];
            }

            partition = row.PartitionKey;
            rows.Add(row);
        }

        if (partition is not null) yield return Read(partition, rows);
    }

    /// <summary>
    /// Signs where the case's chain stands now (SM2 over <see cref="AuditChain.HeadText"/>). Conditional on the head's ETag:
    /// an append meanwhile makes it sign again over the newer head. False when there is nothing to sign or no key.
    /// </summary>
    public Task<bool> SignHeadAsync(string caseId, CancellationToken ct) =>
        signer.CanSign ? OneAtATimeAsync(caseId, () => SignHeadInTurnAsync(caseId, ct), ct) : Task.FromResult(false);

    private async Task<bool> SignHeadInTurnAsync(string caseId, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var hinted = TryHint(caseId, attempt, out var hint);
            var known = hinted ? hint : await GetHeadAsync(caseId, ct);
            var head = known?.Head;
            if (head is null) return false;
            var at = time.GetUtcNow();
            var signature = signer.Sign(AuditChain.HeadText(caseId, head.Seq, head.Hash, at, signer.KeyId));
            var signed = new TableEntity(caseId, HeadRow)
            {
                ["SignedSeq"] = head.Seq, ["SignedHash"] = head.Hash, ["SignedAt"] = at, ["Signature"] = signature, ["KeyId"] = signer.KeyId,
            };
            try
            {
                var response = await table.UpdateEntityAsync(signed, head.ETag, TableUpdateMode.Merge, ct);
                Remember(caseId, head with
                {
                    SignedSeq = head.Seq, SignedHash = head.Hash, SignedAt = at, Signature = signature, KeyId = signer.KeyId,
                    ETag = response.Headers.ETag ?? ETag.All,
                }, known!.Value.LastId);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == 412 || hinted)
            {
                // appended meanwhile (or the hint no longer holds): sign the head as it is now
                written.TryRemove(caseId, out _);
            }
        }

        return false;
    }

    /// <summary>
    /// Signs the heads of open cases last signed before <paramref name="signedBefore"/> (or never), at most
    /// <paramref name="max"/>; and of ended cases whose last signature stops short of their end. One filtered scan of heads.
    /// </summary>
    public async Task<int> SignDueHeadsAsync(DateTimeOffset signedBefore, int max, CancellationToken ct)
    {
        if (!signer.CanSign) return 0;
        var filter = TableClient.CreateQueryFilter($"RowKey eq {HeadRow}");
        var signedCount = 0;
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "Open", "Seq", "SignedSeq", "SignedAt"], cancellationToken: ct))
            {
                var open = row.GetBoolean("Open") ?? true;
                var signedAt = row.GetDateTimeOffset("SignedAt");
                var due = open ? signedAt is null || signedAt < signedBefore : (row.GetInt64("SignedSeq") ?? 0) < (row.GetInt64("Seq") ?? 0);
                if (!due) continue;
                if (await SignHeadAsync(row.PartitionKey, ct)) signedCount++;
                if (signedCount >= max) break;
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return 0;
        }

        return signedCount;
    }

    /// <summary>Ended cases whose orchestration history is not yet purged and ended before <paramref name="endedBefore"/>.</summary>
    public async Task<IReadOnlyList<string>> EndedBeforeAsync(DateTimeOffset endedBefore, int max, CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"RowKey eq {HeadRow} and Open eq {false} and EndedAt lt {endedBefore}");
        var found = new List<string>();
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "HistoryPurged"], cancellationToken: ct))
            {
                if (row.GetBoolean("HistoryPurged") == true) continue;
                found.Add(row.PartitionKey);
                if (found.Count >= max) break;
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // no table yet
        }

        return found;
    }

    /// <summary>Marks the case's orchestration history purged (the trail and the case row stay).</summary>
    public Task MarkHistoryPurgedAsync(string caseId, CancellationToken ct) =>
        table.UpdateEntityAsync(new TableEntity(caseId, HeadRow) { ["HistoryPurged"] = true }, ETag.All, TableUpdateMode.Merge, ct);

    /// <summary>The head this process last wrote, on a first attempt only: a retry reads the head.</summary>
    private bool TryHint(string caseId, int attempt, out (AuditHead Head, string? LastId) hint)
    {
        hint = default;
        return attempt == 0 && written.TryGetValue(caseId, out hint);
    }

    private void Remember(string caseId, AuditHead head, string? lastId)
    {
        if (written.Count >= HeadMemory) written.Clear();
        written[caseId] = (head, lastId);
    }

    private async Task<(AuditHead Head, string? LastId)?> GetHeadAsync(string caseId, CancellationToken ct)
    {
        try
        {
            var response = await table.GetEntityIfExistsAsync<TableEntity>(caseId, HeadRow, cancellationToken: ct);
            return response.HasValue ? (ToHead(response.Value!), response.Value!.GetString("LastId")) : null;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            await table.CreateIfNotExistsAsync(ct);
            return null;
        }
    }

    private static AuditTrailRead Read(string caseId, List<TableEntity> rows)
    {
        AuditHead? head = null;
        var entries = new List<AuditEntry>();
        var places = new List<long>();
        foreach (var row in rows)
        {
            if (row.RowKey == HeadRow) head = ToHead(row);
            else if (!row.RowKey.StartsWith(IdentityPrefix, StringComparison.Ordinal))
            {
                entries.Add(FromEntity(row));
                places.Add(SeqOfRowKey(row.RowKey));
            }
        }

        return new AuditTrailRead(caseId, entries, places, head);
    }

    /// <summary>The identity's row key: SM3 of it (identities hold characters row keys refuse).</summary>
    private static string IdentityRowKey(string id) => IdentityPrefix + Sm3.HashHex(id).ToLowerInvariant()[..40];

    /// <summary>An entry's row.</summary>
    public static TableEntity ToEntity(string caseId, AuditEntry e) => new(caseId, EntryRowKey(e.Seq))
    {
        ["Seq"] = e.Seq, ["At"] = e.At, ["Action"] = e.Action, ["Step"] = e.Step, ["Province"] = e.Province, ["Outcome"] = e.Outcome,
        ["Actor"] = e.Actor, ["Detail"] = e.Detail, ["AnswerHash"] = e.AnswerHash, ["PrevHash"] = e.PrevHash, ["Hash"] = e.Hash,
    };

    /// <summary>An entry as its row holds it. A row edited into nonsense still reads (its hash then fails); the row key gives the place.</summary>
    private static AuditEntry FromEntity(TableEntity row) => new(
        row.GetInt64("Seq") ?? -1, row.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue, row.GetString("Action") ?? "", row.GetString("Step"),
        row.GetString("Province"), row.GetString("Outcome"), row.GetString("Actor"), row.GetString("Detail"), row.GetString("AnswerHash"),
        row.GetString("PrevHash") ?? "", row.GetString("Hash") ?? "");

    private static AuditHead ToHead(TableEntity row) => new(
        row.PartitionKey, row.GetInt64("Seq") ?? 0, row.GetString("Hash") ?? "", row.GetBoolean("Open") ?? true, row.GetDateTimeOffset("EndedAt"),
        row.GetInt64("SignedSeq") ?? 0, row.GetString("SignedHash"), row.GetDateTimeOffset("SignedAt"), row.GetString("Signature"),
        row.GetString("KeyId"), row.GetBoolean("HistoryPurged") ?? false, row.ETag);

    /// <summary>The seq a row key names (-1 for anything else).</summary>
    public static long SeqOfRowKey(string rowKey) => long.TryParse(rowKey, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq : -1;
}
