using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Tongban.Configuration;
using Tongban.Crypto;

namespace Tongban.Audit;

/// <summary>
/// The hub's SM2 key for case heads (<c>Tongban:Audit:SigningKey</c>, <c>:KeyId</c>) and the public keys heads are verified
/// with: the signing key's own, plus <c>Tongban:Audit:PublicKeys:{keyId}</c> for heads signed under a former key.
/// </summary>
public sealed class AuditSigner
{
    private readonly Sm2Signature? signing;
    private readonly Dictionary<string, Sm2Signature> verifying;

    private AuditSigner(string keyId, Sm2Signature? signing, Dictionary<string, Sm2Signature> verifying)
    {
        KeyId = keyId;
        this.signing = signing;
        this.verifying = verifying;
    }

    public string KeyId { get; }

    /// <summary>False when no signing key is configured: heads stay unsigned, and the verifier reports each such case.</summary>
    public bool CanSign => signing is not null;

    public static AuditSigner From(AuditOptions options)
    {
        var verifying = options.PublicKeys.ToDictionary(k => k.Key, k => Sm2Signature.FromPublicKeyPem(k.Value), StringComparer.Ordinal);
        Sm2Signature? signing = null;
        if (!string.IsNullOrWhiteSpace(options.SigningKey))
        {
            signing = Sm2Signature.FromPrivateKeyPem(options.SigningKey);
            verifying[options.KeyId] = signing;
        }

        return new AuditSigner(options.KeyId, signing, verifying);
    }

    public string Sign(string headText) =>
        (signing ?? throw new InvalidOperationException("No audit signing key is configured (Tongban:Audit:SigningKey).")).SignBase64(headText);

    /// <summary>True when <paramref name="signature"/> verifies under the public key named <paramref name="keyId"/>; an unknown key fails.</summary>
    public bool Verify(string headText, string keyId, string? signature) =>
        verifying.TryGetValue(keyId, out var key) && key.VerifyBase64(headText, signature);

    /// <summary>A fresh SM2 key pair as PEM (PKCS#8 private, SubjectPublicKeyInfo public): the devhost's development key, and tests'.</summary>
    public static (string PrivatePem, string PublicPem) NewKeyPair()
    {
        var curve = ECNamedDomainParameters.LookupOid(GMObjectIdentifiers.sm2p256v1);
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(curve, new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var privateDer = PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetEncoded();
        var publicDer = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetEncoded();
        return (new string(PemEncoding.Write("PRIVATE KEY", privateDer)), new string(PemEncoding.Write("PUBLIC KEY", publicDer)));
    }

    /// <summary>What is wrong with the audit settings, by key.</summary>
    public static IEnumerable<string> Problems(AuditOptions options)
    {
        // Unset: heads stay unsigned (the devhost makes a development key; HousekeepingJob warns). Set: it must be a key.
        if (!string.IsNullOrWhiteSpace(options.SigningKey) && !Parses(() => Sm2Signature.FromPrivateKeyPem(options.SigningKey))) yield return "Tongban:Audit:SigningKey (not an SM2 private key in PKCS#8 PEM)";
        if (string.IsNullOrWhiteSpace(options.KeyId) || !options.KeyId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            yield return "Tongban:Audit:KeyId (letters, digits and -)";
        foreach (var (id, pem) in options.PublicKeys)
        {
            if (!Parses(() => Sm2Signature.FromPublicKeyPem(pem))) yield return $"Tongban:Audit:PublicKeys:{id} (not an SM2 public key in PEM)";
        }

        if (options.SignEvery <= TimeSpan.Zero || options.SignEvery > TimeSpan.FromDays(1)) yield return "Tongban:Audit:SignEvery (more than zero, at most 1 day)";
    }

    private static bool Parses(Action parse)
    {
        try
        {
            parse();
            return true;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or IOException or Org.BouncyCastle.Security.SecurityUtilityException)
        {
            return false;
        }
    }
}
