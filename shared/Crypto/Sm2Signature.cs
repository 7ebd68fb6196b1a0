using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Tongban.Crypto;

/// <summary>
/// SM2 signatures (GB/T 32918) with the SM3 digest and a user ID (Z value), DER-encoded
/// (SEQUENCE of r, s). Keys are PEM: PKCS#8 <c>PRIVATE KEY</c> to sign, SubjectPublicKeyInfo
/// <c>PUBLIC KEY</c> to verify. Instances are immutable and thread-safe.
/// </summary>
public sealed class Sm2Signature
{
    /// <summary>The user ID GB/T 35276 recommends when the parties agree on none.</summary>
    public const string DefaultUserId = "1234567812345678";

    private readonly ECPrivateKeyParameters? privateKey;
    private readonly ECPublicKeyParameters publicKey;
    private readonly byte[] userId;

    private Sm2Signature(ECPrivateKeyParameters? privateKey, ECPublicKeyParameters publicKey, string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.userId = Encoding.UTF8.GetBytes(userId);
    }

    /// <summary>Signs and verifies with a PKCS#8 private key (the public key is derived from it).</summary>
    public static Sm2Signature FromPrivateKeyPem(string pem, string userId = DefaultUserId)
    {
        var key = PrivateKeyFactory.CreateKey(PemBytes(pem, "PRIVATE KEY")) as ECPrivateKeyParameters
            ?? throw new ArgumentException("The PEM does not hold an EC (SM2) private key.", nameof(pem));
        var q = key.Parameters.G.Multiply(key.D).Normalize();
        return new Sm2Signature(key, new ECPublicKeyParameters(q, key.Parameters), userId);
    }

    /// <summary>Verifies only, with a SubjectPublicKeyInfo public key.</summary>
    public static Sm2Signature FromPublicKeyPem(string pem, string userId = DefaultUserId)
    {
        var key = PublicKeyFactory.CreateKey(PemBytes(pem, "PUBLIC KEY")) as ECPublicKeyParameters
            ?? throw new ArgumentException("The PEM does not hold an EC (SM2) public key.", nameof(pem));
        return new Sm2Signature(null, key, userId);
    }

    public bool CanSign => privateKey is not null;

    /// <summary>A fresh (randomised) DER-encoded signature over <paramref name="data"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        if (privateKey is null)
        {
            throw new InvalidOperationException("This SM2 key can only verify: it was made from a public key.");
        }

        var signer = NewSigner();
        signer.Init(true, new ParametersWithID(new ParametersWithRandom(privateKey, new SecureRandom()), userId));
        signer.BlockUpdate(data);
        return signer.GenerateSignature();
    }

    /// <summary>True when <paramref name="derSignature"/> is a valid signature over <paramref name="data"/>; false for any malformed input.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> derSignature)
    {
        try
        {
            var signer = NewSigner();
            signer.Init(false, new ParametersWithID(publicKey, userId));
            signer.BlockUpdate(data);
            return signer.VerifySignature(derSignature.ToArray());
        }
        catch (Exception e) when (e is CryptoException or ArgumentException or InvalidOperationException or IOException or FormatException)
        {
            return false;
        }
    }

    /// <summary>Sign over UTF-8 text, Base64 out.</summary>
    public string SignBase64(string text) => Convert.ToBase64String(Sign(Encoding.UTF8.GetBytes(text)));

    /// <summary>Verify a Base64 signature over UTF-8 text; false for anything that is not valid Base64 or does not verify.</summary>
    public bool VerifyBase64(string text, string? signatureBase64)
    {
        if (string.IsNullOrEmpty(signatureBase64)) return false;
        var buffer = new byte[signatureBase64.Length];
        return Convert.TryFromBase64String(signatureBase64, buffer, out var written)
            && Verify(Encoding.UTF8.GetBytes(text), buffer.AsSpan(0, written));
    }

    private static SM2Signer NewSigner() => new(StandardDsaEncoding.Instance, new SM3Digest());

    /// <summary>
    /// The DER bytes of a PEM block. Configuration often carries PEM on one line with literal
    /// "\n" escapes (JSON, Key Vault, environment variables): both those and real newlines are accepted.
    /// </summary>
    public static byte[] PemBytes(string pem, string label)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pem);
        var text = pem.Replace("\\r", "\r", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal);
        if (!PemEncoding.TryFind(text, out var fields) || !text[fields.Label].Equals(label, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Expected a PEM block labelled '{label}'.", nameof(pem));
        }

        return Convert.FromBase64String(text[fields.Base64Data].ToString());
    }
}
