using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Tongban.Storage;

namespace Tongban.Callbacks;

/// <summary>
/// One status change waiting to be told to the partner. Only the oldest pending one of a case (the head) carries
/// delivery state: when it first failed, how many attempts failed, the token of the live retry poke, and whether
/// delivery has stopped.
/// </summary>
public sealed record PendingCallback(string CaseId, int Sequence, string Snapshot, string Partner)
{
    public ETag ETag { get; init; } = ETag.All;

    public DateTimeOffset? FirstFailedAt { get; init; }

    public int FailedAttempts { get; init; }

    public string? RetryToken { get; init; }

    public string? LastFailure { get; init; }

    public bool Stopped { get; init; }

    /// <summary>The poke sending this callback now (see <see cref="CallbackPoke.Sender"/>), until <see cref="SendingUntil"/>.</summary>
    public string? SendingBy { get; init; }

    public DateTimeOffset? SendingUntil { get; init; }

    /// <summary>Whether another poke is sending it now: the callback is its to deliver.</summary>
    public bool HeldByAnother(string sender, DateTimeOffset now) => SendingBy is { Length: > 0 } by && by != sender && SendingUntil > now;
}

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
                row.GetString("Snapshot"), row.GetString("Partner"))
            {
                ETag = row.ETag,
                FirstFailedAt = row.GetDateTimeOffset(nameof(PendingCallback.FirstFailedAt)),
                FailedAttempts = row.GetInt32(nameof(PendingCallback.FailedAttempts)) ?? 0,
                RetryToken = row.GetString(nameof(PendingCallback.RetryToken)),
                LastFailure = row.GetString(nameof(PendingCallback.LastFailure)),
                Stopped = row.GetBoolean(nameof(PendingCallback.Stopped)) ?? false,
                SendingBy = row.GetString(nameof(PendingCallback.SendingBy)),
                SendingUntil = row.GetDateTimeOffset(nameof(PendingCallback.SendingUntil)),
            });
        }

        return pending.OrderBy(p => p.Sequence).ToList();
    }

    public async Task DeliveredAsync(PendingCallback callback, CancellationToken ct) =>
        await table.DeleteEntityAsync(callback.CaseId, RowKey(callback.Sequence), ETag.All, ct);

    /// <summary>
    /// Saves the head's delivery state if no one else changed it since it was read; false when someone did (a
    /// concurrent attempt won, and its retry is the one that goes on).
    /// </summary>
    public async Task<bool> TrySaveStateAsync(PendingCallback head, CancellationToken ct)
    {
        var entity = new TableEntity(head.CaseId, RowKey(head.Sequence))
        {
            [nameof(PendingCallback.FirstFailedAt)] = head.FirstFailedAt,
            [nameof(PendingCallback.FailedAttempts)] = head.FailedAttempts,
            [nameof(PendingCallback.RetryToken)] = head.RetryToken,
            [nameof(PendingCallback.LastFailure)] = head.LastFailure,
            [nameof(PendingCallback.Stopped)] = head.Stopped,
            // Written as values, not nulls (which a merge leaves as they were): an attempt's end releases its claim.
            [nameof(PendingCallback.SendingBy)] = head.SendingBy ?? "",
            [nameof(PendingCallback.SendingUntil)] = head.SendingUntil ?? DateTimeOffset.UnixEpoch,
        };
        return await TryMergeAsync(entity, head.ETag, ct) is not null;
    }

    /// <summary>
    /// Claims a callback for one poke's attempt if no one else changed it since it was read: the claimed callback (its new
    /// ETag), or null when someone did (another poke claimed or delivered it, or saved a failure).
    /// </summary>
    public async Task<PendingCallback?> TryClaimAsync(PendingCallback callback, string sender, DateTimeOffset until, CancellationToken ct)
    {
        var entity = new TableEntity(callback.CaseId, RowKey(callback.Sequence))
        {
            [nameof(PendingCallback.SendingBy)] = sender,
            [nameof(PendingCallback.SendingUntil)] = until,
        };
        return await TryMergeAsync(entity, callback.ETag, ct) is { } etag ? callback with { ETag = etag, SendingBy = sender, SendingUntil = until } : null;
    }

    private async Task<ETag?> TryMergeAsync(TableEntity entity, ETag etag, CancellationToken ct)
    {
        try
        {
            return (await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Merge, ct)).Headers.ETag ?? ETag.All;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <summary>Asks the sender to deliver a case's pending callbacks, after a status change.</summary>
    public Task PokeAsync(string caseId, CancellationToken ct) => PokeAsync(caseId, Telemetry.TongbanTelemetry.CurrentTraceParent, ct);

    /// <summary>Asks the sender to deliver a case's pending callbacks, in the trace of the change (<paramref name="traceParent"/>).</summary>
    public Task PokeAsync(string caseId, string? traceParent, CancellationToken ct) =>
        PokeAsync(new CallbackPoke(caseId, TraceParent: traceParent, Id: Guid.NewGuid().ToString("N")), null, ct);

    /// <summary>Asks the sender to deliver a case's pending callbacks, now or after a back-off.</summary>
    public async Task PokeAsync(CallbackPoke poke, TimeSpan? delay, CancellationToken ct) =>
        await queues.GetQueueClient(QueueName).SendMessageAsync(TongbanJson.Serialize(poke), delay, cancellationToken: ct);
}

/// <summary>
/// A request to deliver a case's pending callbacks: after a status change (no token), or the retry of a failed attempt
/// of callback <see cref="Sequence"/>, named by <see cref="RetryToken"/>, which replaces the head's <see cref="Replaces"/>.
/// <see cref="TraceParent"/>: the trace of the status change that queued it, which the delivery continues. <see cref="Id"/>: a
/// status change's poke's own, so a redelivery of it is known as the same poke.
/// </summary>
public sealed record CallbackPoke(string CaseId, string? RetryToken = null, int Sequence = 0, string? Replaces = null, string? TraceParent = null,
    string? Id = null)
{
    /// <summary>Who claims a callback for this poke's attempt: the same poke when the queue delivers it again after a crash.</summary>
    public string Sender => RetryToken ?? Id ?? "";
}
