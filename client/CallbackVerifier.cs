using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Tongban.Client;

/// <summary>What a partner's endpoint learns from one status callback: whether to trust it, and if so the case and its sequence.</summary>
public sealed record CallbackCheck(bool IsValid, string? Failure, long? Sequence, CaseView? Case)
{
    internal static CallbackCheck Refused(string failure) => new(false, failure, null, null);
}

/// <summary>
/// Checks the hub's signed status callbacks on the partner's side (partner-api.md, <c>callbackUrl</c>): the hub POSTs the
/// case JSON signed as a partner request with this partner's secret, <c>X-Tongban-Partner</c> the hub's own code
/// (330000), and <c>X-Tongban-Sequence</c> counting the case's callbacks from 1. A callback is trusted when the caller is
/// the hub, the timestamp is within the tolerance of this clock, the nonce was not seen within the replay window, and the
/// signature over the path and query as received and the raw body matches. Answer 2xx only to a valid one; the hub
/// retries anything else. Apply callbacks by sequence: delivery is at least once, so one may come twice.
/// </summary>
public sealed class CallbackVerifier
{
    /// <summary>The hub's own member code, which signs callbacks.</summary>
    public const string HubCode = "330000";

    private readonly string secret;
    private readonly string hubCode;
    private readonly TimeProvider time;
    private readonly TimeSpan tolerance;
    private readonly ConcurrentDictionary<string, DateTimeOffset> seenNonces = new(StringComparer.Ordinal);

    /// <param name="partnerSecret">This partner's own secret (the one it signs requests with).</param>
    /// <param name="hubCode">The caller code callbacks carry; the hub's, 330000, unless configured otherwise.</param>
    /// <param name="time">The clock timestamps are judged by.</param>
    /// <param name="tolerance">How far a timestamp may be from this clock, either way; 300 s as the hub allows its callers.</param>
    public CallbackVerifier(string partnerSecret, string hubCode = HubCode, TimeProvider? time = null, TimeSpan? tolerance = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(partnerSecret);
        ArgumentException.ThrowIfNullOrWhiteSpace(hubCode);
        secret = partnerSecret;
        this.hubCode = hubCode;
        this.time = time ?? TimeProvider.System;
        this.tolerance = tolerance ?? TimeSpan.FromSeconds(300);
    }

    /// <summary>Checks a callback given its method, path and query as received, a header lookup and the raw body bytes.</summary>
    public CallbackCheck Verify(string method, string pathAndQuery, Func<string, string?> header, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header(TongbanSignature.PartnerHeader) != hubCode) return CallbackCheck.Refused($"{TongbanSignature.PartnerHeader} is not the hub ({hubCode}).");
        var timestamp = header(TongbanSignature.TimestampHeader);
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var millis))
            return CallbackCheck.Refused($"{TongbanSignature.TimestampHeader} is missing or not Unix milliseconds.");
        var now = time.GetUtcNow();
        var sent = DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(millis, 0, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));
        if ((now - sent).Duration() > tolerance) return CallbackCheck.Refused($"{TongbanSignature.TimestampHeader} is more than {tolerance.TotalSeconds:0} s from this clock.");
        var nonce = header(TongbanSignature.NonceHeader);
        if (nonce is not { Length: >= 16 and <= 64 } || !nonce.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            return CallbackCheck.Refused($"{TongbanSignature.NonceHeader} is missing or malformed.");
        if (!TongbanSignature.Matches(secret, method, pathAndQuery, timestamp!, nonce, body, header(TongbanSignature.SignatureHeader)))
            return CallbackCheck.Refused($"{TongbanSignature.SignatureHeader} does not match: another secret, or the request was changed.");

        // Checked after the signature, so only the hub's own nonces are remembered.
        Forget(now);
        if (!seenNonces.TryAdd(nonce, now)) return CallbackCheck.Refused($"{TongbanSignature.NonceHeader} was seen before: a replay.");
        if (!long.TryParse(header(TongbanSignature.SequenceHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) || sequence < 1)
            return CallbackCheck.Refused($"{TongbanSignature.SequenceHeader} is missing or not a count from 1.");
        try
        {
            var view = JsonSerializer.Deserialize<CaseView>(body, TongbanApiClient.Json);
            return view is null ? CallbackCheck.Refused("The body is not a case.") : new CallbackCheck(true, null, sequence, view);
        }
        catch (JsonException)
        {
            return CallbackCheck.Refused("The body is not a case.");
        }
    }

    /// <summary>Checks a callback held as an <see cref="HttpRequestMessage"/> (what a test or a forwarding proxy has).</summary>
    public async Task<CallbackCheck> VerifyAsync(HttpRequestMessage request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        var pathAndQuery = request.RequestUri is { IsAbsoluteUri: true } uri ? uri.PathAndQuery : request.RequestUri?.OriginalString ?? "/";
        return Verify(request.Method.Method, pathAndQuery,
            name => request.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null, body);
    }

    /// <summary>Nonces older than twice the tolerance cannot come back with a timestamp that passes: they are dropped.</summary>
    private void Forget(DateTimeOffset now)
    {
        foreach (var (nonce, at) in seenNonces)
        {
            if (now - at > tolerance * 2) seenNonces.TryRemove(nonce, out _);
        }
    }
}
