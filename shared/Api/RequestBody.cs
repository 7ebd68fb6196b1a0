using System.Text.Json;
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

    /// <summary>The body as JSON, or false when it is not JSON at all.</summary>
    public static bool TryParseJson(byte[] body, out JsonElement json)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            json = document.RootElement.Clone();
            return IsText(json);
        }
        catch (JsonException)
        {
            json = default;
            return false;
        }
    }

    /// <summary>
    /// False when a string or property name is escaped into an unpaired surrogate (<c>"\ud800"</c>): valid JSON, but
    /// no text, and reading it throws. Checked once here so no handler meets it.
    /// </summary>
    private static bool IsText(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Array:
                    return element.EnumerateArray().All(IsText);
                case JsonValueKind.Object:
                    return element.EnumerateObject().All(p => p.Name is not null && IsText(p.Value));
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The 400 for a body that is not JSON.</summary>
    public static IResult NotJson() => Problems.Validation(new Dictionary<string, string[]>
    {
        ["body"] = ["The body is not valid JSON text (UTF-8, no unpaired surrogates)."],
    });

    public static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type && type.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
