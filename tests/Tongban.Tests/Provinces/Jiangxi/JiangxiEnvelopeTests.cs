using Tongban.Provinces.Jiangxi;

namespace Tongban.Tests.Provinces.Jiangxi;

public class JiangxiEnvelopeTests
{
    private static readonly KeyValuePair<string, string>[] ExampleFields =
    [
        new("appId", "tongban-hub"),
        new("serviceCode", "JX_GA_RKHC"),
        new("reqTime", "20260101080000"),
        new("reqId", "0123456789abcdef0123456789abcdef"),
        new("bizContent", "{\"sfzhm\":\"360102200307193641\",\"xm\":\"张敏\"}"),
    ];

    [Fact]
    public void Builds_the_string_to_sign_of_the_worked_example()
    {
        Assert.Equal(
            "appId=tongban-hub&bizContent={\"sfzhm\":\"360102200307193641\",\"xm\":\"张敏\"}&reqId=0123456789abcdef0123456789abcdef&reqTime=20260101080000&serviceCode=JX_GA_RKHC&key=jx-app-secret-0001",
            JiangxiEnvelope.StringToSign(ExampleFields, "jx-app-secret-0001"));
    }

    [Fact]
    public void Signs_the_worked_example_to_the_published_value()
    {
        Assert.Equal("1510EF3AC3E037E25FAA870EDFEC18A4F4ECC589089123B5A2A930D5C5521C58", JiangxiEnvelope.Sign(ExampleFields, "jx-app-secret-0001"));
    }

    [Fact]
    public void Builds_the_worked_example_request_with_its_bizContent_and_signature()
    {
        var biz = JiangxiEnvelope.SerializeBizContent(new Dictionary<string, string> { ["sfzhm"] = "360102200307193641", ["xm"] = "张敏" });

        var json = JiangxiEnvelope.BuildRequest("tongban-hub", "JX_GA_RKHC", "20260101080000", "0123456789abcdef0123456789abcdef", biz, "jx-app-secret-0001");
        var fields = JiangxiEnvelope.ParseEnvelope(json);

        Assert.Equal("{\"sfzhm\":\"360102200307193641\",\"xm\":\"张敏\"}", fields["bizContent"]);
        Assert.Equal("1510EF3AC3E037E25FAA870EDFEC18A4F4ECC589089123B5A2A930D5C5521C58", fields["sign"]);
        Assert.True(JiangxiEnvelope.Verify(fields, "jx-app-secret-0001"));
    }

    [Fact]
    public void Rejects_an_envelope_with_a_changed_field_a_wrong_secret_or_no_sign()
    {
        var fields = JiangxiEnvelope.ParseEnvelope(JiangxiEnvelope.BuildResponse("0000", "成功", "0123456789abcdef0123456789abcdef", "{}", "jx-app-secret-0001"));

        Assert.True(JiangxiEnvelope.Verify(fields, "jx-app-secret-0001"));
        Assert.False(JiangxiEnvelope.Verify(fields, "jx-app-secret-0002"));
        Assert.False(JiangxiEnvelope.Verify(new Dictionary<string, string>(fields) { ["retCode"] = "2001" }, "jx-app-secret-0001"));
        var unsigned = new Dictionary<string, string>(fields);
        unsigned.Remove("sign");
        Assert.False(JiangxiEnvelope.Verify(unsigned, "jx-app-secret-0001"));
    }

    [Fact]
    public void Accepts_numbers_inside_bizContent_as_text()
    {
        var biz = JiangxiEnvelope.ParseBizContent("{\"nj\":3,\"xjzt\":\"1\",\"yxbz\":1}");

        Assert.Equal("3", biz["nj"]);
        Assert.Equal("1", biz["xjzt"]);
        Assert.Equal("1", biz["yxbz"]);
    }

    [Theory]
    [InlineData("{\"retCode\":\"0000\",\"retCode\":\"2001\"}")]
    [InlineData("{\"bizContent\":{\"xm\":\"a\"}}")]
    [InlineData("[]")]
    public void Refuses_an_envelope_with_repeated_or_nested_fields(string json)
    {
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => JiangxiEnvelope.ParseEnvelope(json));
    }

    [Fact]
    public void Writes_every_bizContent_value_as_a_string()
    {
        Assert.Equal("{\"nj\":\"3\",\"xm\":\"张敏\"}", JiangxiEnvelope.SerializeBizContent(new Dictionary<string, string> { ["nj"] = "3", ["xm"] = "张敏" }));
    }

    [Fact]
    public void Writes_reqTime_in_Beijing_time()
    {
        Assert.Equal("20260101080000", JiangxiEnvelope.FormatReqTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.True(JiangxiEnvelope.TryParseReqTime("20260101080000", out var parsed));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), parsed);
    }
}
