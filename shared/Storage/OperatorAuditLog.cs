using System.Globalization;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;

namespace Tongban.Storage;

/// <summary>What operators do outside a single case, as the operators' audit log names it.</summary>
public static class OperatorActions
{
    public const string CaseSearch = "case-search";
    public const string PoisonRequeue = "poison-requeue";
}

/// <summary>
/// One operator action: who, when, what (<paramref name="Subject"/>: a masked ID number and its keyed hash for a case search,
/// a province code for a requeue; never an ID number in clear), why, and how many results (cases found, messages moved;
/// null while the action is under way or when it did not finish).
/// </summary>
public sealed record OperatorAuditEntry(
    string Id, DateTimeOffset At, string Operator, string Action, string Subject, string? SubjectHash, string Reason, int? Results);

/// <summary>A page of the operators' audit log, newest first.</summary>
public sealed record OperatorAuditPage(IReadOnlyList<OperatorAuditEntry> Items, string? ContinuationToken);

/// <summary>
/// The operators' audit log (table <c>TongbanOperatorAudit</c>): one partition (operator actions are few, and one partition
/// lists in order), rows newest first (inverted ticks, then a random suffix so two actions in one tick both stay). An
/// action is appended before it takes effect, and its result count is written after, so an action that took effect is
/// never missing from the log.
/// </summary>
public sealed class OperatorAuditLog(TableServiceClient tables, TimeProvider time)
{
    private const string Partition = "operators";

    private readonly TableClient table = tables.GetTableClient(StorageNames.OperatorAuditTable);

    /// <summary>Appends an action; returns its entry (with <c>Id</c>, the row key, for <see cref="SetResultsAsync"/>).</summary>
    public async Task<OperatorAuditEntry> AppendAsync(string operatorId, string action, string subject, string? subjectHash, string reason,
        int? results, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        var id = (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "-"
            + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var entry = new OperatorAuditEntry(id, at, operatorId, action, subject, subjectHash, reason, results);
        var row = new TableEntity(Partition, id)
        {
            ["At"] = at,
            ["Operator"] = operatorId,
            ["Action"] = action,
            ["Subject"] = subject,
            ["SubjectHash"] = subjectHash,
            ["Reason"] = reason,
            ["Results"] = results,
        };
        try
        {
            await table.AddEntityAsync(row, ct);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // The ID is this call's own (its time and random bytes): the client library sent the insert again after its answer
            // was lost, and the first attempt is the entry. Anything else under the ID is not this entry.
            if (From((await table.GetEntityAsync<TableEntity>(Partition, id, cancellationToken: ct)).Value) != entry) throw;
        }

        return entry;
    }

    /// <summary>Records how many results an appended action had.</summary>
    public Task SetResultsAsync(string id, int results, CancellationToken ct) =>
        table.UpdateEntityAsync(new TableEntity(Partition, id) { ["Results"] = results }, ETag.All, TableUpdateMode.Merge, ct);

    /// <summary>A page of entries, newest first; <paramref name="continuation"/> is the storage token of the page before.</summary>
    public async Task<OperatorAuditPage> ListAsync(int pageSize, string? continuation, CancellationToken ct)
    {
        var query = table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), pageSize, cancellationToken: ct);
        await foreach (var page in query.AsPages(continuation, pageSize))
        {
            return new OperatorAuditPage(page.Values.Select(From).ToList(), page.ContinuationToken);
        }

        return new OperatorAuditPage([], null);
    }

    private static OperatorAuditEntry From(TableEntity row) => new(
        row.RowKey, row.GetDateTimeOffset("At") ?? default, row.GetString("Operator") ?? "", row.GetString("Action") ?? "",
        row.GetString("Subject") ?? "", row.GetString("SubjectHash"), row.GetString("Reason") ?? "", row.GetInt32("Results"));
}
