using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Tongban.Configuration;

namespace Tongban.OperatorConsole;

/// <summary>An operator's console session as read from its cookie: who, its ID, when it began and when it lapses.</summary>
public sealed record ConsoleSession(string OperatorId, string SessionId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// Console sessions, stateless and signed: the cookie <c>tongban_session</c> holds the operator, a random session ID, when it was
/// issued and when it lapses, with an HMAC-SHA256 under a key derived from that operator's own secret. Stateless because the hub
/// runs as any number of instances (Functions scale out) and the console polls: no table read per request, nothing to purge, and
/// changing or removing an operator's secret ends every session of theirs at once. The cost, said in the README: sign-out clears
/// the browser's cookie but cannot revoke a copy of it before its idle expiry (short, and the cookie is HttpOnly and SameSite=Strict).
/// The CSRF token is an HMAC of the session ID under the same key: a page gets it at sign-in and sends it as <c>X-Tongban-Csrf</c>
/// with every unsafe request; another site can neither read nor compute it.
/// </summary>
public sealed class ConsoleSessions(IOptions<TongbanOptions> options, TimeProvider time)
{
    public const string CookieName = "tongban_session";
    public const string CsrfHeader = "X-Tongban-Csrf";
    private const string Version = "v1";

    private ConsoleOptions Settings => options.Value.Console;

    /// <summary>A new session for an operator whose secret was just checked, and its CSRF token.</summary>
    public (ConsoleSession Session, string Csrf) Begin(string operatorId)
    {
        var now = time.GetUtcNow();
        var session = new ConsoleSession(operatorId, Base64Url(RandomNumberGenerator.GetBytes(16)), now, Lapse(now, now));
        return (session, Csrf(session)!);
    }

    /// <summary>The session the request's cookie holds, when it is well signed by a configured operator and has not lapsed.</summary>
    public ConsoleSession? Read(HttpRequest request) =>
        request.Cookies.TryGetValue(CookieName, out var value) && value is not null ? Open(value) : null;

    /// <summary>The session a cookie value holds, or null (malformed, forged, its operator gone or re-keyed, lapsed).</summary>
    public ConsoleSession? Open(string value)
    {
        var parts = value.Split('.');
        if (parts.Length != 6 || parts[0] != Version) return null;
        string operatorId;
        try
        {
            operatorId = Encoding.UTF8.GetString(FromBase64Url(parts[1]));
        }
        catch (FormatException)
        {
            return null;
        }

        if (Key(operatorId) is not { } key) return null;
        var expected = Encoding.ASCII.GetBytes(Mac(key, string.Join('.', parts[..5])));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[5]))) return null;
        if (!long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var issued)
            || !long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)) return null;
        var session = new ConsoleSession(operatorId, parts[2], DateTimeOffset.FromUnixTimeSeconds(issued), DateTimeOffset.FromUnixTimeSeconds(expires));
        var now = time.GetUtcNow();
        // Both limits are checked here, not only in the cookie's expiry: a browser's clock or a copied cookie decides nothing.
        return now < session.ExpiresAt && now < session.IssuedAt + Settings.SessionLifetime ? session : null;
    }

    /// <summary>The session moved on by a request (sliding idle expiry, never past its lifetime).</summary>
    public ConsoleSession Slide(ConsoleSession session) => session with { ExpiresAt = Lapse(session.IssuedAt, time.GetUtcNow()) };

    /// <summary>The CSRF token of a session, or null when its operator is no longer configured.</summary>
    public string? Csrf(ConsoleSession session) => Key(session.OperatorId) is { } key ? Mac(key, "csrf." + session.SessionId) : null;

    /// <summary>True when an unsafe request carries its session's CSRF token.</summary>
    public bool CsrfHolds(HttpRequest request, ConsoleSession session)
    {
        var sent = request.Headers[CsrfHeader].ToString();
        return Csrf(session) is { } expected && sent.Length > 0
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(sent));
    }

    /// <summary>Sets the session cookie: HttpOnly, SameSite=Strict, path <c>/api</c>, Secure except over plain HTTP on loopback.</summary>
    public void Write(HttpResponse response, ConsoleSession session)
    {
        var key = Key(session.OperatorId) ?? throw new InvalidOperationException("The session's operator is not configured.");
        var body = string.Join('.', Version, Base64Url(Encoding.UTF8.GetBytes(session.OperatorId)), session.SessionId,
            session.IssuedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), session.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        response.Cookies.Append(CookieName, body + "." + Mac(key, body), CookieOptions(response.HttpContext.Request, session.ExpiresAt));
    }

    /// <summary>Clears the session cookie (sign-out).</summary>
    public static void Clear(HttpResponse response) =>
        response.Cookies.Delete(CookieName, CookieOptions(response.HttpContext.Request, DateTimeOffset.UnixEpoch));

    /// <summary>
    /// Plain HTTP is tolerated on loopback only (the devhost): anywhere else the cookie is Secure, so a browser never sends it in
    /// clear; behind a TLS-terminating front end (App Service) the request reaches the app as HTTP from a non-loopback peer.
    /// </summary>
    public static bool IsLoopbackHttp(HttpRequest request) =>
        !request.IsHttps && request.HttpContext.Connection.RemoteIpAddress is { } peer && IPAddress.IsLoopback(peer)
        && (request.Host.Host is "localhost" || (IPAddress.TryParse(request.Host.Host.Trim('[', ']'), out var host) && IPAddress.IsLoopback(host)));

    private static CookieOptions CookieOptions(HttpRequest request, DateTimeOffset expires) => new()
    {
        HttpOnly = true,
        Secure = !IsLoopbackHttp(request),
        SameSite = SameSiteMode.Strict,
        Path = "/" + Api.ApiRoutes.Prefix,
        Expires = expires,
        IsEssential = true,
    };

    private DateTimeOffset Lapse(DateTimeOffset issued, DateTimeOffset now)
    {
        var idle = now + Settings.SessionIdle;
        var end = issued + Settings.SessionLifetime;
        return idle < end ? idle : end;
    }

    /// <summary>The operator's session key, derived from their secret (HMAC with a fixed label), or null when they are not configured.</summary>
    private byte[]? Key(string operatorId) =>
        options.Value.Operators.TryGetValue(operatorId, out var configured) && !string.IsNullOrEmpty(configured.Secret)
            ? HMACSHA256.HashData(Encoding.UTF8.GetBytes(configured.Secret), "tongban-console-session-v1"u8)
            : null;

    private static string Mac(byte[] key, string text) => Base64Url(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }
}
