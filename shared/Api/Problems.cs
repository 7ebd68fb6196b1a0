using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Tongban.Api;

/// <summary>
/// RFC 9457 problem details with the partner API's types (urn:tongban:problem:*). Every body carries a <c>traceId</c>
/// (the request's trace, else the host's request ID) so a caller can quote it; none carries an exception.
/// </summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    public static IResult Validation(IReadOnlyDictionary<string, string[]> errors) =>
        Create(400, "validation", "The request is not valid", "See errors for each field.", errors);

    /// <summary>
    /// What every failed authentication answers, partner or operator, whatever the reason: a caller learns nothing about
    /// which part was wrong (a known ID, a replayed nonce). The reason goes to the server log.
    /// </summary>
    public const string AuthenticationFailed =
        "The request is not authenticated: check the caller header, timestamp, nonce and signature (partner-api.md).";

    public static IResult Unauthenticated() => Create(401, "unauthenticated", "Not authenticated", AuthenticationFailed);

    /// <summary>An authenticated caller over its rate limit; Retry-After is whole seconds, at least 1.</summary>
    public static IResult RateLimited(TimeSpan retryAfter) =>
        Create(429, "rate-limited", "Too many requests", "This caller's rate limit is used up; retry after the time in Retry-After.",
            retryAfter: Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)));

    public static IResult Forbidden(string detail) => Create(403, "forbidden", "Forbidden", detail);

    public static IResult NotFound(string detail = "No such resource.") => Create(404, "not-found", "Not found", detail);

    public static IResult Conflict(string detail, int? retryAfterSeconds = null) =>
        Create(409, "conflict", "Conflict", detail, retryAfter: retryAfterSeconds);

    public static IResult PayloadTooLarge(int limit) => Create(413, "payload-too-large", "Payload too large", $"Bodies are limited to {limit} bytes.");

    public static IResult UnsupportedMediaType() => Create(415, "unsupported-media-type", "Unsupported media type", "Send application/json.");

    public static IResult Unavailable(string detail, int? retryAfterSeconds = null) =>
        Create(503, "unavailable", "Unavailable", detail, retryAfter: retryAfterSeconds);

    /// <summary>
    /// A defect (an unhandled exception, a status the host answers with no body): 500, or the given status for the
    /// host's own refusals (unmatched route, method not allowed, a request Kestrel refuses). The contract's list has
    /// no type for a 500: <c>urn:tongban:problem:internal</c> is added for it.
    /// </summary>
    public static IResult Internal(int status = StatusCodes.Status500InternalServerError) => status switch
    {
        StatusCodes.Status404NotFound => NotFound(),
        StatusCodes.Status405MethodNotAllowed => Create(405, "method-not-allowed", "Method not allowed", "This resource does not answer this method."),
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge(RequestBody.Limit),
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType(),
        >= 400 and < 500 => Create(status, "bad-request", "Bad request", "The request could not be read."),
        StatusCodes.Status503ServiceUnavailable => Unavailable("The hub is not answering; try again shortly."),
        // Any other status is kept as the host set it (a 502 stays a 502); below 400 a defect is a 500.
        _ => Create(status >= 500 ? status : 500, "internal", "Internal error", "The request could not be completed; quote traceId when reporting it."),
    };

    /// <summary>
    /// The answer to a request that failed: 503 with Retry-After when storage or the engine did not answer (the caller
    /// retries, with the same Idempotency-Key for an open), else null (a defect, answered 500 by the host).
    /// </summary>
    public static IResult? ForOutage(Exception error) => error switch
    {
        Azure.RequestFailedException { Status: 0 or >= 500 } or HttpRequestException
            => Unavailable("Storage or the orchestration engine is not answering; try again shortly.", retryAfterSeconds: 5),
        // A callback for a case whose orchestration has not started yet (it starts within the engine's queue visibility).
        Workflows.Dispatch.OrchestrationNotStartedException => Unavailable("The case is not ready for this result yet; send it again shortly.", retryAfterSeconds: 5),
        // The storage SDK gives up after its retries with every attempt's failure inside.
        AggregateException { InnerExceptions.Count: > 0 } all when all.InnerExceptions.All(e => ForOutage(e) is not null) => ForOutage(all.InnerExceptions[0]),
        _ => null,
    };

    private static Problem Create(int status, string type, string title, string detail,
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
        return new Problem(body, status, retryAfter);
    }

    /// <summary>The request's trace ID: the W3C trace when there is an Activity, else the host's request identifier.</summary>
    public static string TraceId(HttpContext context) =>
        Activity.Current is { } activity && activity.TraceId != default ? activity.TraceId.ToHexString() : context.TraceIdentifier;

    private sealed class Problem(Dictionary<string, object?> body, int status, int? retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (retryAfter is { } seconds) httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            var withTrace = new Dictionary<string, object?>(body) { ["traceId"] = TraceId(httpContext) };
            return Results.Json(withTrace, TongbanJson.Options, ContentType, status).ExecuteAsync(httpContext);
        }
    }
}
