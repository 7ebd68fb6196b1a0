using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Tongban.Callbacks;
using Tongban.Cases;

namespace Tongban.Storage;

/// <summary>A case as stored: the read model and the encrypted command it was opened with.</summary>
public sealed record StoredCase(CaseRecord Record, OpenCaseCommand Command, ETag ETag)
{
    /// <summary>The case's UpdatedAt its index rows carry (they are rewritten only when they would say something else, see <see cref="CaseStore.IndexSlack"/>).</summary>
    public DateTimeOffset? IndexedAt { get; init; }

    /// <summary>The command as stored, sealed: what the store keeps of a row it wrote, so that no command is held in clear.</summary>
    internal string? SealedDetails { get; init; }

    /// <summary>
    /// The row as this process last wrote it (<see cref="CaseStore.LastWritten"/>), not as read now: another host may have written
    /// since. An update that decides on it to change nothing decides again on the row as stored.
    /// </summary>
    internal bool Remembered { get; init; }
}

/// <summary>A page of a province's cases, newest first.</summary>
public sealed record CasePage(IReadOnlyList<CaseRecord> Items, string? ContinuationToken);

/// <summary>
/// The cases table (one row per case, partition = case ID, so every read is a point read and no
/// partition runs hot) and the per-province index (partition = province, rows newest first) that
/// serves the list endpoint with partition queries only.
/// </summary>
public sealed class CaseStore(TableServiceClient tables, CaseDetailsCipher details, TimeProvider time, Cases.Deadlines.WorkingCalendar? calendar = null,
    Telemetry.TongbanMetrics? metrics = null)
{
    private const string CaseRow = "case";

    /// <summary>
    /// How far an index row's UpdatedAt may trail its case row's: a write that neither opens nor ends the case rewrites the
    /// index only once this much has passed since it was last written, and the list's updatedSince bound is widened by as
    /// much (the case row then decides), so step progress costs no index writes and the list answers as before. The index's
    /// status is exact for a case that has ended; for an open case it is one of the open statuses, not always the current
    /// one (Received → InProgress → AwaitingReview rewrites nothing), so a filter on an open status asks the index for the
    /// open cases and the case rows decide (<see cref="IndexStatusFilter"/>).
    /// </summary>
    public static readonly TimeSpan IndexSlack = TimeSpan.FromMinutes(1);
    private readonly TableClient cases = tables.GetTableClient(StorageNames.CasesTable);
    private readonly TableClient index = tables.GetTableClient(StorageNames.CaseIndexTable);
    private readonly AttentionIndex attention = new(tables);

    /// <summary>
    /// The row this process last wrote per case, as stored (details sealed) with its ETag: a hint an update starts from
    /// instead of reading the row. A write by anyone else since (another host, a re-encryption) changes the ETag, so the
    /// write is refused (412) and the row read, as on any race. Forgotten all at once when full.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TableEntity> written = new(StringComparer.Ordinal);

    private const int WrittenMemory = 10_000;

    private readonly KeyedTurns turns = new();

    /// <summary>Creates the case row and its index rows; an existing row (a retried request) is left as it is.</summary>
    public async Task<StoredCase> CreateAsync(CaseRecord record, OpenCaseCommand command, CancellationToken ct)
    {
        record.NewbornBirthDate ??= command.Newborn?.Child.BirthDate;
        var entity = ToEntity(record, command);
        try
        {
            var response = await cases.AddEntityAsync(entity, ct);
            metrics?.CaseOpened(record.CaseType, record.HandlingProvince);
            await WriteIndexAsync(record, ct);
            Remember(entity, response.Headers.ETag ?? ETag.All);
            return new StoredCase(record, command, response.Headers.ETag ?? ETag.All) { IndexedAt = record.UpdatedAt, SealedDetails = entity.GetString("Details") };
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await GetAsync(record.CaseId, ct) ?? throw new InvalidOperationException("Case vanished after a conflict.");
            await WriteIndexAsync(existing.Record, ct);
            return existing;
        }
    }

    /// <summary>
    /// The row as this process last wrote it (see the write hint above), without a read; null when it has not written it
    /// (or forgot). Another host may have written since: for a caller to whom a stale row costs nothing but a refused write.
    /// </summary>
    public StoredCase? LastWritten(string caseId) => written.TryGetValue(caseId, out var last) ? Remembered(last) : null;

    private StoredCase Remembered(TableEntity last) => FromEntity(last) with { Remembered = true };

    public async Task<StoredCase?> GetAsync(string caseId, CancellationToken ct)
    {
        var response = await cases.GetEntityIfExistsAsync<TableEntity>(caseId, CaseRow, cancellationToken: ct);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>
    /// Read, change, write with the row's ETag; on a concurrent change, read again and re-apply.
    /// The mutation returns false to leave the row as it is (decided on the row as this process last wrote it, it is decided again on
    /// the row read: see <see cref="StoredCase.Remembered"/>). Returns the case as last seen.
    /// </summary>
    public Task<StoredCase> UpdateAsync(string caseId, Func<CaseRecord, bool> mutate, CancellationToken ct) => UpdateAsync(caseId, null, mutate, ct);

    /// <summary>
    /// As <see cref="UpdateAsync(string, Func{CaseRecord, bool}, CancellationToken)"/>, first trying the write on <paramref name="read"/>
    /// when given (the row as the caller has just read it, with its ETag; its record is changed in place) instead of reading the row
    /// again: a stale read costs one refused write (412), then the usual read, change, write. Without it, or when this process has
    /// written the row since (parallel steps finishing together on one host), the first try starts from the row as last written here.
    /// A case's updates in this process take turns (<see cref="KeyedTurns"/>), so that of its parallel steps ending together each
    /// writes on the row the one before it wrote, instead of all but one being refused and reading the row again.
    /// </summary>
    public Task<StoredCase> UpdateAsync(string caseId, StoredCase? read, Func<CaseRecord, bool> mutate, CancellationToken ct) =>
        turns.RunAsync(caseId, () => UpdateInTurnAsync(caseId, read, mutate, ct), ct);

    private async Task<StoredCase> UpdateInTurnAsync(string caseId, StoredCase? read, Func<CaseRecord, bool> mutate, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var hint = attempt == 0 && written.TryGetValue(caseId, out var last) && last.ETag != read?.ETag ? Remembered(last) : null;
            var current = hint ?? (attempt == 0 ? read : null) ?? await GetAsync(caseId, ct) ?? throw new CaseNotFoundException(caseId);
            var statusBefore = current.Record.Status;
            var attentionBefore = AttentionIndex.Of(current.Record, current.Record.UpdatedAt);
            // Nothing to change, decided on the row as this process last wrote it: another host may have written since (moved the
            // case to review, say), and a write refused for a stale ETag would never tell. Decided again on the row as stored.
            if (!mutate(current.Record))
            {
                if (current.Remembered) continue;
                return current;
            }

            current.Record.UpdatedAt = time.GetUtcNow();
            if (current.Record.Status != statusBefore) current.Record.StatusChanges++;
            // A deadline found missed is marked in this very write, so of racing writers only the one that wins counts it.
            var missed = NewlyMissed(current.Record);
            // The index carries status and UpdatedAt: rewritten when the case ends (or its end is undone, or it ends otherwise: a
            // held failure rejected), or when its UpdatedAt would trail by IndexSlack. A move between open statuses leaves it.
            var reindex = (current.Record.Status != statusBefore && (current.Record.Status.IsFinal() || statusBefore.IsFinal()))
                || current.IndexedAt is not { } indexed || current.Record.UpdatedAt - indexed >= IndexSlack;
            var indexedAt = reindex ? current.Record.UpdatedAt : current.IndexedAt;
            try
            {
                ETag etag;
                TableEntity row;
                if (current.Record.CallbackUrl is not null && current.Record.Status != statusBefore)
                {
                    // A status change the partner asked to hear about: the outbox row commits with the case row, in one transaction.
                    current.Record.CallbackSequence++;
                    row = RowColumns(current.Record, indexedAt);
                    var batch = new List<TableTransactionAction>
                    {
                        new(TableTransactionActionType.UpdateMerge, row, current.ETag),
                        new(TableTransactionActionType.Add, new TableEntity(caseId, PartnerCallbackOutbox.RowKey(current.Record.CallbackSequence))
                        {
                            // The partner's view, as GET answers it: no operator's identity leaves the hub in a callback.
                            ["Snapshot"] = TongbanJson.Serialize(PartnerCaseView.Of(current.Record,
                                Cases.Deadlines.CaseDeadlines.Of(current.Record, current.Record.UpdatedAt, calendar ?? Cases.Deadlines.WorkingCalendar.Official),
                                Cases.Deadlines.HubShare.Of(current.Record, current.Record.UpdatedAt))),
                            ["Partner"] = current.Record.OpenedBy,
                        }),
                    };
                    var responses = await cases.SubmitTransactionAsync(batch, ct);
                    etag = responses.Value[0].Headers.ETag ?? ETag.All;
                }
                else
                {
                    row = RowColumns(current.Record, indexedAt);
                    etag = (await cases.UpdateEntityAsync(row, current.ETag, TableUpdateMode.Merge, ct)).Headers.ETag ?? ETag.All;
                }

                if (current.SealedDetails is { } sealedDetails)
                {
                    row["Details"] = sealedDetails;
                    Remember(row, etag);
                }
                else
                {
                    written.TryRemove(caseId, out _); // a case not read through this store: the next update reads it
                }
                Measure(current.Record, statusBefore, missed);
                if (reindex) await WriteIndexAsync(current.Record, ct);
                await attention.SyncAsync(attentionBefore, AttentionIndex.Of(current.Record, current.Record.UpdatedAt), ct);
                return current with { ETag = etag, IndexedAt = reindex ? current.Record.UpdatedAt : current.IndexedAt, Remembered = false };
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < 50)
            {
                // Another writer won the race (two parallel steps finishing at once): read again.
                written.TryRemove(caseId, out _);
            }
            catch (RequestFailedException e) when (e.Status == 404 && attempt == 0)
            {
                // The row this process last wrote, or the caller read (or took from it), is gone: the read says so.
                written.TryRemove(caseId, out _);
            }
        }
    }

    /// <summary>The cases a province handles or is involved in, newest first, filtered in the index partition.</summary>
    public async Task<CasePage> ListAsync(string province, CaseStatus? status, string? caseType, DateTimeOffset? updatedSince,
        int pageSize, string? continuation, CancellationToken ct)
    {
        var filters = new List<string> { TableClient.CreateQueryFilter($"PartitionKey eq {province}") };
        if (status is not null) filters.Add(IndexStatusFilter(status.Value));
        if (caseType is not null) filters.Add(TableClient.CreateQueryFilter($"CaseType eq {caseType}"));
        // An index row's UpdatedAt may trail its case's by up to IndexSlack; the case row below decides.
        if (updatedSince is not null) filters.Add(TableClient.CreateQueryFilter($"UpdatedAt ge {updatedSince.Value - IndexSlack}"));
        var query = index.QueryAsync<TableEntity>(string.Join(" and ", filters), pageSize, ["CaseId"], ct);
        await foreach (var page in query.AsPages(continuation, pageSize))
        {
            var found = await ReadManyAsync(page.Values.Select(e => e.GetString("CaseId")).ToList(), ct);
            return new CasePage(Matching(found, status, caseType, updatedSince), page.ContinuationToken);
        }

        return new CasePage([], null);
    }

    /// <summary>
    /// The operators' listing: cases in any of <paramref name="provinces"/>' index partitions, newest first, created within
    /// [<paramref name="createdFrom"/>, <paramref name="createdTo"/>], after the index row key <paramref name="after"/> (keyset
    /// paging: a case's row key is the same in every partition it is in, so one key continues every partition at once). One range
    /// query per partition, no scan; the case rows decide status and type, as in <see cref="ListAsync"/>. Returns the page and the
    /// row key to continue after, or null at the end.
    /// </summary>
    public async Task<(IReadOnlyList<CaseRecord> Items, string? After)> ListNewestAsync(IReadOnlyCollection<string> provinces, CaseStatus? status,
        string? caseType, DateTimeOffset? createdFrom, DateTimeOffset? createdTo, string? after, int pageSize, CancellationToken ct)
    {
        var bounds = new List<string>();
        if (status is not null) bounds.Add(IndexStatusFilter(status.Value));
        if (caseType is not null) bounds.Add(TableClient.CreateQueryFilter($"CaseType eq {caseType}"));
        // Newer is smaller: created <= to is RowKey >= its inverted ticks; created >= from is RowKey below the next character after '_'.
        if (createdTo is not null) bounds.Add(TableClient.CreateQueryFilter($"RowKey ge {InvertedTicks(createdTo.Value)}"));
        if (createdFrom is not null) bounds.Add(TableClient.CreateQueryFilter($"RowKey lt {InvertedTicks(createdFrom.Value) + "`"}"));
        if (after is not null) bounds.Add(TableClient.CreateQueryFilter($"RowKey gt {after}"));
        var perProvince = await Task.WhenAll(provinces.Select(async province =>
        {
            var filter = string.Join(" and ", bounds.Prepend(TableClient.CreateQueryFilter($"PartitionKey eq {province}")));
            var rows = new List<(string RowKey, string CaseId)>();
            var more = false;
            await foreach (var row in index.QueryAsync<TableEntity>(filter, pageSize, ["RowKey", "CaseId"], ct))
            {
                if (rows.Count == pageSize)
                {
                    more = true;
                    break;
                }

                rows.Add((row.RowKey, row.GetString("CaseId")));
            }

            return (Rows: rows, More: more);
        }));
        var merged = perProvince.SelectMany(p => p.Rows).DistinctBy(r => r.RowKey).OrderBy(r => r.RowKey, StringComparer.Ordinal).ToList();
        var page = merged.Take(pageSize).ToList();
        var next = merged.Count > pageSize || perProvince.Any(p => p.More) ? page[^1].RowKey : null;
        var found = await ReadManyAsync(page.Select(r => r.CaseId).ToList(), ct);
        return (Matching(found, status, caseType, updatedSince: null), next);
    }

    /// <summary>
    /// The index rows that may be a case of <paramref name="status"/>: an ended case's index says its status, an open case's
    /// says only that it is open (see <see cref="IndexSlack"/>), so an open status asks for every open status.
    /// </summary>
    private static string IndexStatusFilter(CaseStatus status) =>
        status.IsFinal() ? TableClient.CreateQueryFilter($"Status eq {status.ToString()}") : OpenStatusFilter;

    private static readonly string OpenStatusFilter =
        "(" + string.Join(" or ", Enum.GetValues<CaseStatus>().Where(s => !s.IsFinal()).Select(s => TableClient.CreateQueryFilter($"Status eq {s.ToString()}"))) + ")";

    /// <summary>The records of the rows read that match: the index can trail a case row by one racing write, so the row decides.</summary>
    private static List<CaseRecord> Matching(IEnumerable<StoredCase> found, CaseStatus? status, string? caseType, DateTimeOffset? updatedSince) =>
        found.Select(c => c.Record)
            .Where(r => (status is null || r.Status == status) && (caseType is null || r.CaseType == caseType)
                && (updatedSince is null || r.UpdatedAt >= updatedSince))
            .ToList();

    /// <summary>
    /// The case rows of <paramref name="caseIds"/> that exist, in the order given. Case IDs are version 7 GUIDs, so the cases
    /// of a list page (created close together) lie in one range of the cases table's partition keys. The page's IDs, in
    /// order, are cut into runs of <see cref="RangeReadRun"/>, and each run's range is read with one query, all at once; the
    /// cases of other provinces created in between are dropped. A point read each made a page of 200 cost 201 requests,
    /// each queued behind the engine's on a busy account; now it is the index query and eight range reads, side by side.
    /// A range query stops once it has returned <see cref="RangeReadSpread"/> rows per case asked for (a province with few
    /// cases among many others'), or after a bounded number of answers, and the cases it has not reached are read one by
    /// one, as are pages of fewer than <see cref="RangeReadMinimum"/>.
    /// </summary>
    internal async Task<IReadOnlyList<StoredCase>> ReadManyAsync(IReadOnlyList<string> caseIds, CancellationToken ct)
    {
        var found = new System.Collections.Concurrent.ConcurrentDictionary<string, StoredCase>(StringComparer.Ordinal);
        if (caseIds.Count >= RangeReadMinimum)
        {
            var runs = caseIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Chunk(RangeReadRun);
            await Task.WhenAll(runs.Select(run => ReadRangeAsync(run, found, ct)));
        }

        var rest = await Task.WhenAll(caseIds.Where(id => !found.ContainsKey(id)).Select(id => GetAsync(id, ct)));
        foreach (var stored in rest) if (stored is not null) found[stored.Record.CaseId] = stored;
        return [.. caseIds.Where(found.ContainsKey).Select(id => found[id])];
    }

    /// <summary>Reads the rows of <paramref name="run"/> (IDs in order) from the range they span, within its budget.</summary>
    private async Task ReadRangeAsync(string[] run, System.Collections.Concurrent.ConcurrentDictionary<string, StoredCase> found, CancellationToken ct)
    {
        var wanted = run.ToHashSet(StringComparer.Ordinal);
        var budget = run.Length * RangeReadSpread;
        // The service may answer with fewer rows than asked, even none (a partition server's boundary, its time limit while it
        // passes over the other rows of the case partitions): answers are bounded too.
        var answers = budget / RangeReadPage + 2;
        var left = wanted.Count;
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {run[0]} and PartitionKey le {run[^1]} and RowKey eq {CaseRow}");
        await foreach (var page in cases.QueryAsync<TableEntity>(filter, Math.Min(budget, RangeReadPage), cancellationToken: ct).AsPages())
        {
            foreach (var row in page.Values.Where(r => wanted.Contains(r.PartitionKey)))
            {
                found[row.PartitionKey] = FromEntity(row);
                left--;
            }

            budget -= page.Values.Count;
            if (budget <= 0 || --answers == 0 || left == 0) break;
        }
    }

    /// <summary>Pages of fewer cases than this are read a row at a time: a range query would cost as much.</summary>
    public const int RangeReadMinimum = 3;

    /// <summary>Cases per range read: a page of 200 is read as eight ranges at once.</summary>
    public const int RangeReadRun = 25;

    /// <summary>How many rows per case asked for a range read may return before the rest are read one by one.</summary>
    public const int RangeReadSpread = 4;

    /// <summary>
    /// Rows per answer of a range read: a case row is a few kilobytes and an answer is held whole while it is parsed. Measured
    /// through the 1,000-case overload (bench/README.md): with a page of 200 in one answer the hub's RSS while cases were
    /// opened stood 12–22 MB above the point reads'; with answers of 50 or 16 it stood where theirs did.
    /// </summary>
    public const int RangeReadPage = 50;

    /// <summary>
    /// Re-encrypts under the active key up to <paramref name="max"/> case rows whose details are under another key (after a
    /// rotation), reading at most <paramref name="maxPages"/> pages. Only the Details column is rewritten, with a merge
    /// conditional on the row's ETag: a case changed meanwhile (412) is left for the next run (updates merge without the
    /// details, so only this job moves them). Rows already under the active key are filtered out by the service, so a run when none is
    /// left reads one empty page. Untagged or unopenable details are counted, logged by the caller, and left as they are.
    /// </summary>
    public async Task<ReencryptionRun> ReencryptAsync(int max, int maxPages, CancellationToken ct)
    {
        // Tagged values sort by key ID: everything outside [v1.{active}., v1.{active}/) is under another key or untagged.
        var prefix = CaseDetailsCipher.PrefixOf(details.Ring.ActiveKeyId);
        var filter = TableClient.CreateQueryFilter(
            $"RowKey eq {CaseRow} and (Details lt {prefix} or Details ge {prefix[..^1] + "/"})");
        int rewritten = 0, conflicts = 0, unreadable = 0, pages = 0;
        var query = cases.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(max, 100), select: ["PartitionKey", "RowKey", "Details"], cancellationToken: ct);
        await foreach (var page in query.AsPages())
        {
            foreach (var row in page.Values)
            {
                if (rewritten >= max) return new ReencryptionRun(rewritten, conflicts, unreadable, More: true);
                string plain;
                try
                {
                    plain = details.Open(row.PartitionKey, row.GetString("Details"));
                }
                catch (System.Security.Cryptography.CryptographicException)
                {
                    unreadable++;
                    continue;
                }

                try
                {
                    await cases.UpdateEntityAsync(new TableEntity(row.PartitionKey, CaseRow) { ["Details"] = details.Seal(row.PartitionKey, plain) },
                        row.ETag, TableUpdateMode.Merge, ct);
                    rewritten++;
                }
                catch (RequestFailedException e) when (e.Status is 412 or 404)
                {
                    conflicts++; // changed (or gone) since read: the next run reads it again
                }
            }

            if (++pages >= maxPages && page.ContinuationToken is not null) return new ReencryptionRun(rewritten, conflicts, unreadable, More: true);
        }

        return new ReencryptionRun(rewritten, conflicts, unreadable, More: conflicts > 0);
    }

    private void Remember(TableEntity row, ETag etag)
    {
        if (written.Count >= WrittenMemory) written.Clear();
        row.ETag = etag;
        written[row.PartitionKey] = row;
    }

    /// <summary>The case's deadlines missed as of its write and not counted before: added to the record, to count once written.</summary>
    private List<Cases.Deadlines.CaseDeadline> NewlyMissed(CaseRecord record)
    {
        if (metrics is null) return [];
        var missed = Cases.Deadlines.CaseDeadlines.Of(record, record.UpdatedAt, calendar ?? Cases.Deadlines.WorkingCalendar.Official)
            .Where(d => d.State == Cases.Deadlines.DeadlineState.Missed && !record.DeadlinesMissed.Contains(d.Name))
            .ToList();
        record.DeadlinesMissed.AddRange(missed.Select(d => d.Name));
        return missed;
    }

    /// <summary>What a stored write means for the metrics: deadlines newly missed, and a case reaching a final status.</summary>
    private void Measure(CaseRecord record, CaseStatus statusBefore, IReadOnlyList<Cases.Deadlines.CaseDeadline> missed)
    {
        if (metrics is null) return;
        foreach (var deadline in missed)
        {
            metrics.DeadlineMissed(record.CaseType, record.Steps.Find(s => s.Name == deadline.Step)?.Province ?? record.HandlingProvince, deadline.Name);
        }

        if (record.Status != statusBefore && record.Status.IsFinal() && !statusBefore.IsFinal())
        {
            var (caseTime, hubTime) = Telemetry.CaseClock.Of(record, record.UpdatedAt);
            metrics.CaseEnded(record.CaseId, record.CaseType, record.HandlingProvince, record.Status.ToString(), caseTime, hubTime);
        }
    }

    private async Task WriteIndexAsync(CaseRecord record, CancellationToken ct)
    {
        var rowKey = IndexRowKey(record);
        await Task.WhenAll(record.InvolvedProvinces.Select(province => index.UpsertEntityAsync(new TableEntity(province, rowKey)
        {
            ["CaseId"] = record.CaseId,
            ["Status"] = record.Status.ToString(),
            ["CaseType"] = record.CaseType,
            ["UpdatedAt"] = record.UpdatedAt,
        }, TableUpdateMode.Replace, ct)));
    }

    // Inverted creation ticks: a partition scan returns the newest cases first.
    private static string IndexRowKey(CaseRecord record) => InvertedTicks(record.CreatedAt) + "_" + record.CaseId;

    private static string InvertedTicks(DateTimeOffset at) => (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    private TableEntity ToEntity(CaseRecord record, OpenCaseCommand command)
    {
        var entity = RowColumns(record, record.UpdatedAt);
        entity["Details"] = details.Seal(record.CaseId, TongbanJson.Serialize(command));
        return entity;
    }

    /// <summary>
    /// Every column but the sealed details, which an update merges without: the command never changes after creation, so
    /// it is not sealed and sent again on each write. (A column left null here is one no update clears.)
    /// </summary>
    private static TableEntity RowColumns(CaseRecord record, DateTimeOffset? indexedAt) => new(record.CaseId, CaseRow)
    {
        ["Record"] = TongbanJson.Serialize(record),
        ["IndexedAt"] = indexedAt,
        ["Status"] = record.Status.ToString(),
        ["CallbackUrl"] = record.CallbackUrl?.ToString(),
        ["WithdrawalRequested"] = record.WithdrawalRequested,
        ["IrreversibleStep"] = record.IrreversibleStep,
        ["CallbackSequence"] = record.CallbackSequence,
        ["StatusChanges"] = record.StatusChanges,
        ["Closed"] = record.Closed,
        ["DeadlinesMissed"] = string.Join(',', record.DeadlinesMissed),
        ["CompletingSteps"] = string.Join(',', record.CompletingSteps),
        ["QuietSteps"] = string.Join(',', record.QuietSteps),
        // Written empty, not left out, so a write that drops the move clears it.
        ["Move"] = record.Move is null ? "" : TongbanJson.Serialize(record.Move),
        // These two: set once, never cleared, left out until then.
        ["SentBy"] = record.SentBy,
        ["OnApproval"] = record.OnApproval,
    };

    private StoredCase FromEntity(TableEntity entity)
    {
        var record = TongbanJson.Deserialize<CaseRecord>(entity.GetString("Record"));
        var callback = entity.GetString("CallbackUrl");
        record.CallbackUrl = callback is null ? null : new Uri(callback);
        record.WithdrawalRequested = entity.GetBoolean("WithdrawalRequested") ?? false;
        record.IrreversibleStep = entity.GetString("IrreversibleStep");
        record.CallbackSequence = entity.GetInt32("CallbackSequence") ?? 0;
        record.StatusChanges = entity.GetInt32("StatusChanges") ?? 0;
        record.Closed = entity.GetBoolean("Closed") ?? false;
        record.DeadlinesMissed.AddRange((entity.GetString("DeadlinesMissed") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries));
        record.CompletingSteps.AddRange((entity.GetString("CompletingSteps") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries));
        record.QuietSteps.AddRange((entity.GetString("QuietSteps") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries));
        record.Move = entity.GetString("Move") is { Length: > 0 } move ? TongbanJson.Deserialize<CaseMove>(move) : null;
        record.SentBy = entity.GetString("SentBy");
        record.OnApproval = entity.GetString("OnApproval");
        var command = TongbanJson.Deserialize<OpenCaseCommand>(details.Open(entity.PartitionKey, entity.GetString("Details")));
        record.NewbornBirthDate = command.Newborn?.Child.BirthDate;
        return new StoredCase(record, command, entity.ETag) { IndexedAt = entity.GetDateTimeOffset("IndexedAt"), SealedDetails = entity.GetString("Details") };
    }
}

/// <summary>What one re-encryption run did: rows rewritten, rows changed meanwhile (retried next run), rows it cannot open.</summary>
public sealed record ReencryptionRun(int Rewritten, int Conflicts, int Unreadable, bool More);

public sealed class CaseNotFoundException(string caseId) : Exception($"Case {caseId} does not exist.")
{
    public string CaseId { get; } = caseId;
}
