using Microsoft.AspNetCore.Http;

namespace Tongban.Sandbox.Shanghai;

/// <summary>Shanghai answers with HTTP status codes and {"error":{"code","message"}}.</summary>
internal static class ShanghaiReply
{
    public static IResult Error(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);

    public static IResult BadRequest(string message) => Error(StatusCodes.Status400BadRequest, "bad_request", message);

    public static IResult Unauthorized(string message) => Error(StatusCodes.Status401Unauthorized, "signature", message);

    public static IResult NotFound(string what) => Error(StatusCodes.Status404NotFound, "not_found", $"no such {what}");

    public static IResult Conflict(string message) => Error(StatusCodes.Status409Conflict, "conflict", message);

    public static IResult Unavailable(string message) => Error(StatusCodes.Status503ServiceUnavailable, "unavailable", message);

    public static IResult TooManyRequests(TimeSpan retryAfter) =>
        new WithRetryAfter(Error(StatusCodes.Status429TooManyRequests, "rate_limited", "too many requests"), retryAfter);

    private sealed class WithRetryAfter(IResult inner, TimeSpan retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            // Whole seconds, never 0: a client told "retry after 0" would hammer the gateway.
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
