using System.Net.Http.Headers;
using System.Text.Json;

namespace Tongban.Client;

/// <summary>
/// An error answer of the hub: its RFC 9457 <c>application/problem+json</c> body (<c>type</c>, <c>title</c>, <c>status</c>,
/// <c>detail</c>, for validation <c>errors</c> by field path, and the <c>traceId</c> to quote). Each problem type of the
/// contract has its own subclass, so callers catch what they handle; an answer that is not problem+json (a proxy's 502)
/// keeps its status with type <c>about:blank</c>.
/// </summary>
public class TongbanProblemException : Exception
{
    public const string TypePrefix = "urn:tongban:problem:";

    public TongbanProblemException() : this(new ProblemDetails("about:blank", "Error", 0, null, null, null, null))
    {
    }

    public TongbanProblemException(string message) : this(new ProblemDetails("about:blank", message, 0, null, null, null, null))
    {
    }

    public TongbanProblemException(string message, Exception innerException) : base(message, innerException) =>
        Problem = new ProblemDetails("about:blank", message, 0, null, null, null, null);

    public TongbanProblemException(ProblemDetails problem) : base(Describe(problem)) => Problem = problem;

    public ProblemDetails Problem { get; }

    /// <summary>The full type, e.g. <c>urn:tongban:problem:validation</c>.</summary>
    public string Type => Problem.Type;

    /// <summary>The part after <see cref="TypePrefix"/> (<c>validation</c>), or the full type when it is not the hub's.</summary>
    public string Kind => Problem.Type.StartsWith(TypePrefix, StringComparison.Ordinal) ? Problem.Type[TypePrefix.Length..] : Problem.Type;

    public string Title => Problem.Title;

    public int Status => Problem.Status;

    public string? Detail => Problem.Detail;

    /// <summary>Field path (dotted camelCase, <c>[i]</c> for items; a query parameter or header by its name) to messages.</summary>
    public IReadOnlyDictionary<string, string[]> Errors => Problem.Errors ?? new Dictionary<string, string[]>();

    public string? TraceId => Problem.TraceId;

    /// <summary>The wait the hub asked for, when it asked (429, 503, 409 in flight).</summary>
    public TimeSpan? RetryAfter => Problem.RetryAfter;

    /// <summary>Reads an error answer into the exception for its problem type.</summary>
    public static async Task<TongbanProblemException> FromResponseAsync(HttpResponseMessage response, TimeProvider? time = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = response.Content is null ? "" : await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var retryAfter = RetryHandler.RetryAfter(response.Headers.RetryAfter, (time ?? TimeProvider.System).GetUtcNow());
        return From((int)response.StatusCode, response.Content?.Headers.ContentType, text, retryAfter);
    }

    /// <summary>The exception for one answer: status, content type, body text and Retry-After.</summary>
    public static TongbanProblemException From(int status, MediaTypeHeaderValue? contentType, string body, TimeSpan? retryAfter = null)
    {
        var problem = Parse(status, contentType, body, retryAfter);
        return problem.Type switch
        {
            TypePrefix + "validation" => new TongbanValidationException(problem),
            TypePrefix + "unauthenticated" => new TongbanUnauthenticatedException(problem),
            TypePrefix + "forbidden" => new TongbanForbiddenException(problem),
            TypePrefix + "not-found" => new TongbanNotFoundException(problem),
            TypePrefix + "conflict" => new TongbanConflictException(problem),
            TypePrefix + "rate-limited" => new TongbanRateLimitedException(problem),
            TypePrefix + "unavailable" => new TongbanUnavailableException(problem),
            _ => new TongbanProblemException(problem),
        };
    }

    private static ProblemDetails Parse(int status, MediaTypeHeaderValue? contentType, string body, TimeSpan? retryAfter)
    {
        var fallback = new ProblemDetails("about:blank", $"HTTP {status}", status, null, null, null, retryAfter);
        if (contentType?.MediaType is not ("application/problem+json" or "application/json") || string.IsNullOrWhiteSpace(body)) return fallback;
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return fallback;
            Dictionary<string, string[]>? errors = null;
            if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
            {
                errors = e.EnumerateObject().ToDictionary(
                    p => p.Name,
                    p => p.Value.ValueKind == JsonValueKind.Array
                        ? p.Value.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : m.GetRawText()).ToArray()
                        : [p.Value.ToString()],
                    StringComparer.Ordinal);
            }

            return new ProblemDetails(
                Text(root, "type") ?? "about:blank",
                Text(root, "title") ?? fallback.Title,
                root.TryGetProperty("status", out var s) && s.TryGetInt32(out var n) ? n : status,
                Text(root, "detail"), errors, Text(root, "traceId"), retryAfter);
        }
        catch (JsonException)
        {
            return fallback;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Describe(ProblemDetails problem)
    {
        var text = $"{problem.Status} {problem.Title}";
        if (problem.Detail is { Length: > 0 } detail) text += $": {detail}";
        if (problem.Errors is { Count: > 0 } errors) text += " (" + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")) + ")";
        return text;
    }
}

/// <summary>The body of a problem+json answer, and the <c>Retry-After</c> it came with.</summary>
public sealed record ProblemDetails(
    string Type, string Title, int Status, string? Detail, IReadOnlyDictionary<string, string[]>? Errors, string? TraceId, TimeSpan? RetryAfter);

/// <summary>400 <c>validation</c>: <see cref="TongbanProblemException.Errors"/> lists every field's problems; nothing was created.</summary>
public sealed class TongbanValidationException(ProblemDetails problem) : TongbanProblemException(problem);

/// <summary>401 <c>unauthenticated</c>: caller, timestamp (the clock within 300 s), nonce or signature refused.</summary>
public sealed class TongbanUnauthenticatedException(ProblemDetails problem) : TongbanProblemException(problem);

/// <summary>403 <c>forbidden</c>: the case is known to the caller but this act is not the caller's.</summary>
public sealed class TongbanForbiddenException(ProblemDetails problem) : TongbanProblemException(problem);

/// <summary>404 <c>not-found</c>: no such case for this caller (existence is not revealed).</summary>
public sealed class TongbanNotFoundException(ProblemDetails problem) : TongbanProblemException(problem);

/// <summary>409 <c>conflict</c>: the key reused with another body, a step not waiting, a case past withdrawal, or still in flight after the retries.</summary>
public sealed class TongbanConflictException(ProblemDetails problem) : TongbanProblemException(problem);

/// <summary>429 <c>rate-limited</c>, still after the retries (or with a Retry-After longer than they wait).</summary>
public sealed class TongbanRateLimitedException(ProblemDetails problem) : TongbanProblemException(problem);

/// <summary>503 <c>unavailable</c>, still after the retries: storage or the engine did not answer.</summary>
public sealed class TongbanUnavailableException(ProblemDetails problem) : TongbanProblemException(problem);
