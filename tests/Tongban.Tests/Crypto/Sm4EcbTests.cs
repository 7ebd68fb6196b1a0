using System.Security.Cryptography;
using System.Text;
using Tongban.Crypto;

namespace Tongban.Tests.Crypto;

public class Sm4EcbTests
{
    [Fact]
    public void Encrypts_the_GB_T_32907_example_block_to_its_value()
    {
        var sm4 = new Sm4Ecb("0123456789abcdeffedcba9876543210");

        var cipher = sm4.Encrypt(Convert.FromHexString("0123456789abcdeffedcba9876543210"));

        // A whole block gains a whole padding block under PKCS#7; the first is the standard's example.
        Assert.Equal(32, cipher.Length);
        Assert.Equal("681EDF34D206965E86B3E94F536E4246", Convert.ToHexString(cipher, 0, 16));
    }

    [Fact]
    public void Encrypts_the_Anhui_example_payload_to_the_published_encData()
    {
        var sm4 = new Sm4Ecb(SandboxKeys.Sm4KeyHex);

        var cipher = sm4.Encrypt(Encoding.UTF8.GetBytes("{\"idNumber\":\"340104199505021668\",\"name\":\"张敏\"}"));

        Assert.Equal("VckAGWhHiIv3gVxQewiiDU4BAR1lrFJr9m6jsIM3G6ANotDM+WAv4UaRq+ewP7twRoF9Na6d/IBwGfmZ9S8E6w==", Convert.ToBase64String(cipher));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(100)]
    public void Decrypts_what_it_encrypted_at_any_length(int length)
    {
        var sm4 = new Sm4Ecb(SandboxKeys.Sm4KeyHex);
        var plain = RandomNumberGenerator.GetBytes(length);

        var cipher = sm4.Encrypt(plain);

        Assert.Equal(((length / 16) + 1) * 16, cipher.Length);
        Assert.Equal(plain, sm4.Decrypt(cipher));
    }

    [Fact]
    public void Refuses_to_decrypt_with_the_wrong_key()
    {
        var cipher = new Sm4Ecb(SandboxKeys.Sm4KeyHex).Encrypt(Encoding.UTF8.GetBytes("{\"taskId\":\"T1\"}"));
        var other = new Sm4Ecb("00112233445566778899aabbccddeeff");

        Assert.Throws<CryptographicException>(() => other.Decrypt(cipher));
    }

    [Fact]
    public void Refuses_ciphertext_that_is_not_whole_blocks()
    {
        Assert.Throws<CryptographicException>(() => new Sm4Ecb(SandboxKeys.Sm4KeyHex).Decrypt(new byte[17]));
    }

    [Theory]
    [InlineData("7a68656a69616e672d616e6875692d")]
    [InlineData("7a68656a69616e672d616e6875692d3131")]
    [InlineData("not-hex-not-hex-not-hex-not-hex!")]
    public void Rejects_a_key_that_is_not_16_bytes_of_hex(string keyHex)
    {
        Assert.Throws<ArgumentException>(() => new Sm4Ecb(keyHex));
    }
}
