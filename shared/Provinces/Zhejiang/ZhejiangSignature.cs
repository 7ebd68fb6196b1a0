using System.Security.Cryptography;
using System.Text;

namespace Tongban.Provinces.Zhejiang;

/// <summary>Zhejiang gateway signs (zhejiang.md): lowercase hex MD5 over concatenated strings. MD5 is the province's choice, not ours.</summary>
public static class ZhejiangSignature
{
    /// <summary>Token request: MD5(appKey + appSecret + requestTime).</summary>
    public static string ForToken(string appKey, string appSecret, string requestTime) => Md5Hex(appKey + appSecret + requestTime);

    /// <summary>Service call: MD5(appKey + requestSecret + requestTime).</summary>
    public static string ForCall(string appKey, string requestSecret, string requestTime) => Md5Hex(appKey + requestSecret + requestTime);

    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
}
