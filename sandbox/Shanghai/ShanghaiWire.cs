using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tongban.Sandbox.Shanghai;

/// <summary>
/// Shanghai's X-Ca-* signature as shanghai.md gives it, written here apart from the hub's code so that the two
/// sides check each other: Base64(HMAC-SHA256(appSecret, METHOD\nPATH_AND_QUERY\nTIMESTAMP\nNONCE\n + lowercase
/// hex SHA-256 of the body bytes)). Requests to the API and Shanghai's callbacks to the hub are signed alike.
/// </summary>
internal static class ShanghaiWire
{
    public const string KeyHeader = "X-Ca-Key";
    public const string TimestampHeader = "X-Ca-Timestamp";
    public const string NonceHeader = "X-Ca-Nonce";
    public const string SignatureHeader = "X-Ca-Signature";

    /// <summary>The text the HMAC covers; the method in capitals, the path and query as sent.</summary>
    public static string StringToSign(string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body)
    {
        var text = new StringBuilder();
        foreach (var line in (ReadOnlySpan<string>)[method.ToUpperInvariant(), pathAndQuery, timestamp, nonce])
        {
            text.Append(line).Append('\n');
        }
        foreach (var b in SHA256.HashData(body)) text.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        return text.ToString();
    }

    public static string Sign(string secret, string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(StringToSign(method, pathAndQuery, timestamp, nonce, body))));
    }

    /// <summary>True when <paramref name="presented"/> is the signature of this request (constant-time).</summary>
    public static bool Verify(
        string secret, string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body, string presented)
    {
        var expected = Encoding.ASCII.GetBytes(Sign(secret, method, pathAndQuery, timestamp, nonce, body));
        return presented.Length > 0 && CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(presented));
    }
}
