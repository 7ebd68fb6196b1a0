using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Tongban.DevHost.Hosting;

/// <summary>
/// Opt-in (<c>Tongban:Bench:Probe=true</c>) instrumentation for bench/: counts every outgoing HTTP request this
/// process makes (the Azure SDK clients of the hub and of the DTFx engine all end in HttpClient, which reports
/// <c>http.client.request.duration</c> on the <c>System.Net.Http</c> meter) by server port, split by who caused
/// it: requests made while serving a call marked <c>X-Tongban-Bench: observe</c> (the bench watching a case)
/// are counted apart, so they can be left out of a case's cost. Served on <c>GET /_bench/requests</c>.
/// Every request is also counted by operation, engine's and hub's alike, from HttpClient's diagnostic events (which carry the
/// request, hence its path): "req:{kind} {service} {METHOD} {table, queue or container}" (see <see cref="Operation"/>).
/// </summary>
public sealed class BenchProbe : IDisposable, IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
{
    public const string ObserveHeader = "X-Tongban-Bench";

    private static readonly AsyncLocal<bool> Observing = new();

    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, long> counts = new();
    private readonly List<IDisposable> subscriptions = [];

    public BenchProbe()
    {
        subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "System.Net.Http" && instrument.Name == "http.client.request.duration") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            string? port = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "server.port") port = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture);
            }

            var kind = Observing.Value ? "observe" : "work";
            counts.AddOrUpdate($"{kind}:{port}", 1, (_, n) => n + 1);
            var micros = (long)(seconds * 1_000_000);
            counts.AddOrUpdate($"{kind}-us:{port}", micros, (_, n) => n + micros);
        });
        listener.Start();
    }

    /// <summary>Counts so far, keyed "work:{port}" or "observe:{port}"; "work-us:{port}" etc. sum their durations in microseconds.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(counts);

    /// <summary>
    /// What the process is doing at this moment, for the bench's progress line (<c>GET /_bench/now</c>): its storage requests in
    /// flight and waiting for a turn, callers' and the background's (<see cref="StorageTurns"/>), the writing API calls answered
    /// and waiting (<see cref="WriteCallTurns"/>), and its thread pool's threads and queued work items. A stall then shows where
    /// it sits: requests waiting on storage, calls waiting for a turn, or work waiting for a thread.
    /// </summary>
    public static IReadOnlyDictionary<string, long> Gauges(StorageTurns turns, WriteCallTurns writes)
    {
        ArgumentNullException.ThrowIfNull(turns);
        ArgumentNullException.ThrowIfNull(writes);
        var (callersInFlight, backgroundInFlight) = turns.InFlight;
        var (callersWaiting, backgroundWaiting) = turns.Waiting;
        return new Dictionary<string, long>
        {
            ["callersInFlight"] = callersInFlight,
            ["callersWaiting"] = callersWaiting,
            ["backgroundInFlight"] = backgroundInFlight,
            ["backgroundWaiting"] = backgroundWaiting,
            ["writesAnswering"] = writes.Answering,
            ["writesWaiting"] = writes.Waiting,
            ["threads"] = ThreadPool.ThreadCount,
            ["queuedWorkItems"] = ThreadPool.PendingWorkItemCount,
        };
    }

    /// <summary>Marks the rest of this request's flow as the bench observing.</summary>
    public static void MarkObserving() => Observing.Value = true;

    /// <summary>For the hub's own storage clients (not the engine's): counts "op:{kind} {METHOD} {table or queue}".</summary>
    public HttpPipelinePolicy Policy => new OperationPolicy(this);

    public void Dispose()
    {
        listener.Dispose();
        lock (subscriptions) subscriptions.ForEach(s => s.Dispose());
    }

    /// <summary>
    /// A storage request as "{service} {METHOD} {target}": the service from the host name or path style (Azurite:
    /// /account/target), the target a table (keys stripped), a queue or a blob container. Queue message calls keep their
    /// "/messages" so a put, a receive and a delete tell apart by verb. Null for a request that is not to storage.
    /// </summary>
    public static string? Operation(string method, Uri uri, IReadOnlyDictionary<int, string> servicesByPort)
    {
        // Azurite puts the account first in the path; Azure puts it in the host.
        var azurite = servicesByPort.TryGetValue(uri.Port, out var service);
        if (!azurite)
        {
            var host = uri.Host.Split('.');
            service = host.Length > 2 && host[1] is "table" or "queue" or "blob" ? host[1] : null;
            if (service is null) return null;
        }

        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var at = azurite ? 1 : 0;
        var target = segments.Length > at ? segments[at].Split('(')[0] : "(account)";
        if (service == "queue" && segments.Length > at + 1) target += "/" + segments[at + 1];
        if (service == "blob" && segments.Length > at + 1) target += "/*";
        return $"{service} {method} {target}";
    }

    /// <summary>Storage service by port, for Azurite (<see cref="AzuritePorts"/> of <c>AzureWebJobsStorage</c>).</summary>
    public IReadOnlyDictionary<int, string> ServicesByPort { get; init; } = new Dictionary<int, string>();

    /// <summary>The blob, queue and table ports a local connection string names (UseDevelopmentStorage: Azurite's defaults).</summary>
    public static IReadOnlyDictionary<int, string> AzuritePorts(string? connectionString)
    {
        var ports = new Dictionary<int, string>();
        if (connectionString is null) return ports;
        if (connectionString.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase)) return new Dictionary<int, string> { [10000] = "blob", [10001] = "queue", [10002] = "table" };
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = part.Split('=', 2);
            if (pair.Length == 2 && pair[0].EndsWith("Endpoint", StringComparison.Ordinal) && Uri.TryCreate(pair[1], UriKind.Absolute, out var endpoint)
                && endpoint.IsLoopback)
            {
                ports[endpoint.Port] = pair[0][..^"Endpoint".Length].ToLowerInvariant();
            }
        }

        return ports;
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (value.Name != "HttpHandlerDiagnosticListener") return;
        lock (subscriptions) subscriptions.Add(value.Subscribe(this, (name, _, _) => name == "System.Net.Http.Request"));
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key != "System.Net.Http.Request" || value.Value?.GetType().GetProperty("Request")?.GetValue(value.Value) is not HttpRequestMessage request
            || request.RequestUri is null) return;
        var operation = Operation(request.Method.Method, request.RequestUri, ServicesByPort);
        if (operation is null) return;
        counts.AddOrUpdate($"req:{(Observing.Value ? "observe" : "work")} {operation}", 1, (_, n) => n + 1);
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    private sealed class OperationPolicy(BenchProbe probe) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            var segments = message.Request.Uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var target = segments.Length > 1 ? segments[1].Split('(')[0] : "(account)";
            if (segments.Length > 2) target += "/" + segments[2];
            var kind = Observing.Value ? "observe" : "work";
            probe.counts.AddOrUpdate($"op:{kind} {message.Request.Method} {target}", 1, (_, n) => n + 1);
        }
    }
}
