using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Tongban.Telemetry;

/// <summary>
/// The one telemetry registration both hosts use: the <c>Tongban</c> spans and meter, ASP.NET Core's server spans and
/// HttpClient's client spans (the province's HTTP call), every span scrubbed of personal data before any exporter sees
/// it, and log records with their scopes (the case, step and province). Each host adds its exporter through
/// <c>export</c>: the Functions app Azure Monitor, the devhost OTLP.
/// </summary>
public static class TongbanTelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddTongbanTelemetry(this IServiceCollection services, Action<OpenTelemetryBuilder>? export = null)
    {
        var builder = services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource(TongbanTelemetry.Name)
                // First, so every exporter added after it sees spans already scrubbed.
                .AddProcessor(new PersonalDataSpanScrubber())
                .AddAspNetCoreInstrumentation(aspNetCore =>
                {
                    aspNetCore.RecordException = false;
                    // The devhost's Durable sidecar serves the engine over gRPC in the same process: plumbing, not requests.
                    aspNetCore.Filter = http => http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true;
                })
                .AddHttpClientInstrumentation(http =>
                {
                    http.RecordException = false;
                    http.FilterHttpRequestMessage = IsOwnCall;
                }))
            .WithMetrics(metrics => metrics.AddMeter(TongbanTelemetry.Name))
            .WithLogging(configureBuilder: null, configureOptions: logging =>
            {
                logging.IncludeScopes = true;
                // The rendered message repeats the template's values; the template and its fields are enough.
                logging.IncludeFormattedMessage = false;
            });
        export?.Invoke(builder);
        return services;
    }

    /// <summary>
    /// Whether an outgoing request is the hub's own call (a province, a partner callback) rather than plumbing: storage
    /// REST calls (every one carries <c>x-ms-version</c>) and the Durable engine's gRPC stream would bury each case's
    /// few spans under hundreds.
    /// </summary>
    public static bool IsOwnCall(HttpRequestMessage request) =>
        !request.Headers.Contains("x-ms-version")
        && request.Content?.Headers.ContentType?.MediaType?.StartsWith("application/grpc", StringComparison.Ordinal) != true;
}

/// <summary>
/// Removes what may hold an ID number or a name from every span as it ends: URL queries (Shanghai puts names there),
/// ID-number-shaped runs in URL paths (Shanghai and its student numbers put them there), as <see cref="Hosting.OutboundRequestLogging"/>
/// does for log lines. Exception events are not recorded at all (a message may quote a request).
/// </summary>
public sealed class PersonalDataSpanScrubber : BaseProcessor<Activity>
{
    public override void OnEnd(Activity data)
    {
        if (data.GetTagItem("url.full") is string full && Uri.TryCreate(full, UriKind.Absolute, out var uri))
        {
            data.SetTag("url.full", $"{uri.Scheme}://{uri.Authority}{Hosting.OutboundRequestLogging.MaskedPath(uri)}");
        }

        if (data.GetTagItem("url.path") is string path) data.SetTag("url.path", Provinces.ProvinceText.Scrub(path));
        if (data.GetTagItem("url.query") is not null) data.SetTag("url.query", null);
        if (data.GetTagItem("http.route") is string route) data.SetTag("http.route", Provinces.ProvinceText.Scrub(route));
        data.DisplayName = Provinces.ProvinceText.Scrub(data.DisplayName)!;
    }
}
