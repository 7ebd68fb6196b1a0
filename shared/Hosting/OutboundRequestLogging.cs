using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Tongban.Provinces;

namespace Tongban.Hosting;

/// <summary>
/// The hub's own line per outgoing HTTP request, in place of IHttpClientFactory's default logging (removed for every
/// client in <see cref="TongbanServiceCollectionExtensions"/>), which logs whole request URIs at Information and headers
/// at Trace. Shanghai puts ID numbers in paths and names in queries: this logs method, host, the path with every
/// ID-number-shaped run masked (<see cref="ProvinceText"/>), never the query or a header, then the status and duration.
/// </summary>
public sealed partial class OutboundRequestLogging(ILogger<OutboundRequestLogging> logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!logger.IsEnabled(LogLevel.Debug)) return await base.SendAsync(request, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var host = request.RequestUri?.Authority ?? "";
        var path = MaskedPath(request.RequestUri);
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            Answered(logger, request.Method.Method, host, path, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (Exception e)
        {
            // The type only: a message may quote the request.
            Failed(logger, request.Method.Method, host, path, e.GetType().Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }

    /// <summary>The URI's path, ID numbers masked; no query, no fragment.</summary>
    public static string MaskedPath(Uri? uri) =>
        uri is null ? "" : ProvinceText.Scrub(uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString.Split('?', '#')[0])!;

    [LoggerMessage(EventId = 7001, Level = LogLevel.Debug, Message = "HTTP {Method} {Host}{Path} answered {Status} in {ElapsedMs:0.0} ms")]
    private static partial void Answered(ILogger logger, string method, string host, string path, int status, double elapsedMs);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "HTTP {Method} {Host}{Path} failed ({Error}) after {ElapsedMs:0.0} ms")]
    private static partial void Failed(ILogger logger, string method, string host, string path, string error, double elapsedMs);
}
