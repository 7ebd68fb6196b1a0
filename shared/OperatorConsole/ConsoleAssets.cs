using System.Collections.Frozen;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Tongban.OperatorConsole;

/// <summary>One page, style sheet or script of the console: its bytes, gzipped bytes, type and ETag.</summary>
public sealed record ConsoleAsset(string Name, byte[] Content, byte[] Gzipped, string ContentType, string ETag);

/// <summary>
/// The console's static files, embedded in this assembly (<c>OperatorConsole/wwwroot</c>) and held in memory with a gzipped copy:
/// no build chain, no file system, the same bytes on both hosts.
/// </summary>
public static class ConsoleAssets
{
    private const string ResourcePrefix = "console/";

    /// <summary>
    /// Nothing but this origin's own scripts, styles and calls; no inline script or style, no framing, no plug-ins, forms only
    /// to this origin. SVG charts are drawn as DOM elements, so no <c>data:</c> or <c>blob:</c> source is needed.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'";

    public static FrozenDictionary<string, ConsoleAsset> All { get; } = Load();

    public static ConsoleAsset? Find(string path) => All.GetValueOrDefault(path.Length == 0 ? "index.html" : path);

    private static FrozenDictionary<string, ConsoleAsset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, ConsoleAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            using var zipped = new MemoryStream();
            using (var gzip = new GZipStream(zipped, CompressionLevel.SmallestSize, leaveOpen: true)) gzip.Write(content);
            var name = resource[ResourcePrefix.Length..].Replace('\\', '/');
            assets[name] = new ConsoleAsset(name, content, zipped.ToArray(), TypeOf(name), $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string TypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    /// <summary>Serves an asset: revalidated on each load (ETag, 304), gzipped when the browser takes it, under the console's headers.</summary>
    public static IResult Serve(HttpRequest request, ConsoleAsset asset) => new AssetResult(request, asset);

    /// <summary>The headers every console answer carries, pages and errors alike.</summary>
    public static void SecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }

    private sealed class AssetResult(HttpRequest request, ConsoleAsset asset) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            SecurityHeaders(response);
            response.Headers.CacheControl = "no-cache";
            response.Headers.ETag = asset.ETag;
            response.Headers.Vary = "Accept-Encoding";
            if (request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == asset.ETag)))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }

            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = asset.ContentType;
            var gzip = request.Headers.AcceptEncoding.Any(v => v is not null && v.Contains("gzip", StringComparison.OrdinalIgnoreCase));
            var body = gzip ? asset.Gzipped : asset.Content;
            if (gzip) response.Headers.ContentEncoding = "gzip";
            response.ContentLength = body.Length;
            if (!HttpMethods.IsHead(request.Method)) await response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }
}
