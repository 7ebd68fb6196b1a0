using Azure;
using Azure.Data.Tables;
using Tongban.Provinces;
using Tongban.Security;
using Tongban.Storage;

namespace Tongban.Workflows.Dispatch;

/// <summary>A ticket the hub waits on, and the step it answers. <see cref="Result"/> is the kept form (<see cref="TicketStore.Kept"/>).</summary>
public sealed record TicketRecord(string Province, string Ticket, ProvinceStep? Item, SlowWorkResult? Result, int Polls, ETag ETag);

/// <summary>
/// Slow work in flight: partition = province, row = the province's ticket. The poller reads only its
/// province's pending, due rows (a partition query, never a scan of cases). A result that arrives
/// before the ticket is recorded (an early callback) is kept in the row and picked up when the
/// dispatcher records the ticket: whichever side comes second completes the step. A ticket's row stays until its
/// step is completed (<see cref="SettleAsync"/>), then is deleted: a crash between taking a result and completing the step
/// leaves the ticket to be polled again, never a result taken and lost.
/// A result is kept only in the form later steps read (<see cref="Kept"/>): the masked ID number, the household number, the
/// transfer ID, the state and a scrubbed reason; never an ID number or a name in clear. A repeated callback after the row is
/// deleted looks like an early one: it is kept without an item, completes nothing (nothing is raised), and
/// <see cref="PurgeUnclaimedAsync"/> deletes it once no dispatcher can still record its ticket.
/// </summary>
public sealed class TicketStore(TableServiceClient tables, TimeProvider time)
{
    private const string Pending = "Pending";

    /// <summary>
    /// How long a result no dispatcher has recorded the ticket for is kept: longer than a step can be parked and held
    /// (a day, then a week for an operator's redrive) before its ticket is recorded.
    /// </summary>
    public static readonly TimeSpan UnclaimedResultKeptFor = TimeSpan.FromDays(30);

    private readonly TableClient table = tables.GetTableClient(StorageNames.TicketsTable);

    /// <summary>Records that <paramref name="item"/> waits on the ticket; returns a result that arrived first, if any.</summary>
    public async Task<SlowWorkResult?> RegisterAsync(string province, string ticket, ProvinceStep item, CancellationToken ct)
    {
        var entity = new TableEntity(province, ticket)
        {
            ["Item"] = TongbanJson.Serialize(item),
            ["State"] = Pending,
            ["NextPollAt"] = time.GetUtcNow(),
            ["Polls"] = 0,
        };
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                await table.AddEntityAsync(entity, ct);
                return null;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                var existing = await GetAsync(province, ticket, ct);
                if (existing is null) continue; // settled and deleted meanwhile: record it afresh
                if (existing.Item is null || existing.Item.Round < item.Round)
                {
                    // An early result is waiting, or the step was re-driven (same hubCaseId, same ticket): the row answers this round now.
                    await table.UpdateEntityAsync(new TableEntity(province, ticket) { ["Item"] = TongbanJson.Serialize(item) }, existing.ETag, TableUpdateMode.Merge, ct);
                }

                return existing.Result;
            }
        }

        throw new InvalidOperationException($"Ticket {ticket} at {province} kept changing.");
    }

    /// <summary>
    /// Takes a result; returns the step it completes, or null when the ticket is not yet known (kept for later). The ticket
    /// stays Pending: the caller settles it once the step is completed.
    /// </summary>
    public async Task<ProvinceStep?> DeliverAsync(string province, string ticket, SlowWorkResult result, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var existing = await GetAsync(province, ticket, ct);
            if (existing is null)
            {
                try
                {
                    await table.AddEntityAsync(new TableEntity(province, ticket)
                    {
                        ["Result"] = TongbanJson.Serialize(Kept(result)),
                        ["State"] = Pending,
                        ["ArrivedAt"] = time.GetUtcNow(),
                    }, ct);
                    return null;
                }
                catch (RequestFailedException e) when (e.Status == 409)
                {
                    continue; // the dispatcher recorded it meanwhile: read again
                }
            }

            if (existing.Item is null) return null; // a repeat of an early result
            try
            {
                await table.UpdateEntityAsync(new TableEntity(province, ticket) { ["Result"] = TongbanJson.Serialize(Kept(result)) },
                    ETag.All, TableUpdateMode.Merge, ct);
                return existing.Item;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                continue; // settled meanwhile by a repeat of this result (another hub, another delivery): read again
            }
        }

        throw new InvalidOperationException($"Ticket {ticket} at {province} kept changing.");
    }

    /// <summary>The ticket's step is completed: its row is deleted (a row already gone is fine: a repeated settle).</summary>
    public async Task SettleAsync(string province, string ticket, CancellationToken ct)
    {
        try
        {
            await table.DeleteEntityAsync(province, ticket, ETag.All, ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
    }

    /// <summary>
    /// Deletes results that came for a ticket no dispatcher recorded within <see cref="UnclaimedResultKeptFor"/> (in practice, a
    /// callback repeated after its step was settled). Each delete is conditional on the row as read: a ticket recorded
    /// meanwhile keeps its row. Returns how many it deleted, at most <paramref name="max"/>.
    /// </summary>
    public async Task<int> PurgeUnclaimedAsync(int max, CancellationToken ct)
    {
        var cutoff = time.GetUtcNow() - UnclaimedResultKeptFor;
        var purged = 0;
        var query = table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ArrivedAt le {cutoff}"), maxPerPage: Math.Min(max, 100),
            select: ["PartitionKey", "RowKey", "Item"], cancellationToken: ct);
        await foreach (var row in query)
        {
            if (row.GetString("Item") is not null) continue;
            try
            {
                await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, ct);
                if (++purged >= max) break;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
            }
        }

        return purged;
    }

    /// <summary>
    /// What of a result the tickets table keeps: all a later step reads (<see cref="ProvinceStepInvoker.FromSlowWork(string, SlowWorkResult, Cases.OpenCaseCommand)"/> masks
    /// the ID number in any case), with the ID number masked and ID numbers in the province's reason masked.
    /// </summary>
    public static SlowWorkResult Kept(SlowWorkResult result) => result with
    {
        IdNumber = string.IsNullOrEmpty(result.IdNumber) ? null : IdNumberMask.Mask(result.IdNumber),
        Reason = result.Reason is null ? null : ProvinceText.Scrub(result.Reason),
    };

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

    /// <summary>Still processing: poll again later, with back-off per ticket. A row settled meanwhile (another hub) stays gone.</summary>
    public async Task PostponeAsync(TicketRecord ticket, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await table.UpdateEntityAsync(new TableEntity(ticket.Province, ticket.Ticket)
            {
                ["NextPollAt"] = time.GetUtcNow() + delay,
                ["Polls"] = ticket.Polls + 1,
            }, ETag.All, TableUpdateMode.Merge, ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
    }

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
            item is null ? null : TongbanJson.Deserialize<ProvinceStep>(item),
            result is null ? null : TongbanJson.Deserialize<SlowWorkResult>(result),
            row.GetInt32("Polls") ?? 0, row.ETag);
    }
}
