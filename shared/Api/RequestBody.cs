using Microsoft.AspNetCore.Http;

namespace Tongban.Api;

/// <summary>Reads a request body up to the partner API's 64 KiB limit.</summary>
public static class RequestBody
{
    public const int Limit = 64 * 1024;

    /// <summary>The body bytes, or null when it is larger than the limit.</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > Limit) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > Limit) return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type && type.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
