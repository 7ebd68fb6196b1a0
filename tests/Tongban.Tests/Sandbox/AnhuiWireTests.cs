using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Tongban.Crypto;
using Tongban.Provinces;
using Tongban.Sandbox.Anhui;
using Tongban.Tests.Crypto;
using Tongban.Tests.Provinces;
using HubAdapter = Tongban.Provinces.Anhui.AnhuiAdapter;
using HubEnvelope = Tongban.Provinces.Anhui.AnhuiEnvelope;

namespace Tongban.Tests.Sandbox;

/// <summary>
/// The sandbox's own x-tif wire (sandbox/Anhui/AnhuiWire.cs, AnhuiCrypto.cs: SM4-ECB and SM2 on BouncyCastle) against
/// anhui.md's worked examples, and against the hub: requests the hub's adapter seals verify and open here, answers
/// the sandbox seals are taken by the hub's adapter.
/// </summary>
public sealed class AnhuiWireTests
{
    private const string AppId = "ah-app-0001";
    private const string PaasToken = "ah-paas-token-0001";
    private const string UserId = "1234567812345678";
    private const string ExamplePayload = """{"idNumber":"340104199505021668","name":"张敏"}""";
    private const string ExampleEncData = "VckAGWhHiIv3gVxQewiiDU4BAR1lrFJr9m6jsIM3G6ANotDM+WAv4UaRq+ewP7twRoF9Na6d/IBwGfmZ9S8E6w==";
    private const string ExampleSignData = "MEUCIH+ouaFL2ykDIgoxAlIORXSjcjpPuv413N7JN0TyUPutAiEAmtqoQcx5ERHtkx4EnwOP1D4U3O3ssNg/3vx/4YHyvpY=";

    private static readonly AnhuiSm4 Cipher = new(SandboxKeys.Sm4KeyHex);
    private static readonly AnhuiSm2Key AnhuiPrivate = AnhuiSm2Key.FromPem(SandboxKeys.ProvincePrivateKeyPem, UserId);
    private static readonly AnhuiSm2Key AnhuiPublic = AnhuiSm2Key.FromPem(SandboxKeys.ProvincePublicKeyPem, UserId);
    private static readonly AnhuiSm2Key HubPublic = AnhuiSm2Key.FromPem(SandboxKeys.HubPublicKeyPem, UserId);

    private static AnhuiBody ExampleBody => new() { AppId = AppId, Timestamp = "1767225600", EncData = ExampleEncData, SignData = ExampleSignData };

    [Fact]
    public void Gateway_signature_reproduces_the_specs_worked_example() =>
        Assert.Equal("5cdcc1bee530f8884f25ebaf32844d4cc145565193ace817d24d266b469200cd",
            AnhuiWire.GatewaySignature("1767225600", PaasToken, "7f3c9a1b2d4e5f60"));

    [Fact]
    public void Sm4_reproduces_the_specs_worked_encData_and_opens_it_again()
    {
        Assert.Equal(ExampleEncData, Convert.ToBase64String(Cipher.Encrypt("""{"idNumber":"340104199505021668","name":"张敏"}"""u8.ToArray())));
        Assert.Equal(ExamplePayload, AnhuiWire.Open(ExampleBody, Cipher));
    }

    [Fact]
    public void The_specs_worked_signData_verifies_with_Anhuis_public_key_and_not_once_anything_it_covers_changes()
    {
        Assert.Equal(AppId + ExampleEncData + "1767225600", AnhuiWire.SignedText(ExampleBody));
        Assert.True(AnhuiWire.IsSignedBy(ExampleBody, AnhuiPublic));

        Assert.False(AnhuiWire.IsSignedBy(ExampleBody with { Timestamp = "1767225601" }, AnhuiPublic));
        Assert.False(AnhuiWire.IsSignedBy(ExampleBody with { AppId = "ah-app-0002" }, AnhuiPublic));
        Assert.False(AnhuiWire.IsSignedBy(ExampleBody with { EncData = ExampleEncData.Replace('V', 'W') }, AnhuiPublic));
        Assert.False(AnhuiWire.IsSignedBy(ExampleBody, HubPublic));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    [InlineData("MEUCIH+ouaFL2ykDIgoxAlIORXSjcjpPuv413N7JN1TyUPutAiEAmtqoQcx5ERHtkx4EnwOP1D4U3O3ssNg/3vx/4YHyvpY=")]
    public void Empty_malformed_or_altered_signData_does_not_verify(string signData) =>
        Assert.False(AnhuiWire.IsSignedBy(ExampleBody with { SignData = signData }, AnhuiPublic));

    [Fact]
    public void A_fresh_signature_differs_each_time_and_verifies_with_the_public_half_only()
    {
        var once = AnhuiWire.Seal(AppId, "1767225600", ExamplePayload, Cipher, AnhuiPrivate);
        var twice = AnhuiWire.Seal(AppId, "1767225600", ExamplePayload, Cipher, AnhuiPrivate);
        Assert.Equal(ExampleEncData, once.EncData);
        Assert.NotEqual(once.SignData, twice.SignData);
        Assert.True(AnhuiWire.IsSignedBy(once, AnhuiPublic));
        Assert.True(AnhuiWire.IsSignedBy(twice, AnhuiPublic));
        Assert.Throws<InvalidOperationException>(() => AnhuiPublic.Sign("text"));
    }

    [Fact]
    public void EncData_that_is_not_Base64_or_not_under_the_key_does_not_open()
    {
        Assert.Throws<CryptographicException>(() => AnhuiWire.Open(ExampleBody with { EncData = "not base64!" }, Cipher));
        Assert.Throws<CryptographicException>(() => AnhuiWire.Open(ExampleBody with { EncData = "AAAA" }, Cipher));
        Assert.Throws<CryptographicException>(() => AnhuiWire.Open(ExampleBody, new AnhuiSm4("00000000000000000000000000000000")));
    }

    [Theory]
    [InlineData("""{"timestamp":"1","signData":"x"}""")]
    [InlineData("""{"appId":"a","signData":"x"}""")]
    [InlineData("""{"appId":"a","timestamp":"1"}""")]
    [InlineData("""{"appId":null,"timestamp":"1","signData":"x"}""")]
    [InlineData("""{"appId":1,"timestamp":"1","signData":"x"}""")]
    [InlineData("""[]""")]
    public void A_body_without_appId_timestamp_or_signData_as_strings_is_not_an_x_tif_body(string json) =>
        Assert.ThrowsAny<JsonException>(() => AnhuiWire.Read(json));

    [Fact]
    public void A_body_written_reads_back_the_same_with_SM4_and_SM2_by_default()
    {
        var body = AnhuiWire.Read("""{"appId":"a","timestamp":"1","signData":"x"}""");
        Assert.Equal((AnhuiWire.Sm4, AnhuiWire.Sm2, null), (body.EncType, body.SignType, body.EncData));
        var answer = ExampleBody with { Code = 4004, Message = "no such resident" };
        Assert.Equal(answer, AnhuiWire.Read(AnhuiWire.Write(answer)));
        Assert.DoesNotContain("\"code\"", AnhuiWire.Write(ExampleBody), StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_the_sandbox_seals_with_the_hubs_key_verifies_and_opens_with_the_hubs_code()
    {
        var sealedBody = AnhuiWire.Seal(AppId, "1767225600", ExamplePayload, Cipher, AnhuiSm2Key.FromPem(SandboxKeys.HubPrivateKeyPem, UserId));
        var asTheHubReadsIt = HubEnvelope.Deserialize(AnhuiWire.Write(sealedBody));
        Assert.True(HubEnvelope.Verify(asTheHubReadsIt, Sm2Signature.FromPublicKeyPem(SandboxKeys.HubPublicKeyPem)));
        Assert.Equal(ExamplePayload, HubEnvelope.Decrypt(asTheHubReadsIt, new Sm4Ecb(SandboxKeys.Sm4KeyHex)));
        Assert.False(HubEnvelope.Verify(asTheHubReadsIt with { Timestamp = "1767225601" }, Sm2Signature.FromPublicKeyPem(SandboxKeys.HubPublicKeyPem)));
    }

    [Fact]
    public async Task Requests_the_hub_adapter_seals_verify_here_answers_the_sandbox_seals_are_taken_and_broken_signatures_are_refused_both_ways()
    {
        var answerKey = AnhuiPrivate;
        await using var province = await LoopbackProvince.StartAsync(_ =>
        {
            var payload = """{"match":true,"hukouDivision":"340104","residentStatus":"normal"}""";
            return StubReply.Json(AnhuiWire.Write(AnhuiWire.Seal(AppId, "1767225600", payload, Cipher, answerKey, 0, "success")));
        });
        using var http = new HttpClient();
        var adapter = new HubAdapter(
            Endpoints.Create("340000", HubAdapter.SchemeName, province.BaseUrl,
                ("paasId", "tongban-hub"), ("paasToken", PaasToken), ("appId", AppId), ("sm4KeyHex", SandboxKeys.Sm4KeyHex),
                ("hubSm2PrivateKeyPem", SandboxKeys.HubPrivateKeyPem), ("provinceSm2PublicKeyPem", SandboxKeys.ProvincePublicKeyPem)),
            http, ExampleTime.Clock());
        var person = new Person("340104199505021668", "于浩霞");

        Assert.Equal(new ResidentVerification(true, "340104", ResidentStatus.Normal), (await adapter.VerifyResidentAsync(person, CancellationToken.None)).Value);

        var request = Assert.Single(province.Requests);
        Assert.EndsWith("/ah/tif/" + AnhuiWire.Apis.ResidentVerify, request.Path, StringComparison.Ordinal);
        var (timestamp, nonce) = (request.Header(AnhuiWire.TimestampHeader)!, request.Header(AnhuiWire.NonceHeader)!);
        Assert.Equal(("tongban-hub", "1767225600"), (request.Header(AnhuiWire.PaasIdHeader), timestamp));
        Assert.Equal(AnhuiWire.GatewaySignature(timestamp, PaasToken, nonce), request.Header(AnhuiWire.SignatureHeader));
        var body = AnhuiWire.Read(request.BodyText);
        Assert.True(AnhuiWire.IsSignedBy(body, HubPublic));
        using (var payload = JsonDocument.Parse(AnhuiWire.Open(body, Cipher)))
        {
            Assert.Equal((person.IdNumber, person.Name), (payload.RootElement.GetProperty("idNumber").GetString(), payload.RootElement.GetProperty("name").GetString()));
        }
        Assert.False(AnhuiWire.IsSignedBy(body with { SignData = AnhuiPrivate.Sign(AnhuiWire.SignedText(body)) }, HubPublic));
        Assert.False(AnhuiWire.IsSignedBy(body with { Timestamp = (long.Parse(body.Timestamp, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture) }, HubPublic));

        // The hub in turn refuses (as transient) an answer signed with a key that is not Anhui's.
        answerKey = AnhuiSm2Key.FromPem(SandboxKeys.HubPrivateKeyPem, UserId);
        await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.VerifyResidentAsync(person, CancellationToken.None));
    }
}
