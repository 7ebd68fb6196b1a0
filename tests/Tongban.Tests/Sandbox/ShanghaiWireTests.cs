using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Tongban.Provinces;
using Tongban.Provinces.Shanghai;
using Tongban.Sandbox.Shanghai;
using Tongban.Security;
using Tongban.Tests.Provinces;

namespace Tongban.Tests.Sandbox;

/// <summary>
/// The sandbox's own X-Ca-* signature (sandbox/Shanghai/ShanghaiWire.cs) against shanghai.md's worked example, and
/// against the hub: requests the hub's adapter signs verify here, callbacks the sandbox signs are taken by the hub.
/// </summary>
public sealed class ShanghaiWireTests
{
    private const string AppSecret = "sh-app-secret-0001";
    private const string Nonce = "3f1c2b4a-0000-4000-8000-000000000001";
    private const string ExamplePath = "/sh/api/v2/marital-status/310115199001011232";
    private const string ExampleSignature = "rdKDF8m0Kinh5cPpLXqctSjj8/HbRUlShWR/iidn+F8=";

    [Fact]
    public void Signature_reproduces_the_specs_worked_example() =>
        Assert.Equal(ExampleSignature, ShanghaiWire.Sign(AppSecret, "PUT", ExamplePath, "1767225600000", Nonce, """{"status":"married"}"""u8));

    [Fact]
    public void String_to_sign_is_the_four_lines_and_the_bodys_lowercase_hex_sha256() =>
        Assert.Equal(
            "PUT\n" + ExamplePath + "\n1767225600000\n" + Nonce + "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ShanghaiWire.StringToSign("put", ExamplePath, "1767225600000", Nonce, []));

    [Theory]
    [InlineData("sh-app-secret-0002", "PUT", ExamplePath, "1767225600000", Nonce, """{"status":"married"}""")]
    [InlineData(AppSecret, "POST", ExamplePath, "1767225600000", Nonce, """{"status":"married"}""")]
    [InlineData(AppSecret, "PUT", ExamplePath + "?x=1", "1767225600000", Nonce, """{"status":"married"}""")]
    [InlineData(AppSecret, "PUT", ExamplePath, "1767225600001", Nonce, """{"status":"married"}""")]
    [InlineData(AppSecret, "PUT", ExamplePath, "1767225600000", "3f1c2b4a-0000-4000-8000-000000000002", """{"status":"married"}""")]
    [InlineData(AppSecret, "PUT", ExamplePath, "1767225600000", Nonce, """{"status":"divorced"}""")]
    public void The_example_signature_does_not_verify_once_anything_it_covers_changes(
        string secret, string method, string pathAndQuery, string timestamp, string nonce, string body)
    {
        Assert.True(ShanghaiWire.Verify(AppSecret, "PUT", ExamplePath, "1767225600000", Nonce, """{"status":"married"}"""u8, ExampleSignature));
        Assert.False(ShanghaiWire.Verify(secret, method, pathAndQuery, timestamp, nonce, Encoding.UTF8.GetBytes(body), ExampleSignature));
    }

    [Fact]
    public void An_empty_or_broken_signature_does_not_verify()
    {
        Assert.False(ShanghaiWire.Verify(AppSecret, "PUT", ExamplePath, "1767225600000", Nonce, """{"status":"married"}"""u8, ""));
        Assert.False(ShanghaiWire.Verify(AppSecret, "PUT", ExamplePath, "1767225600000", Nonce, """{"status":"married"}"""u8, BrokenSignature.Of(ExampleSignature)));
    }

    [Fact]
    public async Task Requests_the_hub_adapter_signs_verify_with_the_sandboxs_code_and_a_broken_signature_does_not()
    {
        await using var province = await LoopbackProvince.StartAsync(_ => new StubReply(204));
        using var http = new HttpClient();
        var adapter = new ShanghaiAdapter(
            Endpoints.Create("310000", ShanghaiAdapter.SchemeName, province.BaseUrl, ("appKey", "tongban-hub"), ("appSecret", AppSecret)),
            http, ExampleTime.Clock(), () => Nonce);
        var update = new MaritalUpdate("310115199001011232", "陈静", MaritalStatus.Married, "J310000-2026-000001", "31011519920202234X", new DateOnly(2026, 1, 1));

        Assert.True((await adapter.UpdateMaritalStatusAsync(update, CancellationToken.None)).IsOk);

        var request = Assert.Single(province.Requests);
        var (timestamp, nonce, signature) = (request.Header(ShanghaiWire.TimestampHeader)!, request.Header(ShanghaiWire.NonceHeader)!, request.Header(ShanghaiWire.SignatureHeader)!);
        Assert.Equal("tongban-hub", request.Header(ShanghaiWire.KeyHeader));
        Assert.True(ShanghaiWire.Verify(AppSecret, request.Method, request.RawTarget, timestamp, nonce, request.Body, signature));
        Assert.False(ShanghaiWire.Verify(AppSecret, request.Method, request.RawTarget, timestamp, nonce, request.Body, BrokenSignature.Of(signature)));
        Assert.False(ShanghaiWire.Verify(AppSecret, request.Method, request.RawTarget, timestamp, nonce, [.. request.Body, (byte)' '], signature));
    }

    [Fact]
    public void Callbacks_the_sandbox_signs_are_taken_by_the_hubs_reader_and_a_broken_one_is_refused_as_unauthenticated()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1767225600000);
        var body = """{"ticket":"TK310000-000001","type":"newborn-registration","result":"approved","reason":"","data":{"idNumber":"310104202611110011","householdNo":"H310104000001"}}"""u8.ToArray();
        var signature = ShanghaiWire.Sign(CallbackListener.CallbackSecret, "POST", ShanghaiCallbacks.CallbackPath, "1767225600000", Nonce, body);

        var (callback, refusal) = ReadAsTheHub(body, signature, now);
        Assert.Null(refusal);
        Assert.Equal(("TK310000-000001", SlowWorkState.Approved, "H310104000001"), (callback!.Ticket, callback.Result.State, callback.Result.HouseholdNo));
        Assert.True(HmacRequestSignature.Verify(CallbackListener.CallbackSecret, "POST", ShanghaiCallbacks.CallbackPath, "1767225600000", Nonce, body, signature));

        var (none, broken) = ReadAsTheHub(body, BrokenSignature.Of(signature), now);
        Assert.Null(none);
        Assert.True(broken!.Unauthenticated);
    }

    private static (ProvinceCallback? Callback, CallbackRefusal? Refusal) ReadAsTheHub(byte[] body, string signature, DateTimeOffset now)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = ShanghaiCallbacks.CallbackPath;
        context.Request.Headers[ShanghaiWire.KeyHeader] = CallbackListener.CallbackKey;
        context.Request.Headers[ShanghaiWire.TimestampHeader] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        context.Request.Headers[ShanghaiWire.NonceHeader] = Nonce;
        context.Request.Headers[ShanghaiWire.SignatureHeader] = signature;
        var hubSide = Endpoints.Create("310000", ShanghaiAdapter.SchemeName, new Uri("http://127.0.0.1/"),
            ("callbackKey", CallbackListener.CallbackKey), ("callbackSecret", CallbackListener.CallbackSecret));
        return new ShanghaiCallbackReader().Read(hubSide, context.Request, ShanghaiCallbacks.CallbackPath, body, now);
    }
}
