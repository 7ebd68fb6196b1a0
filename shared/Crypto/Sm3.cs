using System.Text;
using Org.BouncyCastle.Crypto.Digests;

namespace Tongban.Crypto;

/// <summary>SM3 (GB/T 32905) hash, 32 bytes.</summary>
public static class Sm3
{
    public const int HashSize = 32;

    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var digest = new SM3Digest();
        digest.BlockUpdate(data);
        var hash = new byte[HashSize];
        digest.DoFinal(hash);
        return hash;
    }

    /// <summary>Uppercase hex of the SM3 hash of <paramref name="data"/>.</summary>
    public static string HashHex(ReadOnlySpan<byte> data) => Convert.ToHexString(Hash(data));

    /// <summary>Uppercase hex of the SM3 hash of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static string HashHex(string text) => HashHex(Encoding.UTF8.GetBytes(text));
}
