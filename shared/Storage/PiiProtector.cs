using System.Security.Cryptography;
using System.Text;

namespace Tongban.Storage;

/// <summary>
/// Encrypts personal data (ID numbers and names in case details) at rest with AES-256-GCM, and derives
/// the keys the hub signs its own opaque tokens with. The key comes from configuration
/// (<c>Tongban:Pii:Key</c>, 32 bytes Base64), Key Vault in Azure.
/// </summary>
public sealed class PiiProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] key;

    public PiiProtector(byte[] key)
    {
        if (key.Length != 32) throw new ArgumentException("The PII key must be 32 bytes.", nameof(key));
        this.key = key;
    }

    public static PiiProtector FromBase64(string base64) => new(Convert.FromBase64String(base64));

    public string Protect(string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + TagSize + plain.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize));
        return Convert.ToBase64String(output);
    }

    public string Unprotect(string protectedText)
    {
        var input = Convert.FromBase64String(protectedText);
        if (input.Length < NonceSize + TagSize) throw new CryptographicException("Protected data is truncated.");
        var plain = new byte[input.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize + TagSize), input.AsSpan(NonceSize, TagSize), plain);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>A keyed hash (HMAC-SHA256, hex) for values only ever matched, never read back.</summary>
    public string KeyedHash(string purpose, string value)
    {
        var subKey = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("tongban:" + purpose));
        return Convert.ToHexStringLower(HMACSHA256.HashData(subKey, Encoding.UTF8.GetBytes(value)));
    }
}
