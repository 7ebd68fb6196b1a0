using Azure;
using Azure.Data.Tables;
using Tongban.Cases;

namespace Tongban.Storage;

/// <summary>A step an operator should look at: flagged, parked for its province, or held failed for a redrive.</summary>
public sealed record AttentionItem(
    string CaseId, string CaseType, CaseStatus CaseStatus, string Step, string Province, StepStatus Status,
    bool AwaitingRedrive, string? Detail, DateTimeOffset Since)
{
    /// <summary>Parked: waiting for its province to answer again (the redrive timer's work), not held failed.</summary>
    public bool Parked => AwaitingRedrive && Status == StepStatus.Waiting;

    /// <summary>Why it is listed: a step (<c>step</c>), or the case's status callbacks, whose delivery has stopped (<c>callbacks</c>).</summary>
    public string Reason => Step == AttentionIndex.CallbacksStep ? "callbacks" : "step";
}

/// <summary>
/// The steps needing attention across open cases: partition = the step's province, row = case and step, so the
/// operator list and the redrive timer read one partition per province and never scan. Kept in step with the case
/// row by <see cref="CaseStore"/> after each write that changes a step's flags; a closed case leaves the index.
/// </summary>
public sealed class AttentionIndex(TableServiceClient tables)
{
    /// <summary>The step name of a case whose callbacks stopped, in the partner's partition; no province step has this name.</summary>
    public const string CallbacksStep = "callbacks";

    private readonly TableClient table = tables.GetTableClient(StorageNames.AttentionTable);

    /// <summary>What of a case the index holds, to compare before and after a write.</summary>
    public static IReadOnlyList<AttentionItem> Of(CaseRecord record, DateTimeOffset now) => record.Closed ? [] :
        record.Steps.Where(s => s.NeedsAttention || s.AwaitingRedrive)
            .Select(s => new AttentionItem(record.CaseId, record.CaseType, record.Status, s.Key, s.Province ?? record.HandlingProvince, s.Status,
                s.AwaitingRedrive, s.Detail, s.CompletedAt ?? s.StartedAt ?? now))
            .ToList();

    /// <summary>Brings the index in line with the case: rows for what needs attention now, none for what no longer does.</summary>
    public async Task SyncAsync(IReadOnlyList<AttentionItem> before, IReadOnlyList<AttentionItem> after, CancellationToken ct)
    {
        if (before.SequenceEqual(after)) return;
        var gone = before.Where(b => !after.Any(a => a.Step == b.Step && a.Province == b.Province));
        await Task.WhenAll(
            after.Except(before).Select(item => (Task)table.UpsertEntityAsync(ToEntity(item), TableUpdateMode.Replace, ct))
                .Concat(gone.Select(item => DeleteAsync(item, ct))));
    }

    /// <summary>
    /// Lists a case whose callbacks stopped, under its partner, until a delivery succeeds. Case writes leave it alone
    /// (it is not a step), so it stays after the case closes: the partner has not heard the end.
    /// </summary>
    public async Task FlagCallbacksAsync(CaseRecord record, Callbacks.PendingCallback head, CancellationToken ct) =>
        await table.UpsertEntityAsync(ToEntity(new AttentionItem(record.CaseId, record.CaseType, record.Status, CallbacksStep, head.Partner,
            StepStatus.Failed, false, $"Callback {head.Sequence} not delivered after {head.FailedAttempts} attempts (last: {head.LastFailure}); delivery stopped.",
            head.FirstFailedAt ?? record.UpdatedAt)), TableUpdateMode.Replace, ct);

    public Task ClearCallbacksAsync(string partner, string caseId, CancellationToken ct) =>
        DeleteAsync(new AttentionItem(caseId, "", CaseStatus.InProgress, CallbacksStep, partner, StepStatus.Failed, false, null, default), ct);

    private async Task DeleteAsync(AttentionItem item, CancellationToken ct)
    {
        try
        {
            await table.DeleteEntityAsync(item.Province, RowKey(item.CaseId, item.Step), ETag.All, ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already gone (another writer synced first): what was wanted.
        }
    }

    /// <summary>The province's steps needing attention, oldest first.</summary>
    public async Task<IReadOnlyList<AttentionItem>> ListAsync(string province, CancellationToken ct)
    {
        var items = new List<AttentionItem>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {province}"), cancellationToken: ct))
        {
            items.Add(FromEntity(row));
        }

        return items.OrderBy(i => i.Since).ToList();
    }

    private static string RowKey(string caseId, string step) => $"{caseId}|{step}";

    private static TableEntity ToEntity(AttentionItem item) => new(item.Province, RowKey(item.CaseId, item.Step))
    {
        ["CaseId"] = item.CaseId,
        ["CaseType"] = item.CaseType,
        ["CaseStatus"] = item.CaseStatus.ToString(),
        ["Step"] = item.Step,
        ["Status"] = item.Status.ToString(),
        ["AwaitingRedrive"] = item.AwaitingRedrive,
        ["Detail"] = item.Detail,
        ["Since"] = item.Since,
    };

    private static AttentionItem FromEntity(TableEntity e) => new(
        e.GetString("CaseId"), e.GetString("CaseType"), Enum.Parse<CaseStatus>(e.GetString("CaseStatus")), e.GetString("Step"), e.PartitionKey,
        Enum.Parse<StepStatus>(e.GetString("Status")), e.GetBoolean("AwaitingRedrive") ?? false, e.GetString("Detail"),
        e.GetDateTimeOffset("Since") ?? DateTimeOffset.MinValue);
}
