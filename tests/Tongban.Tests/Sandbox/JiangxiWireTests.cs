using System.Text.Json;
using Tongban.Provinces;
using Tongban.Provinces.Jiangxi;
using Tongban.Sandbox.Jiangxi;
using Tongban.Tests.Provinces;

namespace Tongban.Tests.Sandbox;

/// <summary>
/// The sandbox's own Jiangxi envelope and code lists (sandbox/Jiangxi/JiangxiWire.cs, JiangxiCodeLists.cs) against
/// jiangxi.md's worked example, and against the hub: requests the hub's adapter seals verify here, answers the
/// sandbox seals are taken by the hub's adapter.
/// </summary>
public sealed class JiangxiWireTests
{
    private const string AppSecret = "jx-app-secret-0001";
    private const string ExampleSign = "1510EF3AC3E037E25FAA870EDFEC18A4F4ECC589089123B5A2A930D5C5521C58";

    private static readonly KeyValuePair<string, string>[] ExampleFields =
    [
        new("appId", "tongban-hub"), new("serviceCode", "JX_GA_RKHC"), new("reqTime", "20260101080000"),
        new("reqId", "0123456789abcdef0123456789abcdef"), new("bizContent", """{"sfzhm":"360102200307193641","xm":"张敏"}"""),
    ];

    [Fact]
    public void String_to_sign_and_sign_reproduce_the_specs_worked_example()
    {
        Assert.Equal(
            """appId=tongban-hub&bizContent={"sfzhm":"360102200307193641","xm":"张敏"}&reqId=0123456789abcdef0123456789abcdef&reqTime=20260101080000&serviceCode=JX_GA_RKHC&key=jx-app-secret-0001""",
            JiangxiWire.StringToSign(ExampleFields, AppSecret));
        Assert.Equal(ExampleSign, JiangxiWire.SignOf(ExampleFields, AppSecret));
    }

    [Fact]
    public void The_example_envelope_as_json_reads_back_and_verifies_and_fails_once_tampered_or_keyed_otherwise()
    {
        var sealedJson = JiangxiWire.Seal(ExampleFields, AppSecret);
        var envelope = JiangxiWire.ReadFields(sealedJson);
        Assert.Equal(ExampleSign, envelope["sign"]);
        Assert.True(JiangxiWire.IsSigned(envelope, AppSecret));
        Assert.True(JiangxiWire.IsSigned(new Dictionary<string, string>(envelope) { ["sign"] = ExampleSign.ToLowerInvariant() }, AppSecret));

        Assert.False(JiangxiWire.IsSigned(envelope, "jx-app-secret-0002"));
        Assert.False(JiangxiWire.IsSigned(new Dictionary<string, string>(envelope) { ["reqTime"] = "20260101080001" }, AppSecret));
        Assert.False(JiangxiWire.IsSigned(new Dictionary<string, string>(envelope) { ["sign"] = BrokenSignature.Of(ExampleSign) }, AppSecret));
        Assert.False(JiangxiWire.IsSigned(new Dictionary<string, string>(envelope) { ["sign"] = "" }, AppSecret));
        Assert.False(JiangxiWire.IsSigned(envelope.Where(f => f.Key != "sign").ToDictionary(), AppSecret));
    }

    [Fact]
    public void Fields_read_strings_as_they_are_numbers_as_their_text_and_null_as_empty() =>
        Assert.Equal(
            new Dictionary<string, string> { ["nj"] = "3", ["yxbz"] = "true", ["bljg"] = "", ["xm"] = "王雪梅" },
            JiangxiWire.ReadBizContent("""{"nj":3,"yxbz":true,"bljg":null,"xm":"王雪梅"}"""));

    [Theory]
    [InlineData("""[1,2]""")]
    [InlineData("""{"xm":{"a":"b"}}""")]
    [InlineData("""{"xm":["a"]}""")]
    [InlineData("""{"xm":"a","xm":"b"}""")]
    [InlineData("""{"xm":""")]
    [InlineData("")]
    public void Anything_but_one_object_of_distinct_scalar_fields_is_refused(string json) =>
        Assert.ThrowsAny<JsonException>(() => JiangxiWire.ReadFields(json));

    [Fact]
    public void A_blank_bizContent_has_no_fields()
    {
        Assert.Empty(JiangxiWire.ReadBizContent(null));
        Assert.Empty(JiangxiWire.ReadBizContent(" "));
    }

    [Fact]
    public void ReqTime_is_Beijing_time_both_ways_and_anything_else_is_refused()
    {
        var instant = DateTimeOffset.FromUnixTimeMilliseconds(1767225600000);
        Assert.Equal("20260101080000", JiangxiWire.ReqTime(instant));
        Assert.True(JiangxiWire.TryReadReqTime("20260101080000", out var read));
        Assert.Equal(instant, read);
        Assert.False(JiangxiWire.TryReadReqTime("2026-01-01 08:00:00", out _));
        Assert.False(JiangxiWire.TryReadReqTime(null, out _));
    }

    [Fact]
    public void Code_lists_are_the_contracts_and_refuse_codes_outside_them()
    {
        Assert.Equal(("1", "2"), (JiangxiCodeLists.Sex.CodeOf("male"), JiangxiCodeLists.Sex.CodeOf("female")));
        Assert.Equal("30", JiangxiCodeLists.MaritalStatus.CodeOf("widowed"));
        Assert.Equal("40", JiangxiCodeLists.MaritalStatus.CodeOf("divorced"));
        Assert.Equal("3", JiangxiCodeLists.ResidentStatus.CodeOf("cancelled"));
        Assert.Equal("2", JiangxiCodeLists.StudentStatus.CodeOf("graduated"));
        Assert.Equal("03", JiangxiCodeLists.SlowWorkState.CodeOf("rejected"));
        Assert.True(JiangxiCodeLists.MaritalStatus.TryWordOf("20", out var married));
        Assert.Equal("married", married);
        Assert.False(JiangxiCodeLists.MaritalStatus.TryWordOf("2", out _));
        Assert.False(JiangxiCodeLists.Sex.TryWordOf("", out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => JiangxiCodeLists.Sex.CodeOf("unknown"));
    }

    [Theory]
    [InlineData("male")]
    [InlineData("female")]
    public void Sandbox_and_hub_code_sex_alike(string word) =>
        Assert.Equal(JiangxiCodes.ToXb(Enum.Parse<Sex>(word, ignoreCase: true)), JiangxiCodeLists.Sex.CodeOf(word));

    [Fact]
    public void Sandbox_and_hub_code_every_marital_status_resident_status_student_status_and_state_alike()
    {
        foreach (var status in Enum.GetValues<MaritalStatus>())
        {
            Assert.Equal(JiangxiCodes.ToHyzk(status), JiangxiCodeLists.MaritalStatus.CodeOf(status.ToString().ToLowerInvariant()));
        }
        foreach (var status in Enum.GetValues<ResidentStatus>())
        {
            Assert.Equal(JiangxiCodes.ToRkzt(status), JiangxiCodeLists.ResidentStatus.CodeOf(status.ToString().ToLowerInvariant()));
        }
        foreach (var status in Enum.GetValues<StudentStatus>())
        {
            Assert.Equal(JiangxiCodes.ToXjzt(status), JiangxiCodeLists.StudentStatus.CodeOf(status.ToString().ToLowerInvariant()));
        }
        foreach (var state in Enum.GetValues<SlowWorkState>())
        {
            Assert.Equal(JiangxiCodes.ToBlzt(state), JiangxiCodeLists.SlowWorkState.CodeOf(state.ToString().ToLowerInvariant()));
        }
    }

    [Fact]
    public void An_envelope_the_sandbox_seals_verifies_with_the_hubs_code()
    {
        var sealedJson = JiangxiWire.Seal(ExampleFields, AppSecret);
        Assert.True(JiangxiEnvelope.Verify(JiangxiEnvelope.ParseEnvelope(sealedJson), AppSecret));
        Assert.False(JiangxiEnvelope.Verify(JiangxiEnvelope.ParseEnvelope(sealedJson.Replace("张敏", "张明", StringComparison.Ordinal)), AppSecret));
    }

    [Fact]
    public async Task Requests_the_hub_adapter_seals_verify_here_answers_the_sandbox_seals_are_taken_and_broken_signs_are_refused_both_ways()
    {
        var reqIds = new List<string>();
        var answerSecret = AppSecret;
        await using var province = await LoopbackProvince.StartAsync(request =>
        {
            var reqId = JiangxiWire.ReadFields(request.BodyText)["reqId"];
            reqIds.Add(reqId);
            var biz = JiangxiWire.WriteBizContent([new("ppjg", "1"), new("hjxzqh", "360111"), new("rkzt", "1")]);
            return StubReply.Json(JiangxiWire.SealAnswer("0000", "成功", reqId, biz, answerSecret));
        });
        using var http = new HttpClient();
        var adapter = new JiangxiAdapter(
            Endpoints.Create("360000", JiangxiAdapter.SchemeName, province.BaseUrl, ("appId", "tongban-hub"), ("appSecret", AppSecret)),
            http, ExampleTime.Clock());
        var person = new Person("360111200004011253", "马刚思");

        Assert.Equal(new ResidentVerification(true, "360111", ResidentStatus.Normal), (await adapter.VerifyResidentAsync(person, CancellationToken.None)).Value);

        var envelope = JiangxiWire.ReadFields(Assert.Single(province.Requests).BodyText);
        Assert.True(JiangxiWire.IsSigned(envelope, AppSecret));
        Assert.Equal(("tongban-hub", JiangxiCodeLists.Services.ResidentVerify, "20260101080000"), (envelope["appId"], envelope["serviceCode"], envelope["reqTime"]));
        Assert.Equal(new Dictionary<string, string> { ["sfzhm"] = person.IdNumber, ["xm"] = person.Name }, JiangxiWire.ReadBizContent(envelope["bizContent"]));
        Assert.False(JiangxiWire.IsSigned(new Dictionary<string, string>(envelope) { ["sign"] = BrokenSignature.Of(envelope["sign"]) }, AppSecret));

        // The hub in turn refuses (as transient) an answer the sandbox signed with another secret.
        answerSecret = "not-" + AppSecret;
        await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.VerifyResidentAsync(person, CancellationToken.None));
        Assert.Equal(2, reqIds.Distinct().Count());
    }
}
