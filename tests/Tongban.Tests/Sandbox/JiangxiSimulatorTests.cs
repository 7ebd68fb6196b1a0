using System.Diagnostics;
using System.Net;
using System.Text;
using Tongban.Provinces;
using Tongban.Provinces.Jiangxi;
using Tongban.Sandbox;
using Tongban.Sandbox.Population;
using Tongban.Tests.Provinces;

namespace Tongban.Tests.Sandbox;

/// <summary>A Jiangxi answer as the hub sees it: the envelope, whether its sign verifies, and the business fields.</summary>
internal sealed record JiangxiAnswer(IReadOnlyDictionary<string, string> Envelope, bool SignatureValid, IReadOnlyDictionary<string, string> Biz)
{
    public string RetCode => Envelope["retCode"];

    public string this[string field] => Biz[field];
}

/// <summary>Calls the simulated Jiangxi ESB exactly as jiangxi.md says, with the hub's own envelope helpers.</summary>
internal sealed class JiangxiCaller(HttpClient http, TimeProvider time)
{
    public const string AppId = "tongban-hub";
    public const string AppSecret = "jx-app-secret-0001";

    public Task<JiangxiAnswer> CallAsync(string serviceCode, params (string Name, string Value)[] biz) =>
        SendAsync(serviceCode, biz);

    public async Task<JiangxiAnswer> SendAsync(
        string serviceCode, (string Name, string Value)[] biz,
        string? reqId = null, DateTimeOffset? reqTime = null, string secret = AppSecret)
    {
        var bizContent = JiangxiEnvelope.SerializeBizContent(biz.Select(f => KeyValuePair.Create(f.Name, f.Value)));
        var body = JiangxiEnvelope.BuildRequest(
            AppId, serviceCode, JiangxiEnvelope.FormatReqTime(reqTime ?? time.GetUtcNow()), reqId ?? JiangxiAdapter.NewReqId(), bizContent, secret);
        return await PostAsync(body);
    }

    public async Task<JiangxiAnswer> PostAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("jx/esb/service", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var envelope = JiangxiEnvelope.ParseEnvelope(await response.Content.ReadAsStringAsync());
        return new JiangxiAnswer(envelope, JiangxiEnvelope.Verify(envelope, AppSecret), JiangxiEnvelope.ParseBizContent(envelope.GetValueOrDefault("bizContent")));
    }

    /// <summary>The hub's real Jiangxi adapter pointed at the sandbox.</summary>
    public static JiangxiAdapter Adapter(Uri sandbox, HttpClient http, TimeProvider time, string secret = AppSecret) => new(
        Endpoints.Create("360000", JiangxiAdapter.SchemeName, sandbox, ("appId", AppId), ("appSecret", secret)), http, time);
}

public sealed class JiangxiSimulatorTests : IAsyncLifetime
{
    // Jiangxi people of the sandbox population.
    private const string Man = "360111200004011253";      // 马刚思, normal, unmarried, 360111
    private const string Woman = "360102198910219463";    // 卢怡娟, normal, unmarried
    private const string Deceased = "360111199809023483"; // 史敏轩
    private const string ApprovingStudent = "G360111201707059151";
    private const string RejectingStudent = "G360102201707266541";

    private readonly ShiftableTime _time = new();
    private ProvinceSandbox _sandbox = null!;
    private HttpClient _http = null!;
    private JiangxiCaller _jx = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await ProvinceSandbox.StartAsync(new SandboxOptions { TimeProvider = _time }, CancellationToken.None);
        _http = new HttpClient { BaseAddress = _sandbox.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        _jx = new JiangxiCaller(_http, _time);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sandbox.DisposeAsync();
    }

    private static (string, string)[] Marriage(string husband, string wife, string ywbh) =>
    [
        ("djjg", "360111"), ("nfsfzhm", husband), ("nfxm", "男方"), ("nvsfzhm", wife), ("nvxm", "女方"), ("ywbh", ywbh),
    ];

    private static (string, string)[] Newborn(string parentId, string parentName, string ywbh) =>
    [
        ("xsexm", "马小思"), ("xb", "1"), ("csrq", "20261009"), ("sfzhm", parentId), ("xm", parentName),
        ("hzxzqh", "360111"), ("cszmbh", "P368594862"), ("ywbh", ywbh),
    ];

    [Fact]
    public async Task Answers_are_signed_with_the_app_secret_and_echo_the_reqId()
    {
        var reqId = JiangxiAdapter.NewReqId();
        var answer = await _jx.SendAsync(JiangxiCodes.Services.StudentRecord, [("xjh", ApprovingStudent)], reqId);
        Assert.Equal("0000", answer.RetCode);
        Assert.True(answer.SignatureValid);
        Assert.Equal(reqId, answer.Envelope["reqId"]);
        Assert.Equal("3", answer["nj"]);
        Assert.Equal("1", answer["xjzt"]);
    }

    [Fact]
    public async Task Request_signed_with_another_secret_gets_1002_and_changes_nothing()
    {
        var answer = await _jx.SendAsync(JiangxiCodes.Services.MarriageRegister, Marriage(Man, Woman, "case-s1"), secret: "not-the-secret");
        Assert.Equal("1002", answer.RetCode);
        Assert.True(answer.SignatureValid);
        Assert.Empty(_sandbox.State.Marriages);
    }

    [Fact]
    public async Task Tampered_bizContent_breaks_the_sign_and_gets_1002()
    {
        var body = JiangxiEnvelope.BuildRequest(JiangxiCaller.AppId, JiangxiCodes.Services.ResidentVerify,
            JiangxiEnvelope.FormatReqTime(_time.GetUtcNow()), JiangxiAdapter.NewReqId(),
            JiangxiEnvelope.SerializeBizContent([new("sfzhm", Man), new("xm", "马刚思")]), JiangxiCaller.AppSecret);
        Assert.Equal("1002", (await _jx.PostAsync(body.Replace("马刚思", "别人", StringComparison.Ordinal))).RetCode);
    }

    [Fact]
    public async Task Reused_reqId_gets_1002()
    {
        var reqId = JiangxiAdapter.NewReqId();
        Assert.Equal("0000", (await _jx.SendAsync(JiangxiCodes.Services.StudentRecord, [("xjh", ApprovingStudent)], reqId)).RetCode);
        var replay = await _jx.SendAsync(JiangxiCodes.Services.StudentRecord, [("xjh", ApprovingStudent)], reqId);
        Assert.Equal("1002", replay.RetCode);
        Assert.Equal(reqId, replay.Envelope["reqId"]);
    }

    [Fact]
    public async Task ReqTime_more_than_300_seconds_off_gets_1002_either_way()
    {
        var now = _time.GetUtcNow();
        Assert.Equal("1002", (await _jx.SendAsync(JiangxiCodes.Services.StudentRecord, [("xjh", ApprovingStudent)], reqTime: now.AddSeconds(-302))).RetCode);
        Assert.Equal("1002", (await _jx.SendAsync(JiangxiCodes.Services.StudentRecord, [("xjh", ApprovingStudent)], reqTime: now.AddSeconds(302))).RetCode);
        Assert.Equal("0000", (await _jx.SendAsync(JiangxiCodes.Services.StudentRecord, [("xjh", ApprovingStudent)], reqTime: now.AddSeconds(-240))).RetCode);
    }

    [Fact]
    public async Task Missing_or_out_of_list_fields_unknown_services_and_non_envelopes_get_1001()
    {
        Assert.Equal("1001", (await _jx.CallAsync(JiangxiCodes.Services.ResidentVerify, ("sfzhm", Man))).RetCode);
        Assert.Equal("1001", (await _jx.CallAsync(JiangxiCodes.Services.ResidentVerify, ("sfzhm", "3601112000"), ("xm", "马刚思"))).RetCode);
        Assert.Equal("1001", (await _jx.CallAsync(JiangxiCodes.Services.MaritalUpdate,
            ("sfzhm", Man), ("xm", "马刚思"), ("hyzk", "25"), ("jhzh", "J360000-2026-000001"), ("pozjhm", Woman), ("djrq", "20261128"))).RetCode);
        Assert.Equal("1001", (await _jx.CallAsync("JX_NO_SUCH", ("xjh", ApprovingStudent))).RetCode);
        var notAnEnvelope = await _jx.PostAsync("[1,2]");
        Assert.Equal("1001", notAnEnvelope.RetCode);
        Assert.True(notAnEnvelope.SignatureValid);
        Assert.Equal("1001", (await _jx.SendAsync(JiangxiCodes.Services.StudentRecord, [("xjh", ApprovingStudent)], reqId: "NOT-HEX")).RetCode);
    }

    [Fact]
    public async Task Resident_verify_gives_GB_codes_and_2001_for_people_of_other_provinces()
    {
        var match = await _jx.CallAsync(JiangxiCodes.Services.ResidentVerify, ("sfzhm", Man), ("xm", "马刚思"));
        Assert.Equal(("0000", "1", "360111", "1"), (match.RetCode, match["ppjg"], match["hjxzqh"], match["rkzt"]));
        Assert.Equal("0", (await _jx.CallAsync(JiangxiCodes.Services.ResidentVerify, ("sfzhm", Man), ("xm", "别人")))["ppjg"]);
        Assert.Equal("2", (await _jx.CallAsync(JiangxiCodes.Services.ResidentVerify, ("sfzhm", Deceased), ("xm", "史敏轩")))["rkzt"]);
        Assert.Equal("2001", (await _jx.CallAsync(JiangxiCodes.Services.ResidentVerify, ("sfzhm", "340104198311060875"), ("xm", "林桂凯"))).RetCode);
    }

    [Fact]
    public async Task Marital_status_is_answered_in_GB_T_2261_2_codes()
    {
        Assert.Equal("20", (await _jx.CallAsync(JiangxiCodes.Services.MaritalStatus, ("sfzhm", "360102200307193641"), ("xm", "崔玉明")))["hyzk"]);
        Assert.Equal("30", (await _jx.CallAsync(JiangxiCodes.Services.MaritalStatus, ("sfzhm", "36010219820425187X"), ("xm", "孟轩")))["hyzk"]);
        Assert.Equal("2001", (await _jx.CallAsync(JiangxiCodes.Services.MaritalStatus, ("sfzhm", Man), ("xm", "别人"))).RetCode);
    }

    [Fact]
    public async Task Same_ywbh_registers_one_marriage_with_the_husband_as_party_A()
    {
        var first = await _jx.CallAsync(JiangxiCodes.Services.MarriageRegister, Marriage(Man, Woman, "case-m1"));
        var second = await _jx.CallAsync(JiangxiCodes.Services.MarriageRegister, Marriage(Man, Woman, "case-m1"));
        Assert.Matches(@"^J360000-\d{4}-000001$", first["jhzh"]);
        Assert.Equal(first["jhzh"], second["jhzh"]);
        var marriage = Assert.Single(_sandbox.State.Marriages);
        Assert.Equal((Man, Woman, "360111"), (marriage.PartyAIdNumber, marriage.PartyBIdNumber, marriage.RegistryCode));
    }

    [Fact]
    public async Task Marriage_with_a_woman_as_nf_is_a_parameter_error()
    {
        Assert.Equal("1001", (await _jx.CallAsync(JiangxiCodes.Services.MarriageRegister, Marriage(Woman, Man, "case-m2"))).RetCode);
        Assert.Empty(_sandbox.State.Marriages);
    }

    [Fact]
    public async Task Marital_update_delivered_twice_has_one_effect_and_unknown_people_get_2001()
    {
        (string, string)[] biz =
        [
            ("sfzhm", Man), ("xm", "马刚思"), ("hyzk", "20"), ("jhzh", "J360000-2026-000001"), ("pozjhm", Woman), ("djrq", "20261128"),
        ];
        Assert.Equal("0000", (await _jx.CallAsync(JiangxiCodes.Services.MaritalUpdate, biz)).RetCode);
        Assert.Equal("0000", (await _jx.CallAsync(JiangxiCodes.Services.MaritalUpdate, biz)).RetCode);
        var update = _sandbox.State.MaritalUpdate(Man, "J360000-2026-000001")!;
        Assert.Equal((1, 2, "married", "2026-11-28"), (update.Effects, update.Deliveries, update.MaritalStatus, update.RegisteredOn));
        Assert.Equal("married", _sandbox.State.MaritalStatusOf(Man));
        Assert.Equal("2001", (await _jx.CallAsync(JiangxiCodes.Services.MaritalUpdate,
            [.. biz.Where(f => f.Item1 != "xm"), ("xm", "别人")])).RetCode);
    }

    [Fact]
    public async Task Birth_certificate_held_by_one_case_is_refused_to_another_with_2002_until_released()
    {
        var verify = await _jx.CallAsync(JiangxiCodes.Services.BirthVerify, ("cszmbh", "P368594862"), ("xsexm", "白梅琪"), ("mqsfzhm", "330212198802144081"));
        Assert.Equal(("1", "20261009", "2", "0"), (verify["yxbz"], verify["csrq"], verify["xb"], verify["sybz"]));
        Assert.Equal("1", (await _jx.CallAsync(JiangxiCodes.Services.BirthVerify, ("cszmbh", "S366041128"), ("xsexm", "杜艳静"), ("mqsfzhm", "310104198708114602")))["sybz"]);

        (string, string)[] Use(string ywbh) => [("cszmbh", "P368594862"), ("ywbh", ywbh)];
        Assert.Equal("0000", (await _jx.CallAsync(JiangxiCodes.Services.BirthMarkUsed, Use("case-b1"))).RetCode);
        Assert.Equal("0000", (await _jx.CallAsync(JiangxiCodes.Services.BirthMarkUsed, Use("case-b1"))).RetCode);
        Assert.Equal("2002", (await _jx.CallAsync(JiangxiCodes.Services.BirthMarkUsed, Use("case-b2"))).RetCode);
        Assert.Equal("0000", (await _jx.CallAsync(JiangxiCodes.Services.BirthRelease, Use("case-b2"))).RetCode);
        Assert.Equal("case-b1", _sandbox.State.CertificateHolder("P368594862"));
        Assert.Equal("0000", (await _jx.CallAsync(JiangxiCodes.Services.BirthRelease, Use("case-b1"))).RetCode);
        Assert.Null(_sandbox.State.CertificateHolder("P368594862"));
        Assert.Equal("0000", (await _jx.CallAsync(JiangxiCodes.Services.BirthMarkUsed, Use("case-b2"))).RetCode);
        Assert.Equal("2001", (await _jx.CallAsync(JiangxiCodes.Services.BirthMarkUsed, ("cszmbh", "P348733249"), ("ywbh", "case-b3"))).RetCode);
    }

    [Fact]
    public async Task Newborn_slbh_is_01_until_the_delay_then_02_with_a_valid_id_number_and_household()
    {
        _sandbox.Knobs.Jiangxi.SlowWorkDelay = TimeSpan.FromSeconds(60);
        var slbh = (await _jx.CallAsync(JiangxiCodes.Services.NewbornRegister, Newborn(Man, "马刚思", "case-n1")))["slbh"];
        Assert.Equal(slbh, (await _jx.CallAsync(JiangxiCodes.Services.NewbornRegister, Newborn(Man, "马刚思", "case-n1")))["slbh"]);
        Assert.Equal("01", (await _jx.CallAsync(JiangxiCodes.Services.SlowWorkResult, ("slbh", slbh)))["blzt"]);

        _time.Offset = TimeSpan.FromSeconds(61);
        var result = await _jx.CallAsync(JiangxiCodes.Services.SlowWorkResult, ("slbh", slbh));
        Assert.Equal("02", result["blzt"]);
        Assert.StartsWith("36011120261009", result["sfzhm"]);
        Assert.True(ResidentIdNumber.HasValidChecksum(result["sfzhm"]));
        Assert.Equal(1, (result["sfzhm"][16] - '0') % 2); // xb 1: odd sequence digit
        Assert.StartsWith("H360111", result["hh"]);
        Assert.Single(_sandbox.State.Tickets);
    }

    [Fact]
    public async Task Newborn_for_a_deceased_parent_is_refused_03_with_a_reason()
    {
        _sandbox.Knobs.Jiangxi.SlowWorkDelay = TimeSpan.Zero;
        var slbh = (await _jx.CallAsync(JiangxiCodes.Services.NewbornRegister, Newborn(Deceased, "史敏轩", "case-n2")))["slbh"];
        var result = await _jx.CallAsync(JiangxiCodes.Services.SlowWorkResult, ("slbh", slbh));
        Assert.Equal("03", result["blzt"]);
        Assert.Contains("deceased", result["bljg"]);
        Assert.Equal("2001", (await _jx.CallAsync(JiangxiCodes.Services.SlowWorkResult, ("slbh", "TK360000-999999"))).RetCode);
    }

    [Fact]
    public async Task Transfer_out_becomes_final_after_the_real_delay_then_confirms_once()
    {
        // Long enough that two requests and a query on a loaded machine (CI) come well inside it: 200 ms did not (Anhui's twin).
        _sandbox.Knobs.Jiangxi.SlowWorkDelay = TimeSpan.FromSeconds(2);
        (string, string)[] Request(string xjh, string ywbh) => [("xjh", xjh), ("xxdm", "3401028105"), ("zcyy", "随迁"), ("ywbh", ywbh)];
        var approve = (await _jx.CallAsync(JiangxiCodes.Services.TransferOutRequest, Request(ApprovingStudent, "case-t1")))["slbh"];
        var reject = (await _jx.CallAsync(JiangxiCodes.Services.TransferOutRequest, Request(RejectingStudent, "case-t2")))["slbh"];
        Assert.Equal("01", (await _jx.CallAsync(JiangxiCodes.Services.SlowWorkResult, ("slbh", approve)))["blzt"]);

        var approved = await Eventually.ValueAsync(
            () => _jx.CallAsync(JiangxiCodes.Services.SlowWorkResult, ("slbh", approve)), a => a["blzt"] != "01", TimeSpan.FromSeconds(10));
        Assert.Equal("02", approved["blzt"]);
        var rejected = await Eventually.ValueAsync(
            () => _jx.CallAsync(JiangxiCodes.Services.SlowWorkResult, ("slbh", reject)), a => a["blzt"] != "01", TimeSpan.FromSeconds(10));
        Assert.Equal("03", rejected["blzt"]);
        Assert.NotEqual("", rejected["bljg"]);

        var zcbh = approved["zcbh"];
        Assert.Equal("0000", (await _jx.CallAsync(JiangxiCodes.Services.TransferOutConfirm, ("xjh", ApprovingStudent), ("zcbh", zcbh))).RetCode);
        Assert.Equal("0000", (await _jx.CallAsync(JiangxiCodes.Services.TransferOutConfirm, ("xjh", ApprovingStudent), ("zcbh", zcbh))).RetCode);
        Assert.Equal("2002", (await _jx.CallAsync(JiangxiCodes.Services.TransferOutCancel, ("xjh", ApprovingStudent), ("zcbh", zcbh))).RetCode);
        Assert.Equal("2001", (await _jx.CallAsync(JiangxiCodes.Services.TransferOutConfirm, ("xjh", ApprovingStudent), ("zcbh", "T360000-999999"))).RetCode);
        Assert.Equal("3", (await _jx.CallAsync(JiangxiCodes.Services.StudentRecord, ("xjh", ApprovingStudent)))["xjzt"]);
        Assert.Equal("2001", (await _jx.CallAsync(JiangxiCodes.Services.TransferOutRequest, Request("G340102201501186913", "case-t3"))).RetCode);
    }

    [Fact]
    public async Task Enrolment_is_recorded_once_per_ywbh_and_refused_for_another_province_school_or_student()
    {
        (string, string)[] Enroll(string xjh, string xxdm, string ywbh) => [("xjh", xjh), ("xxdm", xxdm), ("nj", "5"), ("ywbh", ywbh)];
        Assert.Equal("0000", (await _jx.CallAsync(JiangxiCodes.Services.StudentEnroll, Enroll("G340102201501186913", "3601118573", "case-e1"))).RetCode);
        Assert.Equal("0000", (await _jx.CallAsync(JiangxiCodes.Services.StudentEnroll, Enroll("G340102201501186913", "3601118573", "case-e1"))).RetCode);
        var enrollment = Assert.Single(_sandbox.State.Enrollments);
        Assert.Equal(("360000", 5, 2), (enrollment.ProvinceCode, enrollment.Grade, enrollment.Deliveries));
        Assert.Equal("2002", (await _jx.CallAsync(JiangxiCodes.Services.StudentEnroll, Enroll("G340104201711274340", "3601118573", "case-e1"))).RetCode);
        Assert.Equal("2001", (await _jx.CallAsync(JiangxiCodes.Services.StudentEnroll, Enroll("G340102201501186913", "3401028105", "case-e2"))).RetCode);
    }

    [Fact]
    public async Task Error_rate_answers_a_signed_9999_for_the_same_reqId_and_down_answers_503()
    {
        _sandbox.Knobs.Jiangxi.ErrorRate = 1;
        var reqId = JiangxiAdapter.NewReqId();
        var busy = await _jx.SendAsync(JiangxiCodes.Services.StudentRecord, [("xjh", ApprovingStudent)], reqId);
        Assert.Equal(("9999", reqId, true), (busy.RetCode, busy.Envelope["reqId"], busy.SignatureValid));
        _sandbox.Knobs.Jiangxi.ErrorRate = 0;
        // A busy answer did not consume the reqId.
        Assert.Equal("0000", (await _jx.SendAsync(JiangxiCodes.Services.StudentRecord, [("xjh", ApprovingStudent)], reqId)).RetCode);

        _sandbox.Knobs.Jiangxi.Down = true;
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var down = await _http.PostAsync("jx/esb/service", content);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
    }

    [Fact]
    public async Task Requests_beyond_the_rate_limit_get_9999()
    {
        _sandbox.Knobs.Jiangxi.RateLimitPerSecond = 2;
        var codes = (await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            _jx.CallAsync(JiangxiCodes.Services.StudentRecord, ("xjh", ApprovingStudent))))).Select(a => a.RetCode).ToList();
        Assert.InRange(codes.Count(c => c == "0000"), 1, 4);
        Assert.All(codes, c => Assert.Contains(c, new[] { "0000", "9999" }));
    }

    [Fact]
    public async Task Latency_knob_delays_the_answer()
    {
        _sandbox.Knobs.Jiangxi.Latency = TimeSpan.FromMilliseconds(400);
        var started = Stopwatch.StartNew();
        Assert.Equal("0000", (await _jx.CallAsync(JiangxiCodes.Services.StudentRecord, ("xjh", ApprovingStudent))).RetCode);
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(380), $"answered after {started.Elapsed}");
    }

    [Fact]
    public async Task Hub_adapter_runs_every_operation_against_the_simulator()
    {
        _sandbox.Knobs.Jiangxi.SlowWorkDelay = TimeSpan.Zero;
        var adapter = JiangxiCaller.Adapter(_sandbox.BaseUrl, _http, _time);
        var ct = CancellationToken.None;

        var resident = await adapter.VerifyResidentAsync(new Person(Man, "马刚思"), ct);
        Assert.Equal(new ResidentVerification(true, "360111", ResidentStatus.Normal), resident.Value);
        Assert.Equal(MaritalStatus.Widowed, (await adapter.GetMaritalStatusAsync(new Person("36010219820425187X", "孟轩"), ct)).Value!.MaritalStatus);
        Assert.Equal(AnswerKind.NoRecord, (await adapter.GetMaritalStatusAsync(new Person("340104198311060875", "林桂凯"), ct)).Kind);

        // The adapter sorts the parties into 男方/女方 itself: party A here is the woman.
        var registration = new MarriageRegistration("360111", new Person(Woman, "卢怡娟"), new Person(Man, "马刚思"), "case-a1");
        var certificate = (await adapter.RegisterMarriageAsync(registration, ct)).Value!.CertificateNo;
        Assert.Equal(certificate, (await adapter.RegisterMarriageAsync(registration, ct)).Value!.CertificateNo);
        Assert.Equal(Man, _sandbox.State.MarriageForCase("360000", "case-a1")!.PartyAIdNumber);
        var update = new MaritalUpdate(Man, "马刚思", MaritalStatus.Married, certificate, Woman, new DateOnly(2026, 11, 28));
        Assert.True((await adapter.UpdateMaritalStatusAsync(update, ct)).IsOk);
        Assert.True((await adapter.UpdateMaritalStatusAsync(update, ct)).IsOk);
        Assert.Equal(1, _sandbox.State.MaritalUpdate(Man, certificate)!.Effects);

        var birth = (await adapter.VerifyBirthAsync(new BirthVerifyRequest("P368594862", "白梅琪", "330212198802144081"), ct)).Value!;
        Assert.Equal(new BirthVerification(true, new DateOnly(2026, 10, 9), Sex.Female, false), birth);
        Assert.True((await adapter.MarkBirthCertificateUsedAsync(new BirthCertificateUse("P368594862", "case-a2"), ct)).IsOk);
        Assert.Equal(AnswerKind.Refused, (await adapter.MarkBirthCertificateUsedAsync(new BirthCertificateUse("P368594862", "case-a3"), ct)).Kind);
        Assert.True((await adapter.ReleaseBirthCertificateAsync(new BirthCertificateUse("P368594862", "case-a2"), ct)).IsOk);

        var newborn = new NewbornRegistration(new Newborn("马小思", Sex.Female, new DateOnly(2026, 10, 9)), new Person(Man, "马刚思"), "360111", "P368594862", "case-a2");
        var ticket = (await adapter.RegisterNewbornAsync(newborn, ct)).Value!;
        var done = (await adapter.QueryTicketAsync(ticket, ct)).Value!;
        Assert.Equal(SlowWorkState.Approved, done.State);
        Assert.Equal(0, (done.IdNumber![16] - '0') % 2);
        Assert.NotNull(done.HouseholdNo);

        var student = (await adapter.GetStudentRecordAsync(ApprovingStudent, ct)).Value!;
        Assert.Equal(new StudentRecord("王雪梅", "360111201707059151", "3601118573", 3, StudentStatus.Enrolled), student);
        var transferTicket = (await adapter.RequestTransferOutAsync(new TransferOutRequest(ApprovingStudent, "3401028105", "随迁", "case-a4"), ct)).Value!;
        var transfer = (await adapter.QueryTicketAsync(transferTicket, ct)).Value!;
        Assert.Equal(SlowWorkState.Approved, transfer.State);
        var reference = new TransferOutReference(ApprovingStudent, transfer.TransferId!);
        Assert.True((await adapter.CancelTransferOutAsync(reference, ct)).IsOk);
        Assert.Equal(AnswerKind.Refused, (await adapter.ConfirmTransferOutAsync(reference, ct)).Kind);
        Assert.True((await adapter.EnrollStudentAsync(new StudentEnrollment("G340102201501186913", "3601118573", 5, "case-a5"), ct)).IsOk);
    }

    [Fact]
    public async Task Hub_adapter_sees_busy_and_down_as_transient_and_distrusts_answers_it_cannot_verify()
    {
        var adapter = JiangxiCaller.Adapter(_sandbox.BaseUrl, _http, _time);
        _sandbox.Knobs.Jiangxi.ErrorRate = 1;
        await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetStudentRecordAsync(ApprovingStudent, CancellationToken.None));
        _sandbox.Knobs.Jiangxi.ErrorRate = 0;
        _sandbox.Knobs.Jiangxi.Down = true;
        await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetStudentRecordAsync(ApprovingStudent, CancellationToken.None));
        _sandbox.Knobs.Jiangxi.Down = false;

        // The simulator refuses the request (1002) but signs its answer with the real secret, which the
        // misconfigured adapter cannot verify either: an unverifiable answer is transient by the contract.
        var misconfigured = JiangxiCaller.Adapter(_sandbox.BaseUrl, _http, _time, secret: "not-the-secret");
        await Assert.ThrowsAsync<ProvinceTransientException>(() => misconfigured.GetStudentRecordAsync(ApprovingStudent, CancellationToken.None));
        Assert.True((await adapter.GetStudentRecordAsync(ApprovingStudent, CancellationToken.None)).IsOk);
    }

    [Fact]
    public async Task Wrong_signatures_knob_signs_every_answer_so_it_fails_to_verify_and_the_adapter_retries_rather_than_acts()
    {
        _sandbox.Knobs.Jiangxi.WrongSignatures = true;
        var reqId = JiangxiAdapter.NewReqId();
        var answer = await _jx.SendAsync(JiangxiCodes.Services.StudentRecord, [("xjh", ApprovingStudent)], reqId);
        Assert.Equal(("0000", reqId, false), (answer.RetCode, answer.Envelope["reqId"], answer.SignatureValid));
        _sandbox.Knobs.Jiangxi.ErrorRate = 1;
        Assert.False((await _jx.CallAsync(JiangxiCodes.Services.StudentRecord, ("xjh", ApprovingStudent))).SignatureValid);
        _sandbox.Knobs.Jiangxi.ErrorRate = 0;

        // Refused as transient, as jiangxi.md says of a response whose signature does not verify.
        await WrongSignatures.AssertRegistrationDistrustedThenRepeatedHarmlesslyAsync(_sandbox, _sandbox.Knobs.Jiangxi,
            JiangxiCaller.Adapter(_sandbox.BaseUrl, _http, _time),
            new MarriageRegistration("360111", new Person(Man, "马刚思"), new Person(Woman, "卢怡娟"), "case-w1"));
    }
}
