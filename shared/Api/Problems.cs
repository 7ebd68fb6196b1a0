using Microsoft.AspNetCore.Http;

namespace Tongban.Api;

/// <summary>RFC 9457 problem details with the partner API's types (urn:tongban:problem:*).</summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    public static IResult Validation(IReadOnlyDictionary<string, string[]> errors) =>
        Create(400, "validation", "The request is not valid", "See errors for each field.", errors);

    public static IResult Unauthenticated(string detail) => Create(401, "unauthenticated", "Not authenticated", detail);

    public static IResult Forbidden(string detail) => Create(403, "forbidden", "Forbidden", detail);

    public static IResult NotFound(string detail = "No such resource.") => Create(404, "not-found", "Not found", detail);

    public static IResult Conflict(string detail, int? retryAfterSeconds = null) =>
        Create(409, "conflict", "Conflict", detail, retryAfter: retryAfterSeconds);

    public static IResult PayloadTooLarge(int limit) => Create(413, "payload-too-large", "Payload too large", $"Bodies are limited to {limit} bytes.");

    public static IResult UnsupportedMediaType() => Create(415, "unsupported-media-type", "Unsupported media type", "Send application/json.");

    public static IResult Unavailable(string detail, int? retryAfterSeconds = null) =>
        Create(503, "unavailable", "Unavailable", detail, retryAfter: retryAfterSeconds);

    /// <summary>
    /// The answer to a request that failed: 503 with Retry-After when storage or the engine did not answer (the caller
    /// retries, with the same Idempotency-Key for an open), else null (a defect, answered 500 by the host).
    /// </summary>
    public static IResult? ForOutage(Exception error) => error switch
    {
        Azure.RequestFailedException { Status: 0 or >= 500 } or HttpRequestException
            => Unavailable("Storage or the orchestration engine is not answering; try again shortly.", retryAfterSeconds: 5),
        // A callback for a case whose orchestration has not started yet (it starts within the engine's queue visibility).
        Workflows.Steps.OrchestrationNotStartedException => Unavailable("The case is not ready for this result yet; send it again shortly.", retryAfterSeconds: 5),
        // The storage SDK gives up after its retries with every attempt's failure inside.
        AggregateException { InnerExceptions.Count: > 0 } all when all.InnerExceptions.All(e => ForOutage(e) is not null) => ForOutage(all.InnerExceptions[0]),
        _ => null,
    };

    private static IResult Create(int status, string type, string title, string detail,
        IReadOnlyDictionary<string, string[]>? errors = null, int? retryAfter = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["type"] = "urn:tongban:problem:" + type,
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
        };
        if (errors is not null) body["errors"] = errors;
        var json = Results.Json(body, TongbanJson.Options, ContentType, status);
        return retryAfter is null ? json : new WithHeader(json, "Retry-After", retryAfter.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private sealed class WithHeader(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
