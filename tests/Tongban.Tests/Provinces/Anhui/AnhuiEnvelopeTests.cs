using System.Text.Json;
using Tongban.Crypto;
using Tongban.Provinces;
using Tongban.Provinces.Anhui;
using Tongban.Tests.Crypto;

namespace Tongban.Tests.Provinces.Anhui;

public class AnhuiEnvelopeTests
{
    private const string ExampleEncData = "VckAGWhHiIv3gVxQewiiDU4BAR1lrFJr9m6jsIM3G6ANotDM+WAv4UaRq+ewP7twRoF9Na6d/IBwGfmZ9S8E6w==";
    private const string ExampleSignData = "MEUCIH+ouaFL2ykDIgoxAlIORXSjcjpPuv413N7JN0TyUPutAiEAmtqoQcx5ERHtkx4EnwOP1D4U3O3ssNg/3vx/4YHyvpY=";

    [Fact]
    public void Computes_the_worked_gateway_signature()
    {
        Assert.Equal(
            "5cdcc1bee530f8884f25ebaf32844d4cc145565193ace817d24d266b469200cd",
            AnhuiEnvelope.GatewaySignature("1767225600", "ah-paas-token-0001", "7f3c9a1b2d4e5f60"));
    }

    [Fact]
    public void Serialises_the_canonical_person_and_encrypts_it_to_the_worked_encData()
    {
        var payload = JsonSerializer.Serialize(new Person("340104199505021668", "张敏"), AnhuiEnvelope.PayloadJson);

        var body = AnhuiEnvelope.Seal("ah-app-0001", "1767225600", payload, new Sm4Ecb(SandboxKeys.Sm4KeyHex), Sm2Signature.FromPrivateKeyPem(SandboxKeys.HubPrivateKeyPem));

        Assert.Equal("{\"idNumber\":\"340104199505021668\",\"name\":\"张敏\"}", payload);
        Assert.Equal(ExampleEncData, body.EncData);
        Assert.True(AnhuiEnvelope.Verify(body, Sm2Signature.FromPublicKeyPem(SandboxKeys.HubPublicKeyPem)));
        Assert.False(AnhuiEnvelope.Verify(body, Sm2Signature.FromPublicKeyPem(SandboxKeys.ProvincePublicKeyPem)));
    }

    [Fact]
    public void Verifies_and_opens_the_worked_example_body_signed_by_Anhui()
    {
        var body = AnhuiEnvelope.Deserialize(
            "{\"appId\":\"ah-app-0001\",\"timestamp\":\"1767225600\",\"encType\":\"SM4\",\"signType\":\"SM2\",\"encData\":\"" + ExampleEncData + "\",\"signData\":\"" + ExampleSignData + "\",\"code\":0,\"message\":\"ok\"}");

        Assert.True(AnhuiEnvelope.Verify(body, Sm2Signature.FromPublicKeyPem(SandboxKeys.ProvincePublicKeyPem)));
        Assert.Equal(0, body.Code);
        Assert.Equal("{\"idNumber\":\"340104199505021668\",\"name\":\"张敏\"}", AnhuiEnvelope.Decrypt(body, new Sm4Ecb(SandboxKeys.Sm4KeyHex)));
    }

    [Fact]
    public void Rejects_the_worked_example_when_the_timestamp_changes()
    {
        var body = new AnhuiBody { AppId = "ah-app-0001", Timestamp = "1767225601", EncData = ExampleEncData, SignData = ExampleSignData };

        Assert.False(AnhuiEnvelope.Verify(body, Sm2Signature.FromPublicKeyPem(SandboxKeys.ProvincePublicKeyPem)));
    }

    [Fact]
    public void Writes_enums_lowercase_and_dates_as_yyyy_MM_dd()
    {
        var json = JsonSerializer.Serialize(new Newborn("李小红", Sex.Female, new DateOnly(2025, 12, 4)), AnhuiEnvelope.PayloadJson);

        Assert.Equal("{\"name\":\"李小红\",\"sex\":\"female\",\"birthDate\":\"2025-12-04\"}", json);
    }

    [Fact]
    public void Makes_nonces_of_32_letters_and_digits_that_differ()
    {
        var first = AnhuiEnvelope.NewNonce();

        Assert.Matches("^[A-Za-z0-9]{32}$", first);
        Assert.NotEqual(first, AnhuiEnvelope.NewNonce());
    }

    [Fact]
    public void Writes_the_request_body_without_code_or_message()
    {
        var body = AnhuiEnvelope.Seal("ah-app-0001", "1767225600", "{}", new Sm4Ecb(SandboxKeys.Sm4KeyHex), Sm2Signature.FromPrivateKeyPem(SandboxKeys.HubPrivateKeyPem));

        using var json = JsonDocument.Parse(AnhuiEnvelope.Serialize(body));

        Assert.Equal(
            ["appId", "timestamp", "encType", "signType", "encData", "signData"],
            json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("SM4", json.RootElement.GetProperty("encType").GetString());
        Assert.Equal("SM2", json.RootElement.GetProperty("signType").GetString());
    }
}
