using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Paddings;
using Org.BouncyCastle.Crypto.Parameters;

namespace Tongban.Crypto;

/// <summary>
/// SM4 (GB/T 32907) in ECB mode with PKCS#7 padding, as the Anhui gateway uses it. ECB is the
/// province's choice, not ours: it leaks equal blocks, so use it only where a contract demands it.
/// </summary>
public sealed class Sm4Ecb
{
    public const int KeySize = 16;

    private readonly KeyParameter key;

    /// <param name="keyHex">The 128-bit key as 32 hex characters.</param>
    public Sm4Ecb(string keyHex)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyHex);
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(keyHex.Trim());
        }
        catch (FormatException e)
        {
            throw new ArgumentException("An SM4 key must be hex.", nameof(keyHex), e);
        }

        if (bytes.Length != KeySize)
        {
            throw new ArgumentException($"An SM4 key is {KeySize} bytes ({KeySize * 2} hex characters).", nameof(keyHex));
        }

        key = new KeyParameter(bytes);
    }

    public byte[] Encrypt(ReadOnlySpan<byte> plaintext) => Run(forEncryption: true, plaintext);

    /// <exception cref="CryptographicException">The ciphertext is not whole blocks or its padding is wrong (wrong key or tampered data).</exception>
    public byte[] Decrypt(ReadOnlySpan<byte> ciphertext)
    {
        try
        {
            return Run(forEncryption: false, ciphertext);
        }
        catch (Exception e) when (e is InvalidCipherTextException or DataLengthException)
        {
            throw new CryptographicException("SM4 decryption failed: wrong key or corrupt ciphertext.", e);
        }
    }

    private byte[] Run(bool forEncryption, ReadOnlySpan<byte> input)
    {
        var cipher = new PaddedBufferedBlockCipher(new EcbBlockCipher(new SM4Engine()), new Pkcs7Padding());
        cipher.Init(forEncryption, key);
        return cipher.DoFinal(input.ToArray());
    }
}
