using System.Text;
using Tongban.Crypto;

namespace Tongban.Tests.Crypto;

public class Sm2SignatureTests
{
    private const string ExampleEncData = "VckAGWhHiIv3gVxQewiiDU4BAR1lrFJr9m6jsIM3G6ANotDM+WAv4UaRq+ewP7twRoF9Na6d/IBwGfmZ9S8E6w==";
    private const string ExampleSignData = "MEUCIH+ouaFL2ykDIgoxAlIORXSjcjpPuv413N7JN0TyUPutAiEAmtqoQcx5ERHtkx4EnwOP1D4U3O3ssNg/3vx/4YHyvpY=";
    private const string ExampleSignedText = "ah-app-0001" + ExampleEncData + "1767225600";

    [Fact]
    public void Verifies_the_published_Anhui_signData_with_Anhuis_public_key()
    {
        var anhui = Sm2Signature.FromPublicKeyPem(SandboxKeys.ProvincePublicKeyPem);

        Assert.True(anhui.VerifyBase64(ExampleSignedText, ExampleSignData));
    }

    [Fact]
    public void Rejects_the_published_signData_over_other_text_or_with_another_key_or_user_id()
    {
        var anhui = Sm2Signature.FromPublicKeyPem(SandboxKeys.ProvincePublicKeyPem);
        var hub = Sm2Signature.FromPublicKeyPem(SandboxKeys.HubPublicKeyPem);
        var otherUser = Sm2Signature.FromPublicKeyPem(SandboxKeys.ProvincePublicKeyPem, "tongban");

        Assert.False(anhui.VerifyBase64(ExampleSignedText.Replace("1767225600", "1767225601", StringComparison.Ordinal), ExampleSignData));
        Assert.False(hub.VerifyBase64(ExampleSignedText, ExampleSignData));
        Assert.False(otherUser.VerifyBase64(ExampleSignedText, ExampleSignData));
    }

    [Fact]
    public void A_fresh_hub_signature_verifies_with_the_hub_public_key()
    {
        var data = Encoding.UTF8.GetBytes("ah-app-0001" + ExampleEncData + "1767225600");
        var signature = Sm2Signature.FromPrivateKeyPem(SandboxKeys.HubPrivateKeyPem).Sign(data);

        Assert.Equal(0x30, signature[0]); // DER SEQUENCE
        Assert.True(Sm2Signature.FromPublicKeyPem(SandboxKeys.HubPublicKeyPem).Verify(data, signature));
    }

    [Fact]
    public void A_hub_signature_fails_when_any_byte_of_data_or_signature_changes()
    {
        var data = Encoding.UTF8.GetBytes("appId+encData+timestamp");
        var signature = Sm2Signature.FromPrivateKeyPem(SandboxKeys.HubPrivateKeyPem).Sign(data);
        var hub = Sm2Signature.FromPublicKeyPem(SandboxKeys.HubPublicKeyPem);

        var changedData = (byte[])data.Clone();
        changedData[3] ^= 0x01;
        var changedSignature = (byte[])signature.Clone();
        changedSignature[^1] ^= 0x01;

        Assert.False(hub.Verify(changedData, signature));
        Assert.False(hub.Verify(data, changedSignature));
        Assert.False(hub.Verify(data, signature.AsSpan(0, signature.Length - 1)));
    }

    [Fact]
    public void Signatures_are_randomised_yet_both_verify()
    {
        var data = Encoding.UTF8.GetBytes("same input");
        var key = Sm2Signature.FromPrivateKeyPem(SandboxKeys.HubPrivateKeyPem);

        var first = key.Sign(data);
        var second = key.Sign(data);

        Assert.NotEqual(first, second);
        Assert.True(key.Verify(data, first));
        Assert.True(key.Verify(data, second));
    }

    [Fact]
    public void Accepts_PEM_whose_newlines_are_literal_backslash_n()
    {
        var signer = Sm2Signature.FromPrivateKeyPem(SandboxKeys.Escaped(SandboxKeys.HubPrivateKeyPem));
        var verifier = Sm2Signature.FromPublicKeyPem(SandboxKeys.Escaped(SandboxKeys.HubPublicKeyPem));

        Assert.True(verifier.VerifyBase64("text", signer.SignBase64("text")));
    }

    [Fact]
    public void A_public_key_cannot_sign()
    {
        var verifier = Sm2Signature.FromPublicKeyPem(SandboxKeys.ProvincePublicKeyPem);

        Assert.False(verifier.CanSign);
        Assert.Throws<InvalidOperationException>(() => verifier.Sign([1, 2, 3]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void Treats_a_malformed_signature_as_not_verifying(string signature)
    {
        Assert.False(Sm2Signature.FromPublicKeyPem(SandboxKeys.ProvincePublicKeyPem).VerifyBase64(ExampleSignedText, signature));
    }

    [Fact]
    public void Rejects_a_public_key_where_a_private_key_is_expected()
    {
        Assert.Throws<ArgumentException>(() => Sm2Signature.FromPrivateKeyPem(SandboxKeys.HubPublicKeyPem));
    }
}
