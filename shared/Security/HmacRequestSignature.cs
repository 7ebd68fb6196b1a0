using System.Security.Cryptography;
using System.Text;

namespace Tongban.Security;

/// <summary>
/// The HMAC-SHA256 request signature shared by the partner API (X-Tongban-*) and Shanghai (X-Ca-*):
/// Base64(HMAC-SHA256(secret, METHOD\nPATH_AND_QUERY\nTIMESTAMP\nNONCE\nhex(SHA-256(body)))).
/// </summary>
public static class HmacRequestSignature
{
    public static string StringToSign(string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body) =>
        string.Join('\n', method.ToUpperInvariant(), pathAndQuery, timestamp, nonce, BodyHash(body));

    public static string BodyHash(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    public static string Compute(string secret, string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body)
    {
        var toSign = Encoding.UTF8.GetBytes(StringToSign(method, pathAndQuery, timestamp, nonce, body));
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), toSign));
    }

    /// <summary>Constant-time comparison of a presented signature with the expected one.</summary>
    public static bool Verify(string secret, string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body, string? presented)
    {
        if (string.IsNullOrEmpty(presented)) return false;
        var expected = Encoding.ASCII.GetBytes(Compute(secret, method, pathAndQuery, timestamp, nonce, body));
        var given = Encoding.ASCII.GetBytes(presented);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
