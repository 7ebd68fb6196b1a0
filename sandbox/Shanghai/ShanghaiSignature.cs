using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Tongban.Security;

namespace Tongban.Sandbox.Shanghai;

/// <summary>
/// Shanghai's X-Ca-* request signature: HMAC-SHA256 over method, path and query as sent, timestamp, nonce and the
/// body's hash; timestamps more than 300 s off and reused nonces are refused.
/// </summary>
internal sealed class ShanghaiSignature(ShanghaiCredentials credentials, TimeProvider time)
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(300);
    private const string BodyItem = "Tongban.Sandbox.Shanghai.Body";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _nonces = new(StringComparer.Ordinal);
    private DateTimeOffset _lastPurge = DateTimeOffset.MinValue;

    /// <summary>The body bytes the signature covered, read once by <see cref="VerifyAsync"/>.</summary>
    public static byte[] Body(HttpContext context) => context.Items[BodyItem] as byte[] ?? [];

    public async ValueTask<IResult?> VerifyAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        context.Items[BodyItem] = body;

        var key = request.Headers["X-Ca-Key"].ToString();
        var timestamp = request.Headers["X-Ca-Timestamp"].ToString();
        var nonce = request.Headers["X-Ca-Nonce"].ToString();
        var signature = request.Headers["X-Ca-Signature"].ToString();
        if (key.Length == 0 || timestamp.Length == 0 || nonce.Length == 0 || signature.Length == 0)
        {
            return ShanghaiReply.Unauthorized("X-Ca-Key, X-Ca-Timestamp, X-Ca-Nonce and X-Ca-Signature are required");
        }
        if (key != credentials.AppKey) return ShanghaiReply.Unauthorized("unknown X-Ca-Key");
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds))
        {
            return ShanghaiReply.Unauthorized("X-Ca-Timestamp is not Unix milliseconds");
        }
        var now = time.GetUtcNow();
        if ((now - DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)).Duration() > Tolerance)
        {
            return ShanghaiReply.Unauthorized("X-Ca-Timestamp is more than 300 s off");
        }
        // The signature covers the target as the client sent it, before any decoding.
        var pathAndQuery = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw
            : request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        if (!HmacRequestSignature.Verify(credentials.AppSecret, request.Method, pathAndQuery, timestamp, nonce, body, signature))
        {
            return ShanghaiReply.Unauthorized("X-Ca-Signature does not match");
        }
        lock (_gate)
        {
            PurgeOldNonces(now);
            if (!_nonces.TryAdd(nonce, now)) return ShanghaiReply.Unauthorized("X-Ca-Nonce was already used");
        }
        return null;
    }

    // A nonce older than twice the tolerance cannot come back with an acceptable timestamp.
    private void PurgeOldNonces(DateTimeOffset now)
    {
        if (now - _lastPurge < Tolerance) return;
        _lastPurge = now;
        foreach (var (nonce, seenAt) in _nonces.ToList())
        {
            if (now - seenAt > 2 * Tolerance) _nonces.Remove(nonce);
        }
    }
}
