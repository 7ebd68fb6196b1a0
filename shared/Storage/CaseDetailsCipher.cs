using System.Security.Cryptography;
using System.Text;

namespace Tongban.Storage;

/// <summary>
/// Encrypts a case's details (ID numbers and names) at rest with AES-256-GCM under the ring's case-details subkey. The
/// sealed form is <c>v1.{keyId}.{Base64(nonce | tag | ciphertext)}</c>: it names its key, so a rotation leaves it readable.
/// The associated data binds the version, the key ID and the case ID: details copied onto another case's row, or relabelled
/// with another key ID, fail to open. Untagged ciphertext (the single-key format before the ring) is refused: no production
/// data was ever written in it.
/// </summary>
public sealed class CaseDetailsCipher(PiiKeyRing ring)
{
    public const string Version = "v1";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public PiiKeyRing Ring => ring;

    /// <summary>Seals <paramref name="plaintext"/> for the case <paramref name="caseId"/> under the active key.</summary>
    public string Seal(string caseId, string plaintext)
    {
        var keyId = ring.ActiveKeyId;
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + TagSize + plain.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(ring.Subkey(keyId, PiiPurpose.CaseDetails), TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), AssociatedData(keyId, caseId));
        return $"{Version}.{keyId}.{Convert.ToBase64String(output)}";
    }

    /// <summary>Opens what <see cref="Seal"/> made for the same case; throws <see cref="CryptographicException"/> otherwise.</summary>
    public string Open(string caseId, string sealedText)
    {
        var keyId = KeyIdOf(sealedText) ?? throw new CryptographicException(
            "Case details are not in the tagged format 'v1.{keyId}.…' (untagged ciphertext from before the key ring is not read).");
        var input = Convert.FromBase64String(sealedText[(Version.Length + keyId.Length + 2)..]);
        if (input.Length < NonceSize + TagSize) throw new CryptographicException("Case details are truncated.");
        var plain = new byte[input.Length - NonceSize - TagSize];
        using var aes = new AesGcm(ring.Subkey(keyId, PiiPurpose.CaseDetails), TagSize);
        aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize + TagSize), input.AsSpan(NonceSize, TagSize), plain, AssociatedData(keyId, caseId));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>The key ID a sealed value names, or null when it is not in the tagged format.</summary>
    public static string? KeyIdOf(string? sealedText)
    {
        if (sealedText is null || !sealedText.StartsWith(Version + ".", StringComparison.Ordinal)) return null;
        var end = sealedText.IndexOf('.', Version.Length + 1);
        if (end < 0) return null;
        var keyId = sealedText[(Version.Length + 1)..end];
        return PiiKeyRing.IsKeyId(keyId) ? keyId : null;
    }

    /// <summary>Whether a sealed value is under the ring's active key (else it is due for re-encryption).</summary>
    public bool IsUnderActiveKey(string? sealedText) => string.Equals(KeyIdOf(sealedText), ring.ActiveKeyId, StringComparison.Ordinal);

    /// <summary>The prefix every value sealed under <paramref name="keyId"/> starts with.</summary>
    public static string PrefixOf(string keyId) => $"{Version}.{keyId}.";

    private static byte[] AssociatedData(string keyId, string caseId) => Encoding.UTF8.GetBytes($"{Version}|{keyId}|{caseId}");
}
