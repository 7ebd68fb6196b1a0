using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tongban.Api;
using Tongban.Configuration;

namespace Tongban.OperatorConsole;

/// <summary>
/// The operator console: its pages (<c>/api/console/…</c>, static, anonymous: they hold no data) and its session
/// (<c>/api/v1/operator/session</c>): sign-in with an operator's ID and secret for a session cookie and a CSRF token, the
/// session's own view, sign-out. Everything the pages show comes from the operator API, authenticated by that cookie.
/// </summary>
public sealed partial class ConsoleApi(
    IOptions<TongbanOptions> options, ConsoleSessions sessions, SignInThrottle throttle, ILogger<ConsoleApi> logger)
{
    private const int MaxOperatorIdLength = 64;
    private const int MaxSecretLength = 512;

    /// <summary><c>GET /api/console/{*path}</c>: a console file; <c>/api/console</c> itself moves to <c>/api/console/</c> so relative links resolve.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "One of ConsoleApi's endpoints, called on the instance the hosts resolve like the others")]
    public IResult Page(HttpRequest request, string path)
    {
        if (path.Length == 0 && !request.Path.Value!.EndsWith('/')) return Results.Redirect(request.PathBase + request.Path + "/" + request.QueryString);
        return ConsoleAssets.Find(path) is { } asset ? ConsoleAssets.Serve(request, asset) : Problems.NotFound("No such console page.");
    }

    /// <summary>
    /// <c>POST /api/v1/operator/session</c> <c>{"operatorId", "secret"}</c>: the session cookie and <c>{"operatorId", "csrf",
    /// "expiresAt"}</c>; 401 for a wrong ID or secret (logged without the secret), 429 once the address or the operator has
    /// failed <c>MaxFailedSignIns</c> times in the window.
    /// </summary>
    public async Task<IResult> SignInAsync(HttpRequest request)
    {
        var body = await RequestBody.ReadAsync(request, request.HttpContext.RequestAborted);
        if (body is null) return Problems.PayloadTooLarge(RequestBody.Limit);
        if (!RequestBody.IsJson(request)) return Problems.UnsupportedMediaType();
        if (!RequestBody.TryParseJson(body, out var json)) return RequestBody.NotJson();
        if (json.ValueKind != JsonValueKind.Object) return Problems.Validation(new Dictionary<string, string[]> { ["body"] = ["Must be a JSON object."] });
        var errors = new Cases.Validation.ValidationErrors();
        var operatorId = Field(json, "operatorId", MaxOperatorIdLength, errors);
        var secret = Field(json, "secret", MaxSecretLength, errors);
        if (!errors.IsEmpty) return Problems.Validation(errors.ToDictionary());

        var address = request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var configured = options.Value.Operators.TryGetValue(operatorId!, out var known) && !string.IsNullOrEmpty(known.Secret);
        // An unconfigured ID is counted under the address alone: a stranger's guesses cannot fill memory with made-up IDs.
        string[] keys = configured ? ["address:" + address, "operator:" + operatorId] : ["address:" + address];
        if (throttle.RetryAfter(keys) is { } wait)
        {
            SignInRefused(logger, address, configured ? operatorId : "unknown", "too many failed sign-ins");
            return Problems.RateLimited(wait);
        }

        if (!configured || !SecretMatches(known!.Secret, secret!))
        {
            throttle.Failed(keys);
            SignInRefused(logger, address, configured ? operatorId : "unknown", configured ? "wrong secret" : "no such operator");
            return Problems.Unauthenticated();
        }

        var (session, csrf) = sessions.Begin(operatorId!);
        sessions.Write(request.HttpContext.Response, session);
        SignedIn(logger, operatorId, address);
        return Results.Json(new { operatorId, csrf, session.ExpiresAt }, TongbanJson.Options);
    }

    /// <summary><c>GET /api/v1/operator/session</c>: the signed-in operator and the session's CSRF token (a reloaded page asks); 401 without a session.</summary>
    public IResult Current(HttpRequest request)
    {
        if (sessions.Read(request) is not { } session || sessions.Csrf(session) is not { } csrf) return Problems.Unauthenticated();
        var slid = sessions.Slide(session);
        sessions.Write(request.HttpContext.Response, slid);
        return Results.Json(new { operatorId = session.OperatorId, csrf, slid.ExpiresAt }, TongbanJson.Options);
    }

    /// <summary><c>DELETE /api/v1/operator/session</c>: clears the cookie (204). With a live session the CSRF token is required, as for every unsafe request.</summary>
    public IResult SignOut(HttpRequest request)
    {
        if (sessions.Read(request) is { } session)
        {
            if (!sessions.CsrfHolds(request, session))
            {
                SignOutRefused(logger, session.OperatorId);
                return Problems.Unauthenticated();
            }

            SignedOut(logger, session.OperatorId);
        }

        ConsoleSessions.Clear(request.HttpContext.Response);
        return Results.NoContent();
    }

    private static bool SecretMatches(string expected, string given) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));

    private static string? Field(JsonElement json, string name, int maxLength, Cases.Validation.ValidationErrors errors)
    {
        if (!json.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } text)
        {
            errors.Add(name, "Required: a non-empty string.");
            return null;
        }

        if (text.Length > maxLength) errors.Add(name, $"At most {maxLength} characters.");
        return text;
    }

    [LoggerMessage(EventId = 1050, Level = LogLevel.Warning, Message = "Console sign-in refused from {Address} for operator {Operator}: {Reason}")]
    private static partial void SignInRefused(ILogger logger, string address, string? @operator, string reason);

    [LoggerMessage(EventId = 1051, Level = LogLevel.Information, Message = "Operator {Operator} signed in to the console from {Address}")]
    private static partial void SignedIn(ILogger logger, string? @operator, string address);

    [LoggerMessage(EventId = 1052, Level = LogLevel.Warning, Message = "Console sign-out refused for operator {Operator}: no CSRF token")]
    private static partial void SignOutRefused(ILogger logger, string @operator);

    [LoggerMessage(EventId = 1053, Level = LogLevel.Information, Message = "Operator {Operator} signed out of the console")]
    private static partial void SignedOut(ILogger logger, string @operator);
}
