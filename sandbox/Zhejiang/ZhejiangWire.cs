using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Tongban.Sandbox.Zhejiang;

/// <summary>
/// Zhejiang's signs as zhejiang.md gives them, written here apart from the hub's adapter so that the two sides
/// check each other: lowercase hex MD5 of the concatenated strings, for a token and for a call.
/// </summary>
internal static class ZhejiangWire
{
    /// <summary>POST /zj/gateway/token: MD5(appKey + appSecret + requestTime).</summary>
    public static string TokenSign(string appKey, string appSecret, string requestTime) => Md5Hex(appKey + appSecret + requestTime);

    /// <summary>POST /zj/gateway/api/{serviceCode}: MD5(appKey + requestSecret + requestTime).</summary>
    public static string CallSign(string appKey, string requestSecret, string requestTime) => Md5Hex(appKey + requestSecret + requestTime);

    /// <summary>Constant-time comparison of the sign a request carries with the one expected.</summary>
    public static bool SameSign(string expected, string presented) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(presented));

    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "MD5 is the province's choice (zhejiang.md), not ours.")]
    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
}
