using Azure;
using Azure.Data.Tables;
using Tongban.Provinces;
using Tongban.Workflows.Steps;

namespace Tongban.Storage;

/// <summary>A ticket the hub waits on, and the step it answers.</summary>
public sealed record TicketRecord(string Province, string Ticket, ProvinceWorkItem? Item, SlowWorkResult? Result, int Polls, ETag ETag);

/// <summary>
/// Slow work in flight: partition = province, row = the province's ticket. The poller reads only its
/// province's pending, due rows (a partition query, never a scan of cases). A result that arrives
/// before the ticket is recorded (an early callback) is kept in the row and picked up when the
/// dispatcher records the ticket: whichever side comes second completes the step. A ticket stays Pending until its
/// step is completed (<see cref="SettleAsync"/>): a crash between taking a result and completing the step leaves the
/// ticket to be polled again, never a result taken and lost.
/// </summary>
public sealed class TicketStore(TableServiceClient tables, TimeProvider time)
{
    private const string Pending = "Pending";
    private const string Done = "Done";
    private readonly TableClient table = tables.GetTableClient(StorageNames.TicketsTable);

    /// <summary>Records that <paramref name="item"/> waits on the ticket; returns a result that arrived first, if any.</summary>
    public async Task<SlowWorkResult?> RegisterAsync(string province, string ticket, ProvinceWorkItem item, CancellationToken ct)
    {
        var entity = new TableEntity(province, ticket)
        {
            ["Item"] = TongbanJson.Serialize(item),
            ["State"] = Pending,
            ["NextPollAt"] = time.GetUtcNow(),
            ["Polls"] = 0,
        };
        try
        {
            await table.AddEntityAsync(entity, ct);
            return null;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = await GetAsync(province, ticket, ct);
            if (existing!.Item is null || existing.Item.Round < item.Round)
            {
                // An early result is waiting, or the step was re-driven (same hubCaseId, same ticket): the row answers this round now.
                await table.UpdateEntityAsync(new TableEntity(province, ticket) { ["Item"] = TongbanJson.Serialize(item) }, existing.ETag, TableUpdateMode.Merge, ct);
            }

            return existing.Result;
        }
    }

    /// <summary>
    /// Takes a result; returns the step it completes, or null when the ticket is not yet known (kept for later). The ticket
    /// stays Pending: the caller settles it once the step is completed.
    /// </summary>
    public async Task<ProvinceWorkItem?> DeliverAsync(string province, string ticket, SlowWorkResult result, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var existing = await GetAsync(province, ticket, ct);
            if (existing is null)
            {
                try
                {
                    await table.AddEntityAsync(new TableEntity(province, ticket) { ["Result"] = TongbanJson.Serialize(result), ["State"] = Pending }, ct);
                    return null;
                }
                catch (RequestFailedException e) when (e.Status == 409)
                {
                    continue; // the dispatcher recorded it meanwhile: read again
                }
            }

            if (existing.Item is null) return null; // a repeat of an early result
            await table.UpdateEntityAsync(new TableEntity(province, ticket) { ["Result"] = TongbanJson.Serialize(result) },
                ETag.All, TableUpdateMode.Merge, ct);
            return existing.Item;
        }

        throw new InvalidOperationException($"Ticket {ticket} at {province} kept changing.");
    }

    /// <summary>The ticket's step is completed: it is polled no more.</summary>
    public Task SettleAsync(string province, string ticket, CancellationToken ct) =>
        table.UpdateEntityAsync(new TableEntity(province, ticket) { ["State"] = Done }, ETag.All, TableUpdateMode.Merge, ct);

    /// <summary>Pending tickets of one province whose next poll is due.</summary>
    public async Task<IReadOnlyList<TicketRecord>> DueAsync(string province, int max, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var due = new List<TicketRecord>();
        var query = table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {province} and State eq {Pending} and NextPollAt le {now}"), maxPerPage: max, cancellationToken: ct);
        await foreach (var row in query)
        {
            var record = From(row);
            if (record.Item is not null) due.Add(record);
            if (due.Count >= max) break;
        }

        return due;
    }

    /// <summary>Still processing: poll again later, with back-off per ticket.</summary>
    public Task PostponeAsync(TicketRecord ticket, TimeSpan delay, CancellationToken ct) =>
        table.UpdateEntityAsync(new TableEntity(ticket.Province, ticket.Ticket)
        {
            ["NextPollAt"] = time.GetUtcNow() + delay,
            ["Polls"] = ticket.Polls + 1,
        }, ETag.All, TableUpdateMode.Merge, ct);

    public async Task<TicketRecord?> GetAsync(string province, string ticket, CancellationToken ct)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(province, ticket, cancellationToken: ct);
        return row.HasValue ? From(row.Value!) : null;
    }

    private static TicketRecord From(TableEntity row)
    {
        var item = row.GetString("Item");
        var result = row.GetString("Result");
        return new TicketRecord(row.PartitionKey, row.RowKey,
            item is null ? null : TongbanJson.Deserialize<ProvinceWorkItem>(item),
            result is null ? null : TongbanJson.Deserialize<SlowWorkResult>(result),
            row.GetInt32("Polls") ?? 0, row.ETag);
    }
}
