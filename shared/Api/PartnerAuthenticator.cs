using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tongban.Configuration;
using Tongban.Security;
using Tongban.Storage;

namespace Tongban.Api;

/// <summary>
/// Checks a partner's signed request (partner-api.md): known partner, timestamp within 300 s, a fresh
/// nonce, and the HMAC over method, path and query as sent, timestamp, nonce and body hash. Every refusal
/// answers the same 401 (<see cref="Problems.AuthenticationFailed"/>); the reason goes to the log.
/// </summary>
public sealed partial class PartnerAuthenticator(
    IOptions<TongbanOptions> options, NonceStore nonces, PartnerRateLimits limits, TimeProvider time, ILogger<PartnerAuthenticator> logger,
    OperatorConsole.ConsoleSessions sessions)
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(300);

    [GeneratedRegex("^[A-Za-z0-9-]{16,64}$")]
    private static partial Regex NonceShape();

    public const string PartnerHeader = "X-Tongban-Partner";

    /// <summary>The header an operator names themself with, in place of <c>X-Tongban-Partner</c>; the rest of the scheme is the partners'.</summary>
    public const string OperatorHeader = "X-Tongban-Operator";

    /// <summary>
    /// The caller's member code, or the problem to answer: 401 for any authentication failure, 429 when the partner is
    /// over its rate limit. The limit is taken after the signature holds (a stranger cannot spend a partner's budget)
    /// and before the nonce is recorded: a refused request stores nothing and may be sent again as it was.
    /// </summary>
    public Task<(string? Partner, IResult? Problem)> AuthenticateAsync(HttpRequest request, byte[] body, CancellationToken ct) =>
        AuthenticateAsync(request, body, PartnerHeader, options.Value.Partners, nonceScope: "", limits.TryAcquire, ct);

    /// <summary>
    /// The operator's ID, or the 401 to answer: signed as partners sign, with <c>X-Tongban-Operator</c> naming one of
    /// <c>Tongban:Operators</c>. Nonces are kept apart from the partners'. Operators have no rate limit: a handful of
    /// people whose calls an incident must never wait on.
    /// </summary>
    /// <remarks>
    /// A request that names no operator but carries a console session cookie is authenticated by the session instead (the
    /// console's pages): valid, not lapsed, and for any unsafe method carrying the session's CSRF token; its expiry slides.
    /// </remarks>
    public Task<(string? Operator, IResult? Problem)> AuthenticateOperatorAsync(HttpRequest request, byte[] body, CancellationToken ct) =>
        request.Headers.ContainsKey(OperatorHeader) || !request.Cookies.ContainsKey(OperatorConsole.ConsoleSessions.CookieName)
            ? AuthenticateAsync(request, body, OperatorHeader, options.Value.Operators, nonceScope: NonceScope, rateLimit: null, ct)
            : Task.FromResult(AuthenticateSession(request));

    private (string? Operator, IResult? Problem) AuthenticateSession(HttpRequest request)
    {
        const string label = "cookie " + OperatorConsole.ConsoleSessions.CookieName;
        if (sessions.Read(request) is not { } session) return Refused(label, null, "the console session is malformed, forged, lapsed or its operator's secret changed");
        var safe = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        if (!safe && !sessions.CsrfHolds(request, session))
            return Refused(label, session.OperatorId, $"an unsafe request lacks its session's CSRF token ({OperatorConsole.ConsoleSessions.CsrfHeader})");
        sessions.Write(request.HttpContext.Response, sessions.Slide(session));
        return (session.OperatorId, null);
    }

    /// <summary>The prefix of an operator's nonce partition (a partner's is its bare code).</summary>
    public const string NonceScope = "operator-";

    /// <summary>
    /// For a partner's request that only reads: authenticates it as <see cref="AuthenticateAsync(HttpRequest, byte[], CancellationToken)"/>
    /// does and runs <paramref name="read"/> for the partner while the nonce is recorded, instead of after it: one storage round
    /// trip sooner. The answer is given only once the nonce is recorded; a nonce used before gets the same 401, and nothing read.
    /// </summary>
    public async Task<IResult> AnswerReadAsync(HttpRequest request, byte[] body, Func<string, Task<IResult>> read, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(read);
        var (caller, problem, nonce) = Verify(request, body, PartnerHeader, options.Value.Partners, limits.TryAcquire);
        if (caller is null) return problem!;
        var recording = nonces.TryRecordAsync(caller, nonce, ct);
        var reading = read(caller);
        try
        {
            await Task.WhenAll(recording, reading);
        }
        catch (Exception) when (recording.IsCompletedSuccessfully && !recording.Result)
        {
            // A replay: what the read met is not the answer.
        }

        return await recording ? await reading : Refused(PartnerHeader, caller, "the nonce was used before").Item2!;
    }

    private async Task<(string? Caller, IResult? Problem)> AuthenticateAsync(HttpRequest request, byte[] body, string callerHeader,
        Dictionary<string, PartnerOptions> callers, string nonceScope, Func<string, TimeSpan?>? rateLimit, CancellationToken ct)
    {
        var (caller, problem, nonce) = Verify(request, body, callerHeader, callers, rateLimit);
        if (caller is null) return (null, problem);
        if (!await nonces.TryRecordAsync(nonceScope + caller, nonce, ct))
            return Refused(callerHeader, caller, "the nonce was used before");
        return (caller, null);
    }

    /// <summary>Every check of a signed request but its nonce's freshness: the caller and the nonce to record, or the problem to answer.</summary>
    private (string? Caller, IResult? Problem, string Nonce) Verify(HttpRequest request, byte[] body, string callerHeader,
        Dictionary<string, PartnerOptions> callers, Func<string, TimeSpan?>? rateLimit)
    {
        (string?, IResult?, string) No((string?, IResult?) refused) => (null, refused.Item2, "");
        var caller = request.Headers[callerHeader].ToString();
        var timestamp = request.Headers["X-Tongban-Timestamp"].ToString();
        var nonce = request.Headers["X-Tongban-Nonce"].ToString();
        var signature = request.Headers["X-Tongban-Signature"].ToString();
        if (caller.Length == 0 || timestamp.Length == 0 || nonce.Length == 0 || signature.Length == 0)
            return No(Refused(callerHeader, null, "a signature header is missing"));
        // The header's value is the caller's to choose: only a configured ID is ever logged.
        if (!callers.TryGetValue(caller, out var known) || string.IsNullOrEmpty(known.Secret))
            return No(Refused(callerHeader, null, "the caller is not configured"));
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var millis)
            || Math.Abs(time.GetUtcNow().ToUnixTimeMilliseconds() - millis) > ClockSkew.TotalMilliseconds)
            return No(Refused(callerHeader, caller, "the timestamp is unreadable or more than 300 s from the hub's clock"));
        if (!NonceShape().IsMatch(nonce))
            return No(Refused(callerHeader, caller, "the nonce is not 16-64 characters of [A-Za-z0-9-]"));
        if (!HmacRequestSignature.Verify(known.Secret, request.Method, PathAndQuery(request), timestamp, nonce, body, signature))
            return No(Refused(callerHeader, caller, "the signature does not match"));
        if (rateLimit?.Invoke(caller) is { } retryAfter)
        {
            // Information, not Warning: a partner's burst must not flood the log it is read in.
            OverRateLimit(logger, caller, retryAfter);
            return (null, Problems.RateLimited(retryAfter), "");
        }

        return (caller, null, nonce);
    }

    private (string?, IResult?) Refused(string callerHeader, string? knownCaller, string reason)
    {
        SignedRequestRefused(logger, callerHeader, knownCaller ?? "unknown", reason);
        return (null, Problems.Unauthenticated());
    }

    /// <summary>The request target exactly as sent (the raw target when the server keeps it).</summary>
    public static string PathAndQuery(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw) && raw.StartsWith('/')) return raw;
        return request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Partner {Partner} is over its rate limit; answered 429 with Retry-After {RetryAfter}")]
    private static partial void OverRateLimit(ILogger logger, string partner, TimeSpan retryAfter);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Signed request refused ({CallerHeader} {Caller}): {Reason}")]
    private static partial void SignedRequestRefused(ILogger logger, string callerHeader, string caller, string reason);
}
