using System.Text;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Tongban.Cases;
using Tongban.Provinces;
using Tongban.Provinces.Anhui;
using Tongban.Provinces.Jiangxi;
using Tongban.Provinces.Shanghai;
using Tongban.Provinces.Zhejiang;
using Tongban.Security;
using Tongban.Storage;
using Tongban.Tests.Provinces.Anhui;
using Tongban.Tests.Provinces.Jiangxi;
using Tongban.Workflows;
using Tongban.Workflows.Dispatch;

namespace Tongban.Tests.Provinces.Scrubbing;

/// <summary>
/// Rule: a reason a province wrote reaches the case (step detail, outcome, callbacks, logs) without an ID number or the
/// name of the case's people, for every province. Each province's real adapter answers from its loopback stub through
/// the registry (ID numbers, <see cref="ScrubbedProvinceAdapter"/>) and the step invoker (names).
/// </summary>
public sealed class ProvinceReasonScrubbingTests
{
    private const string IdNumber = "330106200006179053";
    private const string MaskedId = "330106********9053";
    private const string Mother = "张敏";
    private const string Child = "李小明";
    private static readonly string Reason = $"学生号G{IdNumber}：{Mother}（身份证{IdNumber}）之子{Child}的出生证已被占用";

    private readonly FakeTimeProvider clock = ExampleTime.Clock();

    [Fact]
    public async Task Zhejiang_refusal_and_slow_work_reason_are_scrubbed()
    {
        await using var province = await LoopbackProvince.StartAsync(r => r.Path switch
        {
            "/zj/gateway/token" => StubReply.Json("""{"code":"00","msg":"ok","data":{"requestSecret":"rs-1","expiresInSeconds":900}}"""),
            var p when p.EndsWith(ZhejiangServiceCodes.TicketQuery, StringComparison.Ordinal) =>
                StubReply.Json("""{"code":"00","msg":"ok","data":{"state":"rejected","reason":""" + Quoted(Reason) + "}}"),
            _ => StubReply.Json("""{"code":"96","msg":""" + Quoted(Reason) + ""","data":{}}"""),
        });

        await AssertScrubbedAsync("330000", ZhejiangAdapter.SchemeName, province.BaseUrl, new() { ["appKey"] = "tongban-hub", ["appSecret"] = "zj-app-secret-0001" });
    }

    [Fact]
    public async Task Shanghai_refusal_and_callback_reason_are_scrubbed()
    {
        await using var province = await LoopbackProvince.StartAsync(_ =>
            StubReply.Json("""{"error":{"code":"CERT_IN_USE","message":""" + Quoted(Reason) + "}}", status: 409));
        var settings = new Dictionary<string, string?>
        {
            ["appKey"] = "tongban-hub", ["appSecret"] = "sh-app-secret-0001", ["callbackKey"] = "sh-callback", ["callbackSecret"] = "sh-callback-secret-0001",
        };
        await AssertScrubbedAsync("310000", ShanghaiAdapter.SchemeName, province.BaseUrl, settings, slowWork: false);

        // Shanghai's slow work comes back by callback: the reader the callback API uses scrubs the reason it carries.
        var body = Encoding.UTF8.GetBytes("""{"ticket":"sh-t-1","type":"newborn-registration","result":"rejected","reason":""" + Quoted(Reason) + "}");
        var timestamp = clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var request = new DefaultHttpContext().Request;
        request.Method = "POST";
        request.Headers["X-Ca-Key"] = "sh-callback";
        request.Headers["X-Ca-Timestamp"] = timestamp;
        request.Headers["X-Ca-Nonce"] = "9a9b0c1d-0000-4000-8000-00000000000a";
        request.Headers["X-Ca-Signature"] = HmacRequestSignature.Compute("sh-callback-secret-0001", "POST", ShanghaiCallback.Path, timestamp, "9a9b0c1d-0000-4000-8000-00000000000a", body);
        var registry = Registry("310000", ShanghaiAdapter.SchemeName, province.BaseUrl, settings);

        var (callback, refusal) = new ScrubbedCallbackReader(new ShanghaiCallbackReader()).Read(registry.Endpoint("310000"), request, ShanghaiCallback.Path, body, clock.GetUtcNow());

        Assert.Null(refusal);
        AssertNoIdNumber(callback!.Result.Reason);
        AssertNoName(ProvinceStepInvoker.FromSlowWork(CanonicalOperations.NewbornRegister, callback.Result, Command()).Reason);
    }

    [Fact]
    public async Task Jiangxi_refusal_and_slow_work_reason_are_scrubbed()
    {
        using var province = new JiangxiProvinceStub
        {
            Answer = (service, _) => service == JiangxiCodes.Services.SlowWorkResult
                ? new JiangxiReply("0000", Biz: new Dictionary<string, string> { ["blzt"] = "03", ["bljg"] = Reason })
                : new JiangxiReply("2002", Reason),
        };

        await AssertScrubbedAsync("360000", JiangxiAdapter.SchemeName, province.Url, new() { ["appId"] = JiangxiProvinceStub.AppId, ["appSecret"] = JiangxiProvinceStub.AppSecret });
    }

    [Fact]
    public async Task Anhui_refusal_and_slow_work_reason_are_scrubbed()
    {
        using var province = new AnhuiProvinceStub
        {
            Answer = (api, _) => api == AnhuiAdapter.Apis.TaskQuery
                ? new AnhuiReply(0, PayloadJson: """{"state":"REJECTED","reason":""" + Quoted(Reason) + "}")
                : new AnhuiReply(4009, Reason),
        };

        await AssertScrubbedAsync("340000", AnhuiAdapter.SchemeName, province.Url, AnhuiProvinceStub.Settings());
    }

    [Theory]
    [InlineData("98")] // a defect: the step fails with the province's words as its detail
    [InlineData("99")] // transient: the fault is rethrown, and its message is logged by the queue's host and the poller
    public async Task Fault_messages_reach_the_step_and_the_logs_without_id_number_or_name(string code)
    {
        await using var province = await LoopbackProvince.StartAsync(r => r.Path == "/zj/gateway/token"
            ? StubReply.Json("""{"code":"00","msg":"ok","data":{"requestSecret":"rs-1","expiresInSeconds":900}}""")
            : StubReply.Json("""{"code":""" + Quoted(code) + ""","msg":""" + Quoted(Reason) + ""","data":{}}"""));
        var registry = Registry("330000", ZhejiangAdapter.SchemeName, province.BaseUrl, new() { ["appKey"] = "tongban-hub", ["appSecret"] = "zj-app-secret-0001" });
        var invoker = new ProvinceStepInvoker(registry);
        var item = new ProvinceStep("case-1", "birth.mark-used", null, CanonicalOperations.BirthMarkUsed, "330000", 1);

        string? text;
        if (code == "99")
        {
            text = (await Assert.ThrowsAsync<ProvinceTransientException>(() => invoker.InvokeAsync(Stored("330000"), item, default))).ToString();
        }
        else
        {
            var step = await invoker.InvokeAsync(Stored("330000"), item, default);
            Assert.Equal(StepOutcome.Failed, step.Outcome);
            text = step.Reason;
        }

        AssertNoIdNumber(text);
        AssertNoName(text);
    }

    /// <summary>birth.mark-used refused with <see cref="Reason"/> as a step result, and (polling provinces) a ticket rejected with it.</summary>
    private async Task AssertScrubbedAsync(string code, string scheme, Uri baseUrl, Dictionary<string, string?> settings, bool slowWork = true)
    {
        var registry = Registry(code, scheme, baseUrl, settings);
        var stored = Stored(code);

        var answer = await registry.Adapter(code).MarkBirthCertificateUsedAsync(new BirthCertificateUse("C-1", "case-1"), default);
        var step = await new ProvinceStepInvoker(registry).InvokeAsync(stored, new ProvinceStep("case-1", "birth.mark-used", null, CanonicalOperations.BirthMarkUsed, code, 1), default);

        Assert.Equal(AnswerKind.Refused, answer.Kind);
        AssertNoIdNumber(answer.Reason);
        Assert.Equal(StepOutcome.Refused, step.Outcome);
        AssertNoIdNumber(step.Reason);
        AssertNoName(step.Reason);
        if (!slowWork) return;

        var slow = await registry.Adapter(code).QueryTicketAsync(new SlowTicket("T-1"), default);

        Assert.Equal(SlowWorkState.Rejected, slow.Value!.State);
        AssertNoIdNumber(slow.Value.Reason);
        AssertNoName(ProvinceStepInvoker.FromSlowWork(CanonicalOperations.NewbornRegister, slow.Value, Command()).Reason);
    }

    private ProvinceRegistry Registry(string code, string scheme, Uri baseUrl, Dictionary<string, string?> settings)
    {
        var configuration = new Dictionary<string, string?>
        {
            [$"Tongban:Provinces:{code}:Scheme"] = scheme,
            [$"Tongban:Provinces:{code}:BaseUrl"] = baseUrl.ToString(),
        };
        foreach (var (key, value) in settings) configuration[$"Tongban:Provinces:{code}:{key}"] = value;
        IProvinceAdapterFactory[] factories = [new ZhejiangAdapterFactory(clock), new ShanghaiAdapterFactory(clock), new JiangxiAdapterFactory(clock), new AnhuiAdapterFactory(clock)];
        return new ProvinceRegistry(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build(), factories, new PlainHttpClients());
    }

    private static StoredCase Stored(string code) => new(
        new CaseRecord { CaseId = "case-1", CaseType = CaseTypeNames.Newborn, Reference = "r-1", HandlingProvince = code, InvolvedProvinces = [code] },
        Command(), ETag.All);

    private static OpenCaseCommand Command() => new(CaseType.NewbornRegistration, "r-1", "330000", null,
        Newborn: new NewbornDetails(new NewbornChild(Child, Sex.Male, new DateOnly(2026, 1, 1)), "C-1", "330000", "mother",
            new Party(IdNumber, Mother, "330000"), null, "330106"));

    private static string Quoted(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private static void AssertNoIdNumber(string? reason)
    {
        Assert.NotNull(reason);
        Assert.DoesNotContain(IdNumber, reason, StringComparison.Ordinal);
        Assert.Contains(MaskedId, reason, StringComparison.Ordinal);
    }

    private static void AssertNoName(string? reason)
    {
        Assert.NotNull(reason);
        Assert.DoesNotContain(Mother, reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Child, reason, StringComparison.Ordinal);
        Assert.Contains("张*", reason, StringComparison.Ordinal);
    }
}

/// <summary>A fresh plain client per name, as the registry asks for one per province.</summary>
internal sealed class PlainHttpClients : IHttpClientFactory
{
    public HttpClient CreateClient(string name) => new() { Timeout = TimeSpan.FromSeconds(10) };
}
