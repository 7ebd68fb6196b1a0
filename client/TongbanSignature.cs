using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tongban.Client;

/// <summary>
/// The request signature of partner-api.md ("Authentication: signed requests"), written from the contract alone:
/// Base64(HMAC-SHA256(secret, METHOD \n PATH_AND_QUERY \n TIMESTAMP \n NONCE \n lowercase hex SHA-256(body))).
/// The hub signs its status callbacks the same way.
/// </summary>
public static class TongbanSignature
{
    public const string PartnerHeader = "X-Tongban-Partner";
    public const string OperatorHeader = "X-Tongban-Operator";
    public const string TimestampHeader = "X-Tongban-Timestamp";
    public const string NonceHeader = "X-Tongban-Nonce";
    public const string SignatureHeader = "X-Tongban-Signature";
    public const string SequenceHeader = "X-Tongban-Sequence";
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>The lines the HMAC covers, joined by <c>\n</c>.</summary>
    public static string StringToSign(string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(method);
        return string.Join('\n', method.ToUpperInvariant(), pathAndQuery, timestamp, nonce, BodyHash(body));
    }

    /// <summary>Lowercase hex SHA-256 of the raw body bytes (the empty body hashes to <c>e3b0c442…b855</c>).</summary>
    public static string BodyHash(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    public static string Sign(string secret, string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var toSign = Encoding.UTF8.GetBytes(StringToSign(method, pathAndQuery, timestamp, nonce, body));
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), toSign));
    }

    /// <summary>Whether <paramref name="presented"/> is the signature of the request, compared in constant time.</summary>
    public static bool Matches(string secret, string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body, string? presented)
    {
        if (string.IsNullOrEmpty(presented)) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(secret, method, pathAndQuery, timestamp, nonce, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(presented));
    }

    /// <summary>Unix time in milliseconds, as <c>X-Tongban-Timestamp</c> carries it.</summary>
    public static string Timestamp(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>A fresh nonce: 32 hex characters from a cryptographic source (the contract allows 16–64 of [A-Za-z0-9-]).</summary>
    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The four headers of a signed request, in the order the contract lists them.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Headers(
        TongbanCredentials credentials, string method, string pathAndQuery, ReadOnlySpan<byte> body, DateTimeOffset at, string? nonce = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var timestamp = Timestamp(at);
        nonce ??= NewNonce();
        return
        [
            new(credentials.CallerHeader, credentials.CallerId),
            new(TimestampHeader, timestamp),
            new(NonceHeader, nonce),
            new(SignatureHeader, Sign(credentials.Secret, method, pathAndQuery, timestamp, nonce, body)),
        ];
    }
}
