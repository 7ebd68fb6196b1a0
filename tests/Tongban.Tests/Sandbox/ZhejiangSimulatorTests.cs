using System.Net;
using System.Text.Json;
using Tongban.Provinces;
using Tongban.Provinces.Zhejiang;
using Tongban.Sandbox;
using Tongban.Sandbox.Population;
using Tongban.Tests.Provinces;

namespace Tongban.Tests.Sandbox;

public sealed class ZhejiangSimulatorTests : IAsyncLifetime
{
    private readonly ShiftableTime _time = new();
    private ProvinceSandbox _sandbox = null!;
    private HttpClient _http = null!;
    private ZhejiangCaller _zj = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await ProvinceSandbox.StartAsync(new SandboxOptions { TimeProvider = _time }, CancellationToken.None);
        _http = new HttpClient { BaseAddress = _sandbox.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        _zj = new ZhejiangCaller(_http, _time);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sandbox.DisposeAsync();
    }

    private static string Code(JsonElement root) => root.GetProperty("code").GetString()!;

    private static JsonElement Data(JsonElement root) => root.GetProperty("data");

    [Fact]
    public void Test_signer_reproduces_the_spec_examples()
    {
        Assert.Equal("2473f795839ce29139b50ba206f04cea", ZhejiangCaller.Md5("tongban-hub" + "zj-app-secret-0001" + "1767225600000"));
        Assert.Equal("11527fe7abddb87855861254b5ba4af9", ZhejiangCaller.Md5("tongban-hub" + "rs-5f1d2c3b4a" + "1767225600000"));
    }

    [Fact]
    public async Task Token_request_with_correct_sign_gets_a_secret_living_900_seconds()
    {
        var root = await _zj.TokenAsync();
        Assert.Equal("00", Code(root));
        Assert.StartsWith("rs-", Data(root).GetProperty("requestSecret").GetString());
        Assert.Equal(900, Data(root).GetProperty("expiresInSeconds").GetInt32());
    }

    [Fact]
    public async Task Token_request_with_wrong_sign_gets_98()
    {
        Assert.Equal("98", Code(await _zj.TokenAsync(sign: new string('0', 32))));
        Assert.Null(_zj.RequestSecret);
    }

    [Fact]
    public async Task Call_signed_with_an_unknown_secret_gets_14()
    {
        _zj.RequestSecret = "rs-0000000000";
        var root = await _zj.CallAsync("zj.gaj.rkxx.verify", ("idNumber", "330106200006179053"), ("name", "邓远晨"));
        Assert.Equal("14", Code(root));
    }

    [Fact]
    public async Task Secret_is_refused_with_14_once_it_has_expired()
    {
        await _zj.TokenAsync();
        Assert.Equal("00", Code(await _zj.CallAsync("zj.jyt.xj.query", ("studentNo", "G33021220180909945X"))));
        _time.Offset = TimeSpan.FromSeconds(901);
        Assert.Equal("14", Code(await _zj.CallAsync("zj.jyt.xj.query", ("studentNo", "G33021220180909945X"))));
        await _zj.TokenAsync();
        Assert.Equal("00", Code(await _zj.CallAsync("zj.jyt.xj.query", ("studentNo", "G33021220180909945X"))));
    }

    [Fact]
    public async Task Token_lifetime_follows_its_knob()
    {
        _sandbox.Knobs.Zhejiang.TokenLifetime = TimeSpan.FromSeconds(30);
        var root = await _zj.TokenAsync();
        Assert.Equal(30, Data(root).GetProperty("expiresInSeconds").GetInt32());
        _time.Offset = TimeSpan.FromSeconds(31);
        Assert.Equal("14", Code(await _zj.CallAsync("zj.jyt.xj.query", ("studentNo", "G33021220180909945X"))));
    }

    [Fact]
    public async Task Missing_parameter_gets_97_and_malformed_parameter_gets_98()
    {
        Assert.Equal("97", Code(await _zj.CallAsync("zj.gaj.rkxx.verify", ("idNumber", "330106200006179053"))));
        Assert.Equal("98", Code(await _zj.CallAsync("zj.gaj.rkxx.verify", ("idNumber", "33010620000617"), ("name", "邓远晨"))));
        using var unsigned = await _zj.RawPostAsync("zj/gateway/api/zj.jyt.xj.query", new() { ["studentNo"] = "G33021220180909945X" });
        Assert.Equal("97", Code(JsonDocument.Parse(await unsigned.Content.ReadAsStringAsync()).RootElement));
    }

    [Fact]
    public async Task Resident_verify_matches_id_with_name_and_reports_a_name_mismatch_as_no_match()
    {
        var match = await _zj.CallAsync("zj.gaj.rkxx.verify", ("idNumber", "330106200006179053"), ("name", "邓远晨"));
        Assert.Equal("00", Code(match));
        Assert.True(Data(match).GetProperty("match").GetBoolean());
        Assert.Equal("330106", Data(match).GetProperty("hukouDivision").GetString());
        Assert.Equal("normal", Data(match).GetProperty("residentStatus").GetString());

        var mismatch = await _zj.CallAsync("zj.gaj.rkxx.verify", ("idNumber", "330106200006179053"), ("name", "别人"));
        Assert.Equal("00", Code(mismatch));
        Assert.False(Data(mismatch).GetProperty("match").GetBoolean());
    }

    [Fact]
    public async Task Zhejiang_answers_96_about_people_of_other_provinces_and_unknown_ids()
    {
        Assert.Equal("96", Code(await _zj.CallAsync("zj.gaj.rkxx.verify", ("idNumber", "310104199901117076"), ("name", "严浩"))));
        Assert.Equal("96", Code(await _zj.CallAsync("zj.mzt.hyzk.query", ("idNumber", "330106200006179999"), ("name", "无名"))));
        Assert.Equal("96", Code(await _zj.CallAsync("zj.jyt.xj.query", ("studentNo", "G310104201612075770"))));
        Assert.Equal("96", Code(await _zj.CallAsync("zj.wjw.csyxzm.verify",
            ("certificateNo", "P317038640"), ("childName", "姚娜艳"), ("motherIdNumber", "330110198208222165"))));
    }

    [Fact]
    public async Task Marital_status_comes_from_the_population()
    {
        var root = await _zj.CallAsync("zj.mzt.hyzk.query", ("idNumber", "330212198106124335"), ("name", "孙强欣"));
        Assert.Equal("widowed", Data(root).GetProperty("maritalStatus").GetString());
    }

    [Fact]
    public async Task Same_hubCaseId_registers_one_marriage_with_one_certificate_number()
    {
        (string, string)[] form =
        [
            ("registryCode", "330106"), ("partyAIdNumber", "330106200006179053"), ("partyAName", "邓远晨"),
            ("partyBIdNumber", "330212198612257704"), ("partyBName", "向明伟"), ("hubCaseId", "case-m1"),
        ];
        var first = Data(await _zj.CallAsync("zj.mzt.hydj.register", form)).GetProperty("certificateNo").GetString();
        var second = Data(await _zj.CallAsync("zj.mzt.hydj.register", form)).GetProperty("certificateNo").GetString();
        Assert.Matches(@"^J330000-\d{4}-000001$", first);
        Assert.Equal(first, second);
        Assert.Single(_sandbox.State.Marriages);
        Assert.Equal(first, _sandbox.State.MarriageForCase("330000", "case-m1")!.CertificateNo);
    }

    [Fact]
    public async Task Marital_update_delivered_twice_has_one_effect()
    {
        (string, string)[] form =
        [
            ("idNumber", "330106200006179053"), ("name", "邓远晨"), ("maritalStatus", "married"), ("certificateNo", "J330000-2026-000001"),
            ("spouseIdNumber", "330212198612257704"), ("registeredOn", "2026-11-28"),
        ];
        Assert.Equal("00", Code(await _zj.CallAsync("zj.mzt.hyzk.update", form)));
        Assert.Equal("00", Code(await _zj.CallAsync("zj.mzt.hyzk.update", form)));
        var update = _sandbox.State.MaritalUpdate("330106200006179053", "J330000-2026-000001")!;
        Assert.Equal((1, 2), (update.Effects, update.Deliveries));
        Assert.Equal("married", _sandbox.State.MaritalStatusOf("330106200006179053"));
        var refused = await _zj.CallAsync("zj.mzt.hyzk.update", [.. form.Where(f => f.Item1 != "registeredOn"), ("registeredOn", "28/11/2026")]);
        Assert.Equal("98", Code(refused));
    }

    [Fact]
    public async Task Birth_certificate_held_by_one_case_is_refused_to_another_until_released()
    {
        var verify = Data(await _zj.CallAsync("zj.wjw.csyxzm.verify",
            ("certificateNo", "P330298434"), ("childName", "于思娟"), ("motherIdNumber", "340104199505021668")));
        Assert.True(verify.GetProperty("valid").GetBoolean());
        Assert.False(verify.GetProperty("used").GetBoolean());
        var wrongMother = Data(await _zj.CallAsync("zj.wjw.csyxzm.verify",
            ("certificateNo", "P330298434"), ("childName", "于思娟"), ("motherIdNumber", "340104199505021669")));
        Assert.False(wrongMother.GetProperty("valid").GetBoolean());

        Assert.Equal("00", Code(await _zj.CallAsync("zj.wjw.csyxzm.use", ("certificateNo", "P330298434"), ("hubCaseId", "case-b1"))));
        Assert.Equal("00", Code(await _zj.CallAsync("zj.wjw.csyxzm.use", ("certificateNo", "P330298434"), ("hubCaseId", "case-b1"))));
        Assert.Equal("96", Code(await _zj.CallAsync("zj.wjw.csyxzm.use", ("certificateNo", "P330298434"), ("hubCaseId", "case-b2"))));
        Assert.Equal("00", Code(await _zj.CallAsync("zj.wjw.csyxzm.release", ("certificateNo", "P330298434"), ("hubCaseId", "case-b2"))));
        Assert.Equal("case-b1", _sandbox.State.CertificateHolder("P330298434"));
        Assert.Equal("00", Code(await _zj.CallAsync("zj.wjw.csyxzm.release", ("certificateNo", "P330298434"), ("hubCaseId", "case-b1"))));
        Assert.Equal("00", Code(await _zj.CallAsync("zj.wjw.csyxzm.release", ("certificateNo", "P330298434"), ("hubCaseId", "case-b1"))));
        Assert.Null(_sandbox.State.CertificateHolder("P330298434"));
        Assert.Equal("96", Code(await _zj.CallAsync("zj.wjw.csyxzm.use", ("certificateNo", "S331414020"), ("hubCaseId", "case-b3"))));
    }

    private static (string, string)[] Newborn(string parentId, string parentName, string hubCaseId) =>
    [
        ("childName", "邓小晨"), ("childSex", "male"), ("childBirthDate", "2026-10-11"), ("parentIdNumber", parentId),
        ("parentName", parentName), ("householdDivision", "330106"), ("birthCertificateNo", "P330298434"), ("hubCaseId", hubCaseId),
    ];

    [Fact]
    public async Task Newborn_ticket_is_processing_until_the_delay_then_approved_with_a_valid_id_number()
    {
        _sandbox.Knobs.Zhejiang.SlowWorkDelay = TimeSpan.FromSeconds(60);
        var ticket = Data(await _zj.CallAsync("zj.gaj.xsedj.apply", Newborn("330106200006179053", "邓远晨", "case-n1"))).GetProperty("ticket").GetString()!;
        Assert.Equal(ticket, Data(await _zj.CallAsync("zj.gaj.xsedj.apply", Newborn("330106200006179053", "邓远晨", "case-n1"))).GetProperty("ticket").GetString());
        Assert.Equal("processing", Data(await _zj.CallAsync("zj.common.ticket.query", ("ticket", ticket))).GetProperty("state").GetString());

        _time.Offset = TimeSpan.FromSeconds(61);
        await _zj.TokenAsync();
        var result = Data(await _zj.CallAsync("zj.common.ticket.query", ("ticket", ticket)));
        Assert.Equal("approved", result.GetProperty("state").GetString());
        var idNumber = result.GetProperty("idNumber").GetString()!;
        Assert.StartsWith("33010620261011", idNumber);
        Assert.True(ResidentIdNumber.HasValidChecksum(idNumber));
        Assert.Equal(1, (idNumber[16] - '0') % 2); // male: odd sequence digit
        Assert.False(string.IsNullOrEmpty(result.GetProperty("householdNo").GetString()));
        Assert.Single(_sandbox.State.Tickets);
    }

    [Fact]
    public async Task Newborn_registration_for_a_deceased_parent_is_rejected_with_a_reason()
    {
        _sandbox.Knobs.Zhejiang.SlowWorkDelay = TimeSpan.Zero;
        var ticket = Data(await _zj.CallAsync("zj.gaj.xsedj.apply", Newborn("330212198611178246", "卢杰霞", "case-n2"))).GetProperty("ticket").GetString()!;
        var result = Data(await _zj.CallAsync("zj.common.ticket.query", ("ticket", ticket)));
        Assert.Equal("rejected", result.GetProperty("state").GetString());
        Assert.Contains("deceased", result.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Transfer_out_is_decided_per_the_student_file_then_confirmed_or_refused()
    {
        _sandbox.Knobs.Zhejiang.SlowWorkDelay = TimeSpan.FromMilliseconds(200);
        var approve = Data(await _zj.CallAsync("zj.jyt.zc.apply",
            ("studentNo", "G33021220180909945X"), ("targetSchoolCode", "3101044321"), ("reason", "family moves"), ("hubCaseId", "case-t1"))).GetProperty("ticket").GetString()!;
        var reject = Data(await _zj.CallAsync("zj.jyt.zc.apply",
            ("studentNo", "G330212201211093803"), ("targetSchoolCode", "3101044321"), ("reason", "family moves"), ("hubCaseId", "case-t2"))).GetProperty("ticket").GetString()!;

        var approved = await Eventually.ValueAsync(
            async () => Data(await _zj.CallAsync("zj.common.ticket.query", ("ticket", approve))),
            d => d.GetProperty("state").GetString() != "processing", TimeSpan.FromSeconds(5));
        Assert.Equal("approved", approved.GetProperty("state").GetString());
        var transferId = approved.GetProperty("transferId").GetString()!;
        var rejected = await Eventually.ValueAsync(
            async () => Data(await _zj.CallAsync("zj.common.ticket.query", ("ticket", reject))),
            d => d.GetProperty("state").GetString() != "processing", TimeSpan.FromSeconds(5));
        Assert.Equal("rejected", rejected.GetProperty("state").GetString());
        Assert.False(string.IsNullOrEmpty(rejected.GetProperty("reason").GetString()));

        Assert.Equal("00", Code(await _zj.CallAsync("zj.jyt.zc.confirm", ("studentNo", "G33021220180909945X"), ("transferId", transferId))));
        Assert.Equal("00", Code(await _zj.CallAsync("zj.jyt.zc.confirm", ("studentNo", "G33021220180909945X"), ("transferId", transferId))));
        Assert.Equal("96", Code(await _zj.CallAsync("zj.jyt.zc.cancel", ("studentNo", "G33021220180909945X"), ("transferId", transferId))));
        Assert.Equal("96", Code(await _zj.CallAsync("zj.jyt.zc.confirm", ("studentNo", "G33021220180909945X"), ("transferId", "T330000-999999"))));
        Assert.Equal("transferred", _sandbox.State.StudentStatus("G33021220180909945X"));
    }

    [Fact]
    public async Task Enrolment_is_recorded_once_per_hubCaseId_and_refused_for_a_school_of_another_province()
    {
        (string, string)[] form = [("studentNo", "G310104201612075770"), ("schoolCode", "3301063258"), ("grade", "4"), ("hubCaseId", "case-e1")];
        Assert.Equal("00", Code(await _zj.CallAsync("zj.jyt.rx.register", form)));
        Assert.Equal("00", Code(await _zj.CallAsync("zj.jyt.rx.register", form)));
        var enrollment = Assert.Single(_sandbox.State.Enrollments);
        Assert.Equal(("3301063258", 2), (enrollment.SchoolCode, enrollment.Deliveries));
        Assert.Equal("96", Code(await _zj.CallAsync("zj.jyt.rx.register",
            ("studentNo", "G310104201612075770"), ("schoolCode", "3101044321"), ("grade", "4"), ("hubCaseId", "case-e2"))));
    }

    [Fact]
    public async Task Error_rate_one_answers_99_and_down_answers_503()
    {
        await _zj.TokenAsync();
        _sandbox.Knobs.Zhejiang.ErrorRate = 1;
        Assert.Equal("99", Code(await _zj.CallAsync("zj.jyt.xj.query", ("studentNo", "G33021220180909945X"))));
        _sandbox.Knobs.Zhejiang.ErrorRate = 0;
        _sandbox.Knobs.Zhejiang.Down = true;
        using var down = await _zj.RawPostAsync("zj/gateway/token", new() { ["appKey"] = "tongban-hub" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        _sandbox.Knobs.Zhejiang.Down = false;
        Assert.Equal("00", Code(await _zj.CallAsync("zj.jyt.xj.query", ("studentNo", "G33021220180909945X"))));
    }

    [Fact]
    public async Task Wrong_signatures_knob_has_no_effect_because_zhejiang_does_not_sign_its_answers()
    {
        _sandbox.Knobs.Zhejiang.WrongSignatures = true;
        await _zj.TokenAsync();
        var record = await _zj.CallAsync("zj.jyt.xj.query", ("studentNo", "G33021220180909945X"));
        Assert.Equal(("00", "enrolled"), (Code(record), Data(record).GetProperty("studentStatus").GetString()));

        var adapter = new ZhejiangAdapter(
            Endpoints.Create("330000", ZhejiangAdapter.SchemeName, _sandbox.BaseUrl, ("appKey", ZhejiangCaller.AppKey), ("appSecret", ZhejiangCaller.AppSecret)),
            _http, _time);
        Assert.Equal(StudentStatus.Enrolled, (await adapter.GetStudentRecordAsync("G33021220180909945X", CancellationToken.None)).Value!.StudentStatus);
    }

    [Fact]
    public async Task Requests_beyond_the_rate_limit_get_99()
    {
        await _zj.TokenAsync();
        _sandbox.Knobs.Zhejiang.RateLimitPerSecond = 2;
        // A burst: ten at once land in one or two one-second windows, so at most four pass.
        var codes = (await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            _zj.CallAsync("zj.jyt.xj.query", ("studentNo", "G33021220180909945X"))))).Select(Code).ToList();
        Assert.InRange(codes.Count(c => c == "00"), 1, 4);
        Assert.All(codes, c => Assert.Contains(c, new[] { "00", "99" }));
    }

    [Fact]
    public async Task Unknown_ticket_and_unknown_service_are_refused()
    {
        Assert.Equal("96", Code(await _zj.CallAsync("zj.common.ticket.query", ("ticket", "TK330000-999999"))));
        Assert.Equal("98", Code(await _zj.CallAsync("zj.no.such.service", ("ticket", "TK330000-999999"))));
    }

    [Fact]
    public async Task Latency_knob_delays_every_answer()
    {
        await _zj.TokenAsync();
        _sandbox.Knobs.Zhejiang.Latency = TimeSpan.FromMilliseconds(400);
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("00", Code(await _zj.CallAsync("zj.jyt.xj.query", ("studentNo", "G33021220180909945X"))));
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(380), $"answered after {started.Elapsed}");
    }
}
