using Azure.Storage.Queues;
using Tongban.Provinces;
using Tongban.Storage;

namespace Tongban.Workflows.Dispatch;

/// <summary>A province queue's depth and its poison twin's, as storage estimates them.</summary>
public sealed record QueueDepth(int Queued, int Poisoned);

/// <summary>
/// Puts province steps on their province's queue (<c>province-{code}</c>): each province gets its own concurrency and rate. A
/// message is one step (a JSON object), or a bundle of steps for one province sent together (a JSON array: a party's checks
/// there, <see cref="Bundles"/>), which the step handler runs side by side.
/// </summary>
public sealed class ProvinceStepQueue(QueueServiceClient queues)
{
    /// <summary>How long a poison message being moved stays invisible: if the move dies half-way, it is moved again later.</summary>
    private static readonly TimeSpan MoveLease = TimeSpan.FromMinutes(1);

    /// <param name="delay">Keeps the message invisible this long (a parked call comes back when the province may take it).</param>
    public async Task EnqueueAsync(ProvinceStep item, CancellationToken ct, TimeSpan? delay = null)
    {
        var queue = queues.GetQueueClient(StorageNames.ProvinceQueue(item.Province));
        await queue.SendMessageAsync(TongbanJson.Serialize(item), visibilityTimeout: delay, cancellationToken: ct);
    }

    /// <summary>Puts <paramref name="bundle"/> (steps for one province) on its queue as one message; a single step as its own.</summary>
    public async Task EnqueueAsync(IReadOnlyList<ProvinceStep> bundle, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        if (bundle.Count == 1)
        {
            await EnqueueAsync(bundle[0], ct);
            return;
        }

        if (bundle.Count == 0 || bundle.Any(i => i.Province != bundle[0].Province))
            throw new ArgumentException("A bundle holds one or more steps for one province.", nameof(bundle));
        await queues.GetQueueClient(StorageNames.ProvinceQueue(bundle[0].Province)).SendMessageAsync(TongbanJson.Serialize(bundle), cancellationToken: ct);
    }

    /// <summary>The steps a province queue message holds: one, or a bundle's (see <see cref="EnqueueAsync(IReadOnlyList{ProvinceStep}, CancellationToken)"/>).</summary>
    public static IReadOnlyList<ProvinceStep> Read(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var steps = message.AsSpan().TrimStart().StartsWith("[")
            ? TongbanJson.Deserialize<List<ProvinceStep>>(message)
            : [TongbanJson.Deserialize<ProvinceStep>(message)];
        return steps.Count > 0 ? steps : throw new FormatException("A province queue message holds at least one step.");
    }

    /// <summary>
    /// How a dispatch's steps go on the queues: the queries for one province (a party's identity and marital status there, say:
    /// read-only, repeat-safe) together as one message, so that their province is called for both by one delivery; every other
    /// step on its own.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<ProvinceStep>> Bundles(IReadOnlyList<ProvinceStep> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var bundles = new List<IReadOnlyList<ProvinceStep>>();
        foreach (var province in items.Where(i => CanonicalOperations.IsQuery(i.Operation)).GroupBy(i => i.Province)) bundles.Add([.. province]);
        foreach (var item in items.Where(i => !CanonicalOperations.IsQuery(i.Operation))) bundles.Add([item]);
        return bundles;
    }

    public async Task<QueueDepth> DepthAsync(string province, CancellationToken ct)
    {
        var name = StorageNames.ProvinceQueue(province);
        var main = queues.GetQueueClient(name).GetPropertiesAsync(ct);
        var poison = queues.GetQueueClient(StorageNames.PoisonQueue(name)).GetPropertiesAsync(ct);
        return new QueueDepth((await main).Value.ApproximateMessagesCount, (await poison).Value.ApproximateMessagesCount);
    }

    /// <summary>
    /// Moves the province's poison messages back onto its queue, up to <paramref name="limit"/>: each is sent first and
    /// deleted from poison after, so a crash between leaves a duplicate (harmless: the handler drops work already
    /// done), never a loss. Returns how many were moved.
    /// </summary>
    public async Task<int> RequeuePoisonAsync(string province, int limit, CancellationToken ct)
    {
        var name = StorageNames.ProvinceQueue(province);
        var main = queues.GetQueueClient(name);
        var poison = queues.GetQueueClient(StorageNames.PoisonQueue(name));
        var moved = 0;
        while (moved < limit)
        {
            var batch = (await poison.ReceiveMessagesAsync(Math.Min(32, limit - moved), MoveLease, ct)).Value;
            if (batch.Length == 0) break;
            foreach (var message in batch)
            {
                await main.SendMessageAsync(message.Body.ToString(), cancellationToken: ct);
                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
                moved++;
            }
        }

        return moved;
    }
}
