using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Paddings;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Security;

namespace Tongban.Sandbox.Anhui;

/// <summary>
/// Anhui's body cipher (anhui.md): SM4 (GB/T 32907), ECB, PKCS#7 padding, with the shared 128-bit key given as hex.
/// ECB is the province's choice. Built on BouncyCastle directly, apart from the hub's crypto.
/// </summary>
internal sealed class AnhuiSm4(string keyHex)
{
    private readonly KeyParameter _key = new(Convert.FromHexString(keyHex));

    public byte[] Encrypt(byte[] plain) => Run(encrypt: true, plain);

    /// <exception cref="CryptographicException">Not whole blocks, or the padding is wrong (another key, or tampered).</exception>
    public byte[] Decrypt(byte[] cipher)
    {
        try
        {
            return Run(encrypt: false, cipher);
        }
        catch (Exception e) when (e is InvalidCipherTextException or DataLengthException)
        {
            throw new CryptographicException("encData does not decrypt with the SM4 key", e);
        }
    }

    private byte[] Run(bool encrypt, byte[] input)
    {
        var sm4 = new PaddedBufferedBlockCipher(new EcbBlockCipher(new SM4Engine()), new Pkcs7Padding());
        sm4.Init(encrypt, _key);
        return sm4.DoFinal(input);
    }
}

/// <summary>
/// One party's SM2 key (GB/T 32918) as anhui.md uses it: SM3 digest, the agreed user ID, DER-encoded signatures in
/// Base64 over UTF-8 text. A PKCS#8 private key signs; a SubjectPublicKeyInfo public key verifies.
/// </summary>
internal sealed class AnhuiSm2Key
{
    private readonly ICipherParameters _key;
    private readonly byte[] _userId;
    private readonly bool _private;

    private AnhuiSm2Key(AsymmetricKeyParameter key, string userId)
    {
        _private = key.IsPrivate;
        _key = key;
        _userId = Encoding.ASCII.GetBytes(userId);
    }

    /// <summary>The key in a PEM block ("PRIVATE KEY" or "PUBLIC KEY").</summary>
    public static AnhuiSm2Key FromPem(string pem, string userId)
    {
        using var text = new StringReader(pem);
        var key = new PemReader(text).ReadObject() as AsymmetricKeyParameter
            ?? throw new ArgumentException("the PEM holds no SM2 key", nameof(pem));
        return new AnhuiSm2Key(key, userId);
    }

    /// <summary>A fresh signature (SM2 is randomised) over the UTF-8 bytes of <paramref name="text"/>, Base64.</summary>
    public string Sign(string text)
    {
        if (!_private) throw new InvalidOperationException("a public key cannot sign");
        var signer = new SM2Signer(new SM3Digest());
        signer.Init(true, new ParametersWithID(new ParametersWithRandom(_key, new SecureRandom()), _userId));
        var data = Encoding.UTF8.GetBytes(text);
        signer.BlockUpdate(data, 0, data.Length);
        return Convert.ToBase64String(signer.GenerateSignature());
    }

    /// <summary>True when <paramref name="signatureBase64"/> is this key's signature over <paramref name="text"/>; false for anything malformed.</summary>
    public bool Verifies(string text, string? signatureBase64)
    {
        try
        {
            var signature = Convert.FromBase64String(signatureBase64 ?? "");
            var verifier = new SM2Signer(new SM3Digest());
            verifier.Init(false, new ParametersWithID(_key, _userId));
            var data = Encoding.UTF8.GetBytes(text);
            verifier.BlockUpdate(data, 0, data.Length);
            return signature.Length > 0 && verifier.VerifySignature(signature);
        }
        catch (Exception e) when (e is FormatException or CryptoException or ArgumentException or InvalidOperationException or IOException)
        {
            return false;
        }
    }
}
