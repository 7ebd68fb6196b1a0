using Azure.Core;
using Azure.Core.Pipeline;

namespace Tongban.DevHost.Hosting;

/// <summary>
/// The devhost's counterpart of the Functions host's shared queue watcher: when this process puts a message on a
/// queue, that queue's listener polls at once instead of sleeping out its back-off. The hub's queue clients carry
/// <see cref="Policy"/>, which signals after every successful Put Message.
/// </summary>
public sealed class QueueWakeups
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> signals = new(StringComparer.Ordinal);

    public QueueWakeups() => Policy = new SignalPolicy(this);

    public HttpPipelinePolicy Policy { get; }

    /// <summary>Waits until a message was put on <paramref name="queue"/> here, or <paramref name="delay"/> passed.</summary>
    public async Task WaitAsync(string queue, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Signal(queue).WaitAsync(delay, ct);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>
    /// Leaves one wake-up pending for <paramref name="queue"/>'s listener. Never throws: it runs inside the put's own pipeline,
    /// so an exception here would fail a put that succeeded (a dispatch activity then failed its orchestration with the
    /// messages already queued).
    /// </summary>
    public void Notify(string queue)
    {
        var signal = Signal(queue);
        // One pending wake-up is enough: the listener reads a batch when it wakes.
        if (signal.CurrentCount != 0) return;
        try
        {
            signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Two puts answered at once both saw none pending; the other one's wake-up is pending now.
        }
    }

    private SemaphoreSlim Signal(string queue) => signals.GetOrAdd(queue, _ => new SemaphoreSlim(0, 1));

    private sealed class SignalPolicy(QueueWakeups wakeups) : HttpPipelineSynchronousPolicy
    {
        public override void OnReceivedResponse(HttpMessage message)
        {
            // Put Message: POST {account}/{queue}/messages → 201.
            if (message.Response.Status != 201 || message.Request.Method != RequestMethod.Post) return;
            var path = message.Request.Uri.Path.TrimEnd('/');
            if (!path.EndsWith("/messages", StringComparison.Ordinal)) return;
            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments.Length >= 2) wakeups.Notify(segments[^2]);
        }
    }
}
