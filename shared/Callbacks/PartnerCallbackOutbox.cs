using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Tongban.Storage;

namespace Tongban.Callbacks;

/// <summary>One status change waiting to be told to the partner.</summary>
public sealed record PendingCallback(string CaseId, int Sequence, string Snapshot, string Partner);

/// <summary>
/// Status changes to tell partners about, kept in the case's own partition of the cases table (rows
/// <c>callback|{sequence}</c>), written in the same transaction as the status change, so none is lost;
/// a message on <c>partner-callbacks</c> asks the sender to deliver what is pending for a case.
/// </summary>
public sealed class PartnerCallbackOutbox(TableServiceClient tables, QueueServiceClient queues)
{
    public const string QueueName = "partner-callbacks";
    private const string Prefix = "callback|";
    private readonly TableClient table = tables.GetTableClient(StorageNames.CasesTable);

    public static string RowKey(int sequence) => Prefix + sequence.ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>Pending callbacks of a case, oldest first (one partition range query).</summary>
    public async Task<IReadOnlyList<PendingCallback>> PendingAsync(string caseId, CancellationToken ct)
    {
        var pending = new List<PendingCallback>();
        var rows = table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {caseId} and RowKey ge {Prefix} and RowKey lt {"callback}"}"), cancellationToken: ct);
        await foreach (var row in rows)
        {
            pending.Add(new PendingCallback(caseId, int.Parse(row.RowKey[Prefix.Length..], CultureInfo.InvariantCulture),
                row.GetString("Snapshot"), row.GetString("Partner")));
        }

        return pending.OrderBy(p => p.Sequence).ToList();
    }

    public async Task DeliveredAsync(PendingCallback callback, CancellationToken ct) =>
        await table.DeleteEntityAsync(callback.CaseId, RowKey(callback.Sequence), ETag.All, ct);

    /// <summary>Asks the sender to deliver a case's pending callbacks (now, or after a back-off).</summary>
    public async Task PokeAsync(string caseId, CancellationToken ct, TimeSpan? delay = null) =>
        await queues.GetQueueClient(QueueName).SendMessageAsync(TongbanJson.Serialize(new CallbackPoke(caseId)), delay, cancellationToken: ct);
}

public sealed record CallbackPoke(string CaseId);
