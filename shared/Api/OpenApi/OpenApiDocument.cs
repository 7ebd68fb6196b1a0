using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Tongban.Api.OpenApi;

/// <summary>
/// The hand-written OpenAPI 3.1 document (<c>tongban.openapi.json</c>, embedded), served anonymously by both hosts at
/// <c>GET /api/v1/openapi.json</c> with a strong ETag, so a client's tools can keep it and ask only whether it changed.
/// Tests keep it true: every route is in it and nothing else, and every end-to-end request and answer validates against it.
/// </summary>
public static class OpenApiDocument
{
    public const string ResourceName = "Tongban.Api.OpenApi.tongban.openapi.json";

    /// <summary>How long a client may use its copy without asking again: the document changes only with a deployment.</summary>
    public const string CacheControl = "public, max-age=300";

    private static readonly Lazy<byte[]> Bytes = new(Load);
    private static readonly Lazy<string> Tag = new(() => $"\"{Convert.ToHexStringLower(SHA256.HashData(Bytes.Value))[..32]}\"");

    /// <summary>The document's UTF-8 bytes, as served.</summary>
    public static ReadOnlyMemory<byte> Content => Bytes.Value;

    /// <summary>The document's strong ETag: the first 128 bits of its SHA-256, quoted.</summary>
    public static string ETag => Tag.Value;

    /// <summary>200 with the document, or 304 when the request's If-None-Match names its ETag (or <c>*</c>).</summary>
    public static IResult Serve(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var unchanged = EntityTagHeaderValue.TryParseList(request.Headers.IfNoneMatch, out var tags)
            && tags.Any(t => t.Tag == "*" || t.Tag == ETag);
        return new Document(unchanged);
    }

    private static byte[] Load()
    {
        using var stream = typeof(OpenApiDocument).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private sealed class Document(bool unchanged) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.Headers.ETag = ETag;
            response.Headers.CacheControl = CacheControl;
            if (unchanged)
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return Task.CompletedTask;
            }

            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            response.ContentLength = Bytes.Value.Length;
            return response.Body.WriteAsync(Bytes.Value, httpContext.RequestAborted).AsTask();
        }
    }
}
