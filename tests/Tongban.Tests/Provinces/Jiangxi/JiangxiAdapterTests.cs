using Microsoft.Extensions.Time.Testing;
using Tongban.Provinces;
using Tongban.Provinces.Jiangxi;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Tongban.Tests.Provinces.Jiangxi;

public sealed class JiangxiAdapterTests : IDisposable
{
    private const string Wife = "360102200307193641";
    private const string Husband = "360102199001011211";

    private readonly JiangxiProvinceStub province = new();
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly JiangxiAdapter adapter;

    public JiangxiAdapterTests() => adapter = province.Adapter(http);

    public void Dispose()
    {
        http.Dispose();
        province.Dispose();
    }

    private void Answer(string retCode, Dictionary<string, string>? biz = null, string retMsg = "成功") =>
        province.Answer = (_, _) => new JiangxiReply(retCode, retMsg, biz);

    [Fact]
    public async Task Sends_a_signed_envelope_with_Beijing_reqTime_and_a_fresh_reqId()
    {
        var fixedIds = new Queue<string>(["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"]);
        var pinned = new JiangxiAdapter(JiangxiProvinceStub.Endpoint(province.Url), http, new FakeTimeProvider(JiangxiProvinceStub.Now), fixedIds.Dequeue);
        Answer("0000", new() { ["hyzk"] = "10" });

        await pinned.GetMaritalStatusAsync(new Person(Wife, "张敏"), default);
        await pinned.GetMaritalStatusAsync(new Person(Wife, "张敏"), default);

        var first = province.Calls[0].Envelope;
        Assert.Equal("tongban-hub", first["appId"]);
        Assert.Equal("JX_MZ_HYZKCX", first["serviceCode"]);
        Assert.Equal("20260101080000", first["reqTime"]);
        Assert.Equal("0123456789abcdef0123456789abcdef", first["reqId"]);
        Assert.Equal("fedcba9876543210fedcba9876543210", province.Calls[1].Envelope["reqId"]);
        Assert.Equal(JiangxiEnvelope.Sign(first, JiangxiProvinceStub.AppSecret), first["sign"]);
    }

    [Fact]
    public async Task Verifies_a_resident_mapping_ppjg_hjxzqh_and_rkzt()
    {
        Answer("0000", new() { ["ppjg"] = "1", ["hjxzqh"] = "360102", ["rkzt"] = "2" });

        var answer = await adapter.VerifyResidentAsync(new Person(Wife, "张敏"), default);

        Assert.Equal(ProvinceAnswer<ResidentVerification>.Ok(new ResidentVerification(true, "360102", ResidentStatus.Deceased)), answer);
        var call = province.LastCall;
        Assert.Equal("JX_GA_RKHC", call.ServiceCode);
        Assert.Equal(Wife, call.Biz["sfzhm"]);
        Assert.Equal("张敏", call.Biz["xm"]);
    }

    [Fact]
    public async Task Accepts_numbers_in_the_response_bizContent()
    {
        province.Answer = (_, _) => new JiangxiReply("0000", RawBizContent: "{\"ppjg\":0,\"hjxzqh\":\"360102\",\"rkzt\":3}");

        var answer = await adapter.VerifyResidentAsync(new Person(Wife, "张敏"), default);

        Assert.Equal(new ResidentVerification(false, "360102", ResidentStatus.Cancelled), answer.Value);
    }

    [Fact]
    public async Task Reads_a_mismatch_that_carries_no_rkzt()
    {
        Answer("0000", new() { ["ppjg"] = "0" });

        var answer = await adapter.VerifyResidentAsync(new Person(Wife, "张敏"), default);

        Assert.False(answer.Value!.Match);
        Assert.Null(answer.Value.HukouDivision);
    }

    [Fact]
    public async Task Throws_a_defect_for_a_match_that_carries_no_rkzt()
    {
        Answer("0000", new() { ["ppjg"] = "1", ["hjxzqh"] = "360102" });

        await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.VerifyResidentAsync(new Person(Wife, "张敏"), default));
    }

    [Theory]
    [InlineData("10", MaritalStatus.Unmarried)]
    [InlineData("20", MaritalStatus.Married)]
    [InlineData("30", MaritalStatus.Widowed)]
    [InlineData("40", MaritalStatus.Divorced)]
    public async Task Reads_the_marital_status_from_hyzk(string hyzk, MaritalStatus expected)
    {
        Answer("0000", new() { ["hyzk"] = hyzk });

        var answer = await adapter.GetMaritalStatusAsync(new Person(Wife, "张敏"), default);

        Assert.Equal(expected, answer.Value!.MaritalStatus);
        Assert.Equal("JX_MZ_HYZKCX", province.LastCall.ServiceCode);
    }

    [Fact]
    public async Task Registers_a_marriage_with_the_parties_as_nf_and_nv_by_sex_digit()
    {
        Answer("0000", new() { ["jhzh"] = "J360102-2026-000001" });

        var answer = await adapter.RegisterMarriageAsync(
            new MarriageRegistration("360102", new Person(Wife, "张敏"), new Person(Husband, "李强"), "case-42"), default);

        Assert.Equal("J360102-2026-000001", answer.Value!.CertificateNo);
        var biz = province.LastCall.Biz;
        Assert.Equal("JX_MZ_HYDJ", province.LastCall.ServiceCode);
        Assert.Equal(Husband, biz["nfsfzhm"]);
        Assert.Equal("李强", biz["nfxm"]);
        Assert.Equal(Wife, biz["nvsfzhm"]);
        Assert.Equal("张敏", biz["nvxm"]);
        Assert.Equal("360102", biz["djjg"]);
        Assert.Equal("case-42", biz["ywbh"]);
    }

    [Fact]
    public async Task Refuses_to_send_a_marriage_whose_parties_share_a_sex_as_a_defect_without_the_ID_numbers()
    {
        var error = await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.RegisterMarriageAsync(
            new MarriageRegistration("360102", new Person(Husband, "李强"), new Person("360102199202021233", "王伟"), "case-42"), default));

        Assert.Empty(province.Calls);
        Assert.DoesNotContain(Husband, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Updates_the_marital_status_with_hyzk_20_and_a_yyyyMMdd_registration_date()
    {
        Answer("0000");

        var answer = await adapter.UpdateMaritalStatusAsync(
            new MaritalUpdate(Wife, "张敏", MaritalStatus.Married, "J360102-2026-000001", Husband, new DateOnly(2026, 1, 2)), default);

        Assert.Same(Acknowledged.Instance, answer.Value);
        Assert.Equal("JX_MZ_HYZKGX", province.LastCall.ServiceCode);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["sfzhm"] = Wife, ["xm"] = "张敏", ["hyzk"] = "20", ["jhzh"] = "J360102-2026-000001", ["pozjhm"] = Husband, ["djrq"] = "20260102",
            },
            province.LastCall.Biz);
    }

    [Fact]
    public async Task Verifies_a_birth_certificate_mapping_yxbz_csrq_xb_and_sybz()
    {
        Answer("0000", new() { ["yxbz"] = "1", ["csrq"] = "20251224", ["xb"] = "2", ["sybz"] = "0" });

        var answer = await adapter.VerifyBirthAsync(new BirthVerifyRequest("O360100001", "李小红", Wife), default);

        Assert.Equal(new BirthVerification(true, new DateOnly(2025, 12, 24), Sex.Female, false), answer.Value);
        Assert.Equal("JX_WJ_CSZMHC", province.LastCall.ServiceCode);
        Assert.Equal(new Dictionary<string, string> { ["cszmbh"] = "O360100001", ["xsexm"] = "李小红", ["mqsfzhm"] = Wife }, province.LastCall.Biz);
    }

    [Fact]
    public async Task Reads_an_invalid_used_certificate_without_date_or_sex()
    {
        Answer("0000", new() { ["yxbz"] = "0", ["sybz"] = "1" });

        var answer = await adapter.VerifyBirthAsync(new BirthVerifyRequest("O360100001", "李小红", Wife), default);

        Assert.Equal(new BirthVerification(false, null, null, true), answer.Value);
    }

    [Fact]
    public async Task Marks_and_releases_a_birth_certificate_with_the_hub_case_id()
    {
        Answer("0000");
        var use = new BirthCertificateUse("O360100001", "case-7");

        Assert.True((await adapter.MarkBirthCertificateUsedAsync(use, default)).IsOk);
        Assert.True((await adapter.ReleaseBirthCertificateAsync(use, default)).IsOk);

        Assert.Equal(["JX_WJ_CSZMSY", "JX_WJ_CSZMSF"], province.Calls.Select(c => c.ServiceCode));
        Assert.All(province.Calls, c => Assert.Equal(new Dictionary<string, string> { ["cszmbh"] = "O360100001", ["ywbh"] = "case-7" }, c.Biz));
    }

    [Fact]
    public async Task Reports_a_certificate_held_by_another_case_as_refused()
    {
        Answer("2002", retMsg: "出生医学证明已被其他业务使用");

        var answer = await adapter.MarkBirthCertificateUsedAsync(new BirthCertificateUse("O360100001", "case-7"), default);

        Assert.Equal(AnswerKind.Refused, answer.Kind);
        Assert.Equal("出生医学证明已被其他业务使用", answer.Reason);
    }

    [Fact]
    public async Task Registers_a_newborn_in_pinyin_fields_and_returns_the_slbh_ticket()
    {
        Answer("0000", new() { ["slbh"] = "SL2026000123" });

        var answer = await adapter.RegisterNewbornAsync(new NewbornRegistration(
            new Newborn("李小红", Sex.Female, new DateOnly(2025, 12, 24)), new Person(Wife, "张敏"), "360102", "O360100001", "case-9"), default);

        Assert.Equal(new SlowTicket("SL2026000123"), answer.Value);
        Assert.Equal("JX_GA_XSEDJ", province.LastCall.ServiceCode);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["xsexm"] = "李小红", ["xb"] = "2", ["csrq"] = "20251224", ["sfzhm"] = Wife, ["xm"] = "张敏",
                ["hzxzqh"] = "360102", ["cszmbh"] = "O360100001", ["ywbh"] = "case-9",
            },
            province.LastCall.Biz);
    }

    [Fact]
    public async Task Reads_a_student_record_with_numeric_grade_and_xjzt()
    {
        province.Answer = (_, _) => new JiangxiReply("0000", RawBizContent:
            "{\"xm\":\"王芳\",\"sfzhm\":\"360102201201011222\",\"xxdm\":\"3601020001\",\"nj\":4,\"xjzt\":\"3\"}");

        var answer = await adapter.GetStudentRecordAsync("G360102201201011222", default);

        Assert.Equal(new StudentRecord("王芳", "360102201201011222", "3601020001", 4, StudentStatus.Transferred), answer.Value);
        Assert.Equal("JX_JY_XJCX", province.LastCall.ServiceCode);
        Assert.Equal("G360102201201011222", province.LastCall.Biz["xjh"]);
    }

    [Fact]
    public async Task Requests_a_transfer_out_and_returns_the_slbh_ticket()
    {
        Answer("0000", new() { ["slbh"] = "SL2026000200" });

        var answer = await adapter.RequestTransferOutAsync(new TransferOutRequest("G1", "3401040002", "随迁", "case-3"), default);

        Assert.Equal("SL2026000200", answer.Value!.Ticket);
        Assert.Equal("JX_JY_ZCSQ", province.LastCall.ServiceCode);
        Assert.Equal(new Dictionary<string, string> { ["xjh"] = "G1", ["xxdm"] = "3401040002", ["zcyy"] = "随迁", ["ywbh"] = "case-3" }, province.LastCall.Biz);
    }

    [Fact]
    public async Task Enrolls_a_student_with_the_grade_as_a_string()
    {
        Answer("0000");

        var answer = await adapter.EnrollStudentAsync(new StudentEnrollment("G1", "3601020001", 5, "case-3"), default);

        Assert.True(answer.IsOk);
        Assert.Equal("JX_JY_RXDJ", province.LastCall.ServiceCode);
        Assert.Equal(new Dictionary<string, string> { ["xjh"] = "G1", ["xxdm"] = "3601020001", ["nj"] = "5", ["ywbh"] = "case-3" }, province.LastCall.Biz);
        Assert.Contains("\"nj\":\"5\"", province.LastCall.Envelope["bizContent"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirms_and_cancels_a_transfer_by_xjh_and_zcbh()
    {
        Answer("0000");
        var reference = new TransferOutReference("G1", "ZC2026000007");

        Assert.True((await adapter.ConfirmTransferOutAsync(reference, default)).IsOk);
        Assert.True((await adapter.CancelTransferOutAsync(reference, default)).IsOk);

        Assert.Equal(["JX_JY_ZCQR", "JX_JY_ZCCX"], province.Calls.Select(c => c.ServiceCode));
        Assert.All(province.Calls, c => Assert.Equal(new Dictionary<string, string> { ["xjh"] = "G1", ["zcbh"] = "ZC2026000007" }, c.Biz));
    }

    [Fact]
    public async Task Polls_a_ticket_still_processing()
    {
        Answer("0000", new() { ["blzt"] = "01" });

        var answer = await adapter.QueryTicketAsync(new SlowTicket("SL2026000123"), default);

        Assert.Equal(new SlowWorkResult(SlowWorkState.Processing), answer.Value);
        Assert.Equal("JX_TY_BLJGCX", province.LastCall.ServiceCode);
        Assert.Equal("SL2026000123", province.LastCall.Biz["slbh"]);
    }

    [Fact]
    public async Task Polls_an_approved_newborn_registration_with_id_number_and_household()
    {
        Answer("0000", new() { ["blzt"] = "02", ["sfzhm"] = "360102202512240028", ["hh"] = "H360102000321" });

        var answer = await adapter.QueryTicketAsync(new SlowTicket("SL2026000123"), default);

        Assert.Equal(new SlowWorkResult(SlowWorkState.Approved, IdNumber: "360102202512240028", HouseholdNo: "H360102000321"), answer.Value);
    }

    [Fact]
    public async Task Polls_an_approved_transfer_with_its_zcbh()
    {
        Answer("0000", new() { ["blzt"] = "02", ["zcbh"] = "ZC2026000007" });

        var answer = await adapter.QueryTicketAsync(new SlowTicket("SL2026000200"), default);

        Assert.Equal(new SlowWorkResult(SlowWorkState.Approved, TransferId: "ZC2026000007"), answer.Value);
    }

    [Fact]
    public async Task Polls_a_refused_ticket_with_the_bljg_reason()
    {
        Answer("0000", new() { ["blzt"] = "03", ["bljg"] = "材料不全" });

        var answer = await adapter.QueryTicketAsync(new SlowTicket("SL2026000123"), default);

        Assert.Equal(new SlowWorkResult(SlowWorkState.Rejected, Reason: "材料不全"), answer.Value);
    }

    [Fact]
    public async Task Reports_2001_as_no_record_with_the_province_message()
    {
        Answer("2001", retMsg: "查无此人");

        var answer = await adapter.VerifyResidentAsync(new Person(Wife, "张敏"), default);

        Assert.Equal(AnswerKind.NoRecord, answer.Kind);
        Assert.Equal("查无此人", answer.Reason);
        Assert.Null(answer.Value);
    }

    [Theory]
    [InlineData("1001")]
    [InlineData("1002")]
    [InlineData("3000")]
    public async Task Throws_a_defect_for_parameter_or_signature_errors_and_unknown_codes(string retCode)
    {
        Answer(retCode, retMsg: "身份证号" + Wife + "格式错误");

        // As the registry hands the adapter out: the scrubbing decorator masks the ID number the province echoed.
        var error = await Assert.ThrowsAsync<ProvinceDefectException>(() => new ScrubbedProvinceAdapter(adapter).VerifyResidentAsync(new Person(Wife, "张敏"), default));

        Assert.Equal("360000", error.Province);
        Assert.DoesNotContain(Wife, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throws_a_defect_when_the_province_refuses_our_reqTime_as_skewed()
    {
        // The stub checks reqTime like the ESB (±300 s) and answers a properly signed 1002.
        var skewed = new JiangxiAdapter(
            JiangxiProvinceStub.Endpoint(province.Url), http, new FakeTimeProvider(JiangxiProvinceStub.Now.AddMinutes(6)));

        await Assert.ThrowsAsync<ProvinceDefectException>(() => skewed.GetMaritalStatusAsync(new Person(Wife, "张敏"), default));
        Assert.Empty(province.Calls);
    }

    [Fact]
    public async Task Throws_transient_when_our_appSecret_is_wrong_because_no_answer_verifies()
    {
        // With a wrong secret the province's signed 1002 cannot be authenticated either, so it is not
        // trusted as a defect: the step retries and the operator sees repeated signature failures.
        var misconfigured = province.Adapter(http, appSecret: "jx-app-secret-9999");

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() => misconfigured.GetMaritalStatusAsync(new Person(Wife, "张敏"), default));

        Assert.Contains("signature", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throws_transient_when_the_province_is_busy()
    {
        Answer("9999", retMsg: "系统繁忙");

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.VerifyResidentAsync(new Person(Wife, "张敏"), default));

        Assert.Equal("360000", error.Province);
    }

    [Fact]
    public async Task Throws_transient_when_the_response_signature_does_not_verify()
    {
        Answer("0000", new() { ["hyzk"] = "10" });
        province.SignWithWrongSecret = true;

        await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetMaritalStatusAsync(new Person(Wife, "张敏"), default));
    }

    [Fact]
    public async Task Throws_transient_when_the_response_answers_another_reqId()
    {
        Answer("0000", new() { ["hyzk"] = "10" });
        province.EchoOtherReqId = true;

        await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetMaritalStatusAsync(new Person(Wife, "张敏"), default));
    }

    [Theory]
    [InlineData("{\"hyzk\":\"99\"}")]
    [InlineData("{}")]
    [InlineData("not json")]
    public async Task Throws_a_defect_when_a_signed_success_breaks_the_contract(string bizContent)
    {
        province.Answer = (_, _) => new JiangxiReply("0000", RawBizContent: bizContent);

        await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.GetMaritalStatusAsync(new Person(Wife, "张敏"), default));
    }

    [Fact]
    public async Task Throws_transient_with_retry_after_when_the_ESB_answers_503()
    {
        using var down = WireMockServer.Start();
        down.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(503).WithHeader("Retry-After", "7"));
        var toDown = new JiangxiAdapter(JiangxiProvinceStub.Endpoint(new Uri(down.Url!)), http, new FakeTimeProvider(JiangxiProvinceStub.Now));

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() => toDown.VerifyResidentAsync(new Person(Wife, "张敏"), default));

        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
    }

    [Fact]
    public async Task Throws_transient_when_the_ESB_answers_something_that_is_not_an_envelope()
    {
        using var odd = WireMockServer.Start();
        odd.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(200).WithBody("<html>maintenance</html>"));
        var toOdd = new JiangxiAdapter(JiangxiProvinceStub.Endpoint(new Uri(odd.Url!)), http, new FakeTimeProvider(JiangxiProvinceStub.Now));

        await Assert.ThrowsAsync<ProvinceTransientException>(() => toOdd.VerifyResidentAsync(new Person(Wife, "张敏"), default));
    }

    [Fact]
    public async Task Throws_a_defect_when_the_ESB_answers_404()
    {
        using var wrong = WireMockServer.Start();
        wrong.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(404));
        var toWrong = new JiangxiAdapter(JiangxiProvinceStub.Endpoint(new Uri(wrong.Url!)), http, new FakeTimeProvider(JiangxiProvinceStub.Now));

        await Assert.ThrowsAsync<ProvinceDefectException>(() => toWrong.VerifyResidentAsync(new Person(Wife, "张敏"), default));
    }

    [Fact]
    public async Task Throws_transient_when_nothing_listens()
    {
        var toNowhere = new JiangxiAdapter(JiangxiProvinceStub.Endpoint(JiangxiProvinceStub.ClosedPort()), http, new FakeTimeProvider(JiangxiProvinceStub.Now));

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() => toNowhere.VerifyResidentAsync(new Person(Wife, "张敏"), default));

        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task Throws_transient_when_the_connection_is_lost_mid_call()
    {
        var handler = StubHandler.Throwing(new IOException("Connection reset by peer"));
        using var client = new HttpClient(handler);
        var dropping = new JiangxiAdapter(JiangxiProvinceStub.Endpoint(new Uri("http://127.0.0.1:9/")), client, new FakeTimeProvider(JiangxiProvinceStub.Now));

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() => dropping.VerifyResidentAsync(new Person(Wife, "张敏"), default));

        Assert.IsType<IOException>(error.InnerException);
        Assert.Equal(1, handler.Sent);
    }

    [Fact]
    public async Task Throws_transient_when_the_ESB_times_out()
    {
        using var slow = WireMockServer.Start();
        slow.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(200).WithDelay(TimeSpan.FromSeconds(3)));
        using var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) };
        var toSlow = new JiangxiAdapter(JiangxiProvinceStub.Endpoint(new Uri(slow.Url!)), impatient, new FakeTimeProvider(JiangxiProvinceStub.Now));

        await Assert.ThrowsAsync<ProvinceTransientException>(() => toSlow.VerifyResidentAsync(new Person(Wife, "张敏"), default));
    }

    [Fact]
    public async Task Lets_the_callers_cancellation_through_as_cancellation()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => adapter.VerifyResidentAsync(new Person(Wife, "张敏"), cts.Token));
    }

    [Fact]
    public void Factory_builds_a_polling_adapter_for_jx_esb()
    {
        var factory = new JiangxiAdapterFactory(TimeProvider.System);

        var built = factory.Create(JiangxiProvinceStub.Endpoint(province.Url), http);

        Assert.Equal("jx-esb", factory.Scheme);
        Assert.IsType<JiangxiAdapter>(built);
        Assert.Equal("360000", built.ProvinceCode);
        Assert.Equal(SlowWorkCompletion.Polling, built.SlowWork);
    }
}
