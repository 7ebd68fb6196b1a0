using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Tongban.Configuration;
using Tongban.Security;
using Tongban.Storage;

namespace Tongban.Api;

/// <summary>
/// Checks a partner's signed request (partner-api.md): known partner, timestamp within 300 s, a fresh
/// nonce, and the HMAC over method, path and query as sent, timestamp, nonce and body hash.
/// </summary>
public sealed partial class PartnerAuthenticator(IOptions<TongbanOptions> options, NonceStore nonces, TimeProvider time)
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(300);

    [GeneratedRegex("^[A-Za-z0-9-]{16,64}$")]
    private static partial Regex NonceShape();

    /// <summary>The header an operator names themself with, in place of <c>X-Tongban-Partner</c>; the rest of the scheme is the partners'.</summary>
    public const string OperatorHeader = "X-Tongban-Operator";

    /// <summary>The caller's member code, or the reason it is not authenticated.</summary>
    public Task<(string? Partner, string? Problem)> AuthenticateAsync(HttpRequest request, byte[] body, CancellationToken ct) =>
        AuthenticateAsync(request, body, "X-Tongban-Partner", options.Value.Partners, "Unknown partner.", nonceScope: "", ct);

    /// <summary>
    /// The operator's ID, or the reason they are not authenticated: signed as partners sign, with
    /// <c>X-Tongban-Operator</c> naming one of <c>Tongban:Operators</c>. Nonces are kept apart from the partners'.
    /// </summary>
    public Task<(string? Operator, string? Problem)> AuthenticateOperatorAsync(HttpRequest request, byte[] body, CancellationToken ct) =>
        AuthenticateAsync(request, body, OperatorHeader, options.Value.Operators, "Unknown operator.", nonceScope: NonceScope, ct);

    /// <summary>The prefix of an operator's nonce partition (a partner's is its bare code).</summary>
    public const string NonceScope = "operator-";

    private async Task<(string? Caller, string? Problem)> AuthenticateAsync(HttpRequest request, byte[] body, string callerHeader,
        Dictionary<string, PartnerOptions> callers, string unknown, string nonceScope, CancellationToken ct)
    {
        var caller = request.Headers[callerHeader].ToString();
        var timestamp = request.Headers["X-Tongban-Timestamp"].ToString();
        var nonce = request.Headers["X-Tongban-Nonce"].ToString();
        var signature = request.Headers["X-Tongban-Signature"].ToString();
        if (caller.Length == 0 || timestamp.Length == 0 || nonce.Length == 0 || signature.Length == 0)
            return (null, $"Signed requests carry {callerHeader}, X-Tongban-Timestamp, X-Tongban-Nonce and X-Tongban-Signature.");
        if (!callers.TryGetValue(caller, out var known) || string.IsNullOrEmpty(known.Secret))
            return (null, unknown);
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var millis)
            || Math.Abs(time.GetUtcNow().ToUnixTimeMilliseconds() - millis) > ClockSkew.TotalMilliseconds)
            return (null, "The timestamp is missing or more than 300 s from the hub's clock.");
        if (!NonceShape().IsMatch(nonce))
            return (null, "The nonce must be 16-64 characters of [A-Za-z0-9-].");
        if (!HmacRequestSignature.Verify(known.Secret, request.Method, PathAndQuery(request), timestamp, nonce, body, signature))
            return (null, "The signature does not match.");
        if (!await nonces.TryRecordAsync(nonceScope + caller, nonce, ct))
            return (null, "The nonce was used before.");
        return (caller, null);
    }

    /// <summary>The request target exactly as sent (the raw target when the server keeps it).</summary>
    public static string PathAndQuery(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw) && raw.StartsWith('/')) return raw;
        return request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
    }
}
