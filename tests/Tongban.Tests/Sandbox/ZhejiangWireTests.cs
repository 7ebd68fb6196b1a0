using Tongban.Provinces;
using Tongban.Provinces.Zhejiang;
using Tongban.Sandbox.Zhejiang;
using Tongban.Tests.Provinces;

namespace Tongban.Tests.Sandbox;

/// <summary>
/// The sandbox's own Zhejiang signs (sandbox/Zhejiang/ZhejiangWire.cs) against zhejiang.md's worked examples, and
/// against the hub's adapter: what the one signs, the other must accept.
/// </summary>
public sealed class ZhejiangWireTests
{
    private const string AppKey = "tongban-hub";
    private const string AppSecret = "zj-app-secret-0001";

    [Fact]
    public void Token_sign_reproduces_the_specs_worked_example() =>
        Assert.Equal("2473f795839ce29139b50ba206f04cea", ZhejiangWire.TokenSign(AppKey, AppSecret, "1767225600000"));

    [Fact]
    public void Call_sign_reproduces_the_specs_worked_example() =>
        Assert.Equal("11527fe7abddb87855861254b5ba4af9", ZhejiangWire.CallSign(AppKey, "rs-5f1d2c3b4a", "1767225600000"));

    [Fact]
    public void A_sign_one_character_off_or_cut_short_is_not_the_same()
    {
        const string sign = "11527fe7abddb87855861254b5ba4af9";
        Assert.True(ZhejiangWire.SameSign(sign, sign));
        Assert.False(ZhejiangWire.SameSign(sign, "11527fe7abddb87855861254b5ba4af8"));
        Assert.False(ZhejiangWire.SameSign(sign, sign[..^1]));
        Assert.False(ZhejiangWire.SameSign(sign, ""));
    }

    [Theory]
    [InlineData("tongban-hub", "zj-app-secret-0001", "1767225600000")]
    [InlineData("通办", "密钥-0002", "1")]
    [InlineData("", "", "")]
    public void Sandbox_and_hub_sign_the_same_inputs_alike(string appKey, string secret, string requestTime)
    {
        Assert.Equal(ZhejiangSignature.ForToken(appKey, secret, requestTime), ZhejiangWire.TokenSign(appKey, secret, requestTime));
        Assert.Equal(ZhejiangSignature.ForCall(appKey, secret, requestTime), ZhejiangWire.CallSign(appKey, secret, requestTime));
    }

    [Fact]
    public async Task Requests_the_hub_adapter_builds_verify_with_the_sandboxs_signs_and_a_broken_sign_does_not()
    {
        const string requestSecret = "rs-crosscheck01";
        await using var province = await LoopbackProvince.StartAsync(request => request.Path.EndsWith("/token", StringComparison.Ordinal)
            ? StubReply.Json($$$"""{"code":"00","msg":"ok","data":{"requestSecret":"{{{requestSecret}}}","expiresInSeconds":900}}""")
            : StubReply.Json("""{"code":"00","msg":"ok","data":{"match":true,"hukouDivision":"330106","residentStatus":"normal"}}"""));
        using var http = new HttpClient();
        var adapter = new ZhejiangAdapter(
            Endpoints.Create("330000", ZhejiangAdapter.SchemeName, province.BaseUrl, ("appKey", AppKey), ("appSecret", AppSecret)),
            http, ExampleTime.Clock());

        var answer = await adapter.VerifyResidentAsync(new Person("330106200006179053", "赵磊"), CancellationToken.None);

        Assert.Equal(new ResidentVerification(true, "330106", ResidentStatus.Normal), answer.Value);
        var (token, call) = (province.Requests.ElementAt(0).Form(), province.Requests.ElementAt(1).Form());
        Assert.Equal(("1767225600000", "1767225600000"), (token["requestTime"], call["requestTime"]));
        Assert.True(ZhejiangWire.SameSign(ZhejiangWire.TokenSign(token["appKey"], AppSecret, token["requestTime"]), token["sign"]));
        Assert.True(ZhejiangWire.SameSign(ZhejiangWire.CallSign(call["appKey"], requestSecret, call["requestTime"]), call["sign"]));
        Assert.False(ZhejiangWire.SameSign(ZhejiangWire.CallSign(call["appKey"], requestSecret, call["requestTime"]), BrokenSignature.Of(call["sign"])));
        Assert.False(ZhejiangWire.SameSign(ZhejiangWire.CallSign(call["appKey"], "rs-another", call["requestTime"]), call["sign"]));
    }
}
