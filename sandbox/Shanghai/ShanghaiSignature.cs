using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Tongban.Sandbox.Shanghai;

/// <summary>
/// Shanghai's X-Ca-* request signature: HMAC-SHA256 over method, path and query as sent, timestamp, nonce and the
/// body's hash; timestamps more than 300 s off and reused nonces are refused.
/// </summary>
internal sealed class ShanghaiSignature(ShanghaiCredentials credentials, TimeProvider time)
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(300);
    private const string BodyItem = "Tongban.Sandbox.Shanghai.Body";

    private readonly ReplayGuard _nonces = new(time, Tolerance);

    /// <summary>The body bytes the signature covered, read once by <see cref="VerifyAsync"/>.</summary>
    public static byte[] Body(HttpContext context) => context.Items[BodyItem] as byte[] ?? [];

    public async ValueTask<IResult?> VerifyAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        context.Items[BodyItem] = body;

        var key = request.Headers[ShanghaiWire.KeyHeader].ToString();
        var timestamp = request.Headers[ShanghaiWire.TimestampHeader].ToString();
        var nonce = request.Headers[ShanghaiWire.NonceHeader].ToString();
        var signature = request.Headers[ShanghaiWire.SignatureHeader].ToString();
        if (key.Length == 0 || timestamp.Length == 0 || nonce.Length == 0 || signature.Length == 0)
        {
            return ShanghaiReply.Unauthorized("X-Ca-Key, X-Ca-Timestamp, X-Ca-Nonce and X-Ca-Signature are required");
        }
        if (key != credentials.AppKey) return ShanghaiReply.Unauthorized("unknown X-Ca-Key");
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds))
        {
            return ShanghaiReply.Unauthorized("X-Ca-Timestamp is not Unix milliseconds");
        }
        if (!_nonces.IsFresh(DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)))
        {
            return ShanghaiReply.Unauthorized("X-Ca-Timestamp is more than 300 s off");
        }
        // The signature covers the target as the client sent it, before any decoding.
        var pathAndQuery = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw
            : request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        if (!ShanghaiWire.Verify(credentials.AppSecret, request.Method, pathAndQuery, timestamp, nonce, body, signature))
        {
            return ShanghaiReply.Unauthorized("X-Ca-Signature does not match");
        }
        return _nonces.TryUse(nonce) ? null : ShanghaiReply.Unauthorized("X-Ca-Nonce was already used");
    }
}
