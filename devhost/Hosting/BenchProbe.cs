using System.Collections.Concurrent;
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
/// </summary>
public sealed class BenchProbe : IDisposable
{
    public const string ObserveHeader = "X-Tongban-Bench";

    private static readonly AsyncLocal<bool> Observing = new();

    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, long> counts = new();

    public BenchProbe()
    {
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

    /// <summary>Marks the rest of this request's flow as the bench observing.</summary>
    public static void MarkObserving() => Observing.Value = true;

    /// <summary>For the hub's own storage clients (not the engine's): counts "op:{kind} {METHOD} {table or queue}".</summary>
    public HttpPipelinePolicy Policy => new OperationPolicy(this);

    public void Dispose() => listener.Dispose();

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
