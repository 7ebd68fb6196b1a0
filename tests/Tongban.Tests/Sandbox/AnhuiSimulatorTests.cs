using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Tongban.Crypto;
using Tongban.Provinces;
using Tongban.Provinces.Anhui;
using Tongban.Sandbox;
using Tongban.Sandbox.Population;
using Tongban.Tests.Crypto;
using Tongban.Tests.Provinces;

namespace Tongban.Tests.Sandbox;

/// <summary>An Anhui answer as the hub sees it: code, message, whether Anhui's signature verifies, and the decrypted payload.</summary>
internal sealed record AnhuiAnswer(int Code, string? Message, bool SignatureValid, JsonElement Payload)
{
    public string Text(string name) => Payload.GetProperty(name).GetString()!;
}

/// <summary>Calls the simulated Anhui x-tif gateway exactly as anhui.md says, with the hub's own envelope helpers.</summary>
internal sealed class AnhuiCaller(HttpClient http, TimeProvider time)
{
    public const string PaasId = "tongban-hub";
    public const string PaasToken = "ah-paas-token-0001";
    public const string AppId = "ah-app-0001";

    private static readonly Sm4Ecb Cipher = new(SandboxKeys.Sm4KeyHex);
    private static readonly Sm2Signature HubKey = Sm2Signature.FromPrivateKeyPem(SandboxKeys.HubPrivateKeyPem);
    private static readonly Sm2Signature AnhuiPublicKey = Sm2Signature.FromPublicKeyPem(SandboxKeys.ProvincePublicKeyPem);

    public Task<AnhuiAnswer> CallAsync(string api, object payload) => SendAsync(api, payload);

    public async Task<AnhuiAnswer> SendAsync(
        string api, object payload, string? nonce = null, long? timestamp = null,
        string paasToken = PaasToken, Sm2Signature? signer = null, string? signature = null)
    {
        var ts = (timestamp ?? time.GetUtcNow().ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
        nonce ??= AnhuiEnvelope.NewNonce();
        var json = payload as string ?? JsonSerializer.Serialize(payload, payload.GetType(), AnhuiEnvelope.PayloadJson);
        var body = AnhuiEnvelope.Seal(AppId, ts, json, Cipher, signer ?? HubKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"ah/tif/{api}")
        {
            Content = new StringContent(AnhuiEnvelope.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(AnhuiEnvelope.PaasIdHeader, PaasId);
        request.Headers.Add(AnhuiEnvelope.TimestampHeader, ts);
        request.Headers.Add(AnhuiEnvelope.NonceHeader, nonce);
        request.Headers.Add(AnhuiEnvelope.SignatureHeader, signature ?? AnhuiEnvelope.GatewaySignature(ts, paasToken, nonce));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = AnhuiEnvelope.Deserialize(await response.Content.ReadAsStringAsync());
        using var decrypted = JsonDocument.Parse(AnhuiEnvelope.Decrypt(reply, Cipher) ?? "{}");
        return new AnhuiAnswer(reply.Code!.Value, reply.Message, AnhuiEnvelope.Verify(reply, AnhuiPublicKey), decrypted.RootElement.Clone());
    }

    /// <summary>The hub's real Anhui adapter pointed at the sandbox.</summary>
    public static AnhuiAdapter Adapter(Uri sandbox, HttpClient http, TimeProvider time) => new(
        Endpoints.Create("340000", AnhuiAdapter.SchemeName, sandbox,
            ("paasId", PaasId), ("paasToken", PaasToken), ("appId", AppId), ("sm4KeyHex", SandboxKeys.Sm4KeyHex),
            ("hubSm2PrivateKeyPem", SandboxKeys.HubPrivateKeyPem), ("provinceSm2PublicKeyPem", SandboxKeys.ProvincePublicKeyPem)),
        http,
        time);
}

public sealed class AnhuiSimulatorTests : IAsyncLifetime
{
    // Anhui people of the sandbox population.
    private const string Man = "340104198311060875";      // 林桂凯, normal, unmarried, 340104
    private const string Woman = "340104199505021668";    // 于浩霞, normal, unmarried
    private const string Deceased = "340102199708087787"; // 苏梅婷, deceased, married
    private const string ApprovingStudent = "G340102201501186913";
    private const string RejectingStudent = "G340104201711274340";

    private readonly ShiftableTime _time = new();
    private ProvinceSandbox _sandbox = null!;
    private HttpClient _http = null!;
    private AnhuiCaller _ah = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await ProvinceSandbox.StartAsync(new SandboxOptions { TimeProvider = _time }, CancellationToken.None);
        _http = new HttpClient { BaseAddress = _sandbox.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        _ah = new AnhuiCaller(_http, _time);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sandbox.DisposeAsync();
    }

    private static object Person(string idNumber, string name) => new { idNumber, name };

    private static object Marriage(string hubCaseId) => new
    {
        registryCode = "340104", partyA = Person(Woman, "于浩霞"), partyB = Person(Man, "林桂凯"), hubCaseId,
    };

    private static object Newborn(string parentId, string parentName, string hubCaseId) => new
    {
        child = new { name = "林小凯", sex = "male", birthDate = "2026-10-17" },
        parent = Person(parentId, parentName),
        householdDivision = "340104",
        birthCertificateNo = "P348733249",
        hubCaseId,
    };

    private static object Student(string studentNo) => new { studentNo };

    [Fact]
    public async Task Answers_are_encrypted_and_signed_with_Anhuis_own_key()
    {
        var answer = await _ah.CallAsync("student.record", Student(ApprovingStudent));
        Assert.Equal(0, answer.Code);
        Assert.True(answer.SignatureValid);
        Assert.Equal(("姜强雨", "3401028105", 5, "enrolled"),
            (answer.Text("name"), answer.Text("schoolCode"), answer.Payload.GetProperty("grade").GetInt32(), answer.Text("studentStatus")));
    }

    [Fact]
    public async Task Wrong_gateway_signature_gets_a_signed_4003_and_changes_nothing()
    {
        var answer = await _ah.SendAsync("marriage.register", Marriage("case-s1"), paasToken: "not-the-token");
        Assert.Equal((4003, true), (answer.Code, answer.SignatureValid));
        Assert.Equal(4003, (await _ah.SendAsync("marriage.register", Marriage("case-s1"), signature: "")).Code);
        Assert.Empty(_sandbox.State.Marriages);
    }

    [Fact]
    public async Task Body_not_signed_with_the_hubs_key_gets_4003_and_changes_nothing()
    {
        var forger = Sm2Signature.FromPrivateKeyPem(SandboxKeys.ProvincePrivateKeyPem);
        Assert.Equal(4003, (await _ah.SendAsync("marriage.register", Marriage("case-s2"), signer: forger)).Code);
        Assert.Empty(_sandbox.State.Marriages);
    }

    [Fact]
    public async Task Reused_nonce_gets_4003()
    {
        var nonce = AnhuiEnvelope.NewNonce();
        Assert.Equal(0, (await _ah.SendAsync("student.record", Student(ApprovingStudent), nonce: nonce)).Code);
        Assert.Equal(4003, (await _ah.SendAsync("student.record", Student(ApprovingStudent), nonce: nonce)).Code);
    }

    [Fact]
    public async Task Timestamp_more_than_300_seconds_off_or_malformed_nonce_gets_4003()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(4003, (await _ah.SendAsync("student.record", Student(ApprovingStudent), timestamp: now - 302)).Code);
        Assert.Equal(4003, (await _ah.SendAsync("student.record", Student(ApprovingStudent), timestamp: now + 302)).Code);
        Assert.Equal(4003, (await _ah.SendAsync("student.record", Student(ApprovingStudent), nonce: "short")).Code);
        Assert.Equal(4003, (await _ah.SendAsync("student.record", Student(ApprovingStudent), nonce: "abc-def-ghi-jkl-mno")).Code);
        Assert.Equal(0, (await _ah.SendAsync("student.record", Student(ApprovingStudent), timestamp: now - 240)).Code);
    }

    [Fact]
    public async Task Missing_or_malformed_payload_fields_and_unknown_apis_get_4001()
    {
        Assert.Equal(4001, (await _ah.CallAsync("resident.verify", new { idNumber = Man })).Code);
        Assert.Equal(4001, (await _ah.CallAsync("resident.verify", new { idNumber = "3401041983", name = "林桂凯" })).Code);
        Assert.Equal(4001, (await _ah.CallAsync("student.enroll", new { studentNo = ApprovingStudent, schoolCode = "3401028105", grade = "5", hubCaseId = "case-p1" })).Code);
        Assert.Equal(4001, (await _ah.CallAsync("no.such.api", Student(ApprovingStudent))).Code);
        Assert.Equal(4001, (await _ah.CallAsync("student.record", "not json")).Code);
        Assert.Empty(_sandbox.State.Enrollments);
    }

    [Fact]
    public async Task Resident_verify_and_marital_status_answer_about_Anhui_people_only()
    {
        var match = await _ah.CallAsync("resident.verify", Person(Man, "林桂凯"));
        Assert.Equal((true, "340104", "normal"),
            (match.Payload.GetProperty("match").GetBoolean(), match.Text("hukouDivision"), match.Text("residentStatus")));
        Assert.False((await _ah.CallAsync("resident.verify", Person(Man, "别人"))).Payload.GetProperty("match").GetBoolean());
        Assert.Equal("deceased", (await _ah.CallAsync("resident.verify", Person(Deceased, "苏梅婷"))).Text("residentStatus"));
        Assert.Equal("married", (await _ah.CallAsync("marital.status", Person(Deceased, "苏梅婷"))).Text("maritalStatus"));
        Assert.Equal(4004, (await _ah.CallAsync("resident.verify", Person("360111200004011253", "马刚思"))).Code);
    }

    [Fact]
    public async Task Same_hubCaseId_registers_one_marriage_and_the_update_takes_effect_once()
    {
        var first = (await _ah.CallAsync("marriage.register", Marriage("case-m1"))).Text("certificateNo");
        Assert.Equal(first, (await _ah.CallAsync("marriage.register", Marriage("case-m1"))).Text("certificateNo"));
        Assert.Matches(@"^J340000-\d{4}-000001$", first);
        Assert.Equal((Woman, Man), (_sandbox.State.MarriageForCase("340000", "case-m1")!.PartyAIdNumber, _sandbox.State.Marriages.Single().PartyBIdNumber));

        var update = new
        {
            idNumber = Man, name = "林桂凯", maritalStatus = "married", certificateNo = first, spouseIdNumber = Woman, registeredOn = "2026-11-28",
        };
        Assert.Equal(0, (await _ah.CallAsync("marital.update", update)).Code);
        Assert.Equal(0, (await _ah.CallAsync("marital.update", update)).Code);
        var record = _sandbox.State.MaritalUpdate(Man, first)!;
        Assert.Equal((1, 2), (record.Effects, record.Deliveries));
        Assert.Equal("married", _sandbox.State.MaritalStatusOf(Man));
        Assert.Equal(4001, (await _ah.CallAsync("marital.update", update with { maritalStatus = "engaged" })).Code);
        Assert.Equal(4004, (await _ah.CallAsync("marital.update", update with { name = "别人" })).Code);
    }

    [Fact]
    public async Task Birth_certificate_held_by_one_case_is_refused_to_another_with_4009_until_released()
    {
        var verify = (await _ah.CallAsync("birth.verify", new { certificateNo = "P348733249", childName = "赵燕玉", motherIdNumber = "360102200309115743" })).Payload;
        Assert.Equal((true, false, "2026-10-17", "male"),
            (verify.GetProperty("valid").GetBoolean(), verify.GetProperty("used").GetBoolean(), verify.GetProperty("birthDate").GetString(), verify.GetProperty("sex").GetString()));

        object Use(string hubCaseId) => new { certificateNo = "P348733249", hubCaseId };
        Assert.Equal(0, (await _ah.CallAsync("birth.mark-used", Use("case-b1"))).Code);
        Assert.Equal(0, (await _ah.CallAsync("birth.mark-used", Use("case-b1"))).Code);
        Assert.Equal(4009, (await _ah.CallAsync("birth.mark-used", Use("case-b2"))).Code);
        Assert.Equal(0, (await _ah.CallAsync("birth.release", Use("case-b2"))).Code);
        Assert.Equal("case-b1", _sandbox.State.CertificateHolder("P348733249"));
        Assert.Equal(0, (await _ah.CallAsync("birth.release", Use("case-b1"))).Code);
        Assert.Null(_sandbox.State.CertificateHolder("P348733249"));
        Assert.Equal(4004, (await _ah.CallAsync("birth.mark-used", new { certificateNo = "P368594862", hubCaseId = "case-b3" })).Code);
    }

    [Fact]
    public async Task Newborn_task_is_PROCESSING_until_the_delay_then_DONE_with_a_valid_id_number()
    {
        _sandbox.Knobs.Anhui.SlowWorkDelay = TimeSpan.FromSeconds(60);
        var taskId = (await _ah.CallAsync("newborn.register", Newborn(Man, "林桂凯", "case-n1"))).Text("taskId");
        Assert.Equal(taskId, (await _ah.CallAsync("newborn.register", Newborn(Man, "林桂凯", "case-n1"))).Text("taskId"));
        Assert.Equal("PROCESSING", (await _ah.CallAsync("task.query", new { taskId })).Text("state"));

        _time.Offset = TimeSpan.FromSeconds(61);
        var done = (await _ah.CallAsync("task.query", new { taskId })).Payload;
        Assert.Equal("DONE", done.GetProperty("state").GetString());
        var idNumber = done.GetProperty("result").GetProperty("idNumber").GetString()!;
        Assert.StartsWith("34010420261017", idNumber);
        Assert.True(ResidentIdNumber.HasValidChecksum(idNumber));
        Assert.StartsWith("H340104", done.GetProperty("result").GetProperty("householdNo").GetString());
        Assert.Single(_sandbox.State.Tickets);
    }

    [Fact]
    public async Task Newborn_for_a_deceased_parent_is_REJECTED_with_a_reason_and_unknown_tasks_get_4004()
    {
        _sandbox.Knobs.Anhui.SlowWorkDelay = TimeSpan.Zero;
        var taskId = (await _ah.CallAsync("newborn.register", Newborn(Deceased, "苏梅婷", "case-n2"))).Text("taskId");
        var rejected = await _ah.CallAsync("task.query", new { taskId });
        Assert.Equal("REJECTED", rejected.Text("state"));
        Assert.Contains("deceased", rejected.Text("reason"));
        Assert.Equal(4004, (await _ah.CallAsync("task.query", new { taskId = "TK340000-999999" })).Code);
        Assert.Equal(4004, (await _ah.CallAsync("task.query", new { taskId = "TK360000-000001" })).Code);
    }

    [Fact]
    public async Task Transfer_out_becomes_final_after_the_real_delay_then_cancels_once()
    {
        // Long enough that two requests and a query on a loaded machine (CI) come well inside it: 200 ms did not.
        _sandbox.Knobs.Anhui.SlowWorkDelay = TimeSpan.FromSeconds(2);
        object Request(string studentNo, string hubCaseId) => new { studentNo, targetSchoolCode = "3601118573", reason = "随迁", hubCaseId };
        var approve = (await _ah.CallAsync("transfer-out.request", Request(ApprovingStudent, "case-t1"))).Text("taskId");
        var reject = (await _ah.CallAsync("transfer-out.request", Request(RejectingStudent, "case-t2"))).Text("taskId");
        Assert.Equal("PROCESSING", (await _ah.CallAsync("task.query", new { taskId = approve })).Text("state"));

        var done = await Eventually.ValueAsync(
            () => _ah.CallAsync("task.query", new { taskId = approve }), a => a.Text("state") != "PROCESSING", TimeSpan.FromSeconds(10));
        Assert.Equal("DONE", done.Text("state"));
        var rejected = await Eventually.ValueAsync(
            () => _ah.CallAsync("task.query", new { taskId = reject }), a => a.Text("state") != "PROCESSING", TimeSpan.FromSeconds(10));
        Assert.Equal("REJECTED", rejected.Text("state"));

        var transferId = done.Payload.GetProperty("result").GetProperty("transferId").GetString()!;
        Assert.Equal(0, (await _ah.CallAsync("transfer-out.cancel", new { studentNo = ApprovingStudent, transferId })).Code);
        Assert.Equal(0, (await _ah.CallAsync("transfer-out.cancel", new { studentNo = ApprovingStudent, transferId })).Code);
        Assert.Equal(4009, (await _ah.CallAsync("transfer-out.confirm", new { studentNo = ApprovingStudent, transferId })).Code);
        Assert.Equal(4004, (await _ah.CallAsync("transfer-out.confirm", new { studentNo = RejectingStudent, transferId })).Code);
        Assert.Equal("enrolled", _sandbox.State.StudentStatus(ApprovingStudent));
    }

    [Fact]
    public async Task Enrolment_is_recorded_once_per_hubCaseId_and_refused_for_another_province_school()
    {
        object Enroll(string studentNo, string schoolCode, string hubCaseId) => new { studentNo, schoolCode, grade = 3, hubCaseId };
        Assert.Equal(0, (await _ah.CallAsync("student.enroll", Enroll("G360111201707059151", "3401028105", "case-e1"))).Code);
        Assert.Equal(0, (await _ah.CallAsync("student.enroll", Enroll("G360111201707059151", "3401028105", "case-e1"))).Code);
        var enrollment = Assert.Single(_sandbox.State.Enrollments);
        Assert.Equal(("340000", 3, 2), (enrollment.ProvinceCode, enrollment.Grade, enrollment.Deliveries));
        Assert.Equal(4009, (await _ah.CallAsync("student.enroll", Enroll("G360102201707266541", "3401028105", "case-e1"))).Code);
        Assert.Equal(4004, (await _ah.CallAsync("student.enroll", Enroll("G360111201707059151", "3601118573", "case-e2"))).Code);
    }

    [Fact]
    public async Task Error_rate_answers_a_signed_5000_and_down_answers_503()
    {
        _sandbox.Knobs.Anhui.ErrorRate = 1;
        var busy = await _ah.CallAsync("student.record", Student(ApprovingStudent));
        Assert.Equal((5000, true), (busy.Code, busy.SignatureValid));
        _sandbox.Knobs.Anhui.ErrorRate = 0;
        _sandbox.Knobs.Anhui.Down = true;
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var down = await _http.PostAsync("ah/tif/student.record", content);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
    }

    [Fact]
    public async Task Requests_beyond_the_rate_limit_get_5003()
    {
        _sandbox.Knobs.Anhui.RateLimitPerSecond = 2;
        var codes = (await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _ah.CallAsync("student.record", Student(ApprovingStudent)))))
            .Select(a => a.Code).ToList();
        Assert.InRange(codes.Count(c => c == 0), 1, 4);
        Assert.All(codes, c => Assert.Contains(c, new[] { 0, 5003 }));
    }

    [Fact]
    public async Task Latency_knob_delays_the_answer()
    {
        _sandbox.Knobs.Anhui.Latency = TimeSpan.FromMilliseconds(400);
        var started = Stopwatch.StartNew();
        Assert.Equal(0, (await _ah.CallAsync("student.record", Student(ApprovingStudent))).Code);
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(380), $"answered after {started.Elapsed}");
    }

    [Fact]
    public async Task Hub_adapter_runs_every_operation_against_the_simulator()
    {
        _sandbox.Knobs.Anhui.SlowWorkDelay = TimeSpan.Zero;
        var adapter = AnhuiCaller.Adapter(_sandbox.BaseUrl, _http, _time);
        var ct = CancellationToken.None;

        Assert.Equal(new ResidentVerification(true, "340104", ResidentStatus.Normal),
            (await adapter.VerifyResidentAsync(new Person(Man, "林桂凯"), ct)).Value);
        Assert.Equal(MaritalStatus.Married, (await adapter.GetMaritalStatusAsync(new Person(Deceased, "苏梅婷"), ct)).Value!.MaritalStatus);
        Assert.Equal(AnswerKind.NoRecord, (await adapter.VerifyResidentAsync(new Person("360111200004011253", "马刚思"), ct)).Kind);

        var registration = new MarriageRegistration("340104", new Person(Man, "林桂凯"), new Person(Woman, "于浩霞"), "case-a1");
        var certificate = (await adapter.RegisterMarriageAsync(registration, ct)).Value!.CertificateNo;
        Assert.Equal(certificate, (await adapter.RegisterMarriageAsync(registration, ct)).Value!.CertificateNo);
        var update = new MaritalUpdate(Woman, "于浩霞", MaritalStatus.Married, certificate, Man, new DateOnly(2026, 11, 28));
        Assert.True((await adapter.UpdateMaritalStatusAsync(update, ct)).IsOk);
        Assert.True((await adapter.UpdateMaritalStatusAsync(update, ct)).IsOk);
        Assert.Equal(1, _sandbox.State.MaritalUpdate(Woman, certificate)!.Effects);

        Assert.Equal(new BirthVerification(true, new DateOnly(2026, 10, 17), Sex.Male, false),
            (await adapter.VerifyBirthAsync(new BirthVerifyRequest("P348733249", "赵燕玉", "360102200309115743"), ct)).Value);
        Assert.True((await adapter.MarkBirthCertificateUsedAsync(new BirthCertificateUse("P348733249", "case-a2"), ct)).IsOk);
        Assert.Equal(AnswerKind.Refused, (await adapter.MarkBirthCertificateUsedAsync(new BirthCertificateUse("P348733249", "case-a3"), ct)).Kind);
        Assert.True((await adapter.ReleaseBirthCertificateAsync(new BirthCertificateUse("P348733249", "case-a3"), ct)).IsOk);

        var newborn = new NewbornRegistration(new Newborn("林小凯", Sex.Male, new DateOnly(2026, 10, 17)), new Person(Man, "林桂凯"), "340104", "P348733249", "case-a2");
        var ticket = (await adapter.RegisterNewbornAsync(newborn, ct)).Value!;
        var done = (await adapter.QueryTicketAsync(ticket, ct)).Value!;
        Assert.Equal(SlowWorkState.Approved, done.State);
        Assert.Equal(1, (done.IdNumber![16] - '0') % 2);
        Assert.NotNull(done.HouseholdNo);

        Assert.Equal(new StudentRecord("姜强雨", "340102201501186913", "3401028105", 5, StudentStatus.Enrolled),
            (await adapter.GetStudentRecordAsync(ApprovingStudent, ct)).Value);
        var transferTicket = (await adapter.RequestTransferOutAsync(new TransferOutRequest(ApprovingStudent, "3601118573", "随迁", "case-a4"), ct)).Value!;
        var transfer = (await adapter.QueryTicketAsync(transferTicket, ct)).Value!;
        Assert.Equal(SlowWorkState.Approved, transfer.State);
        Assert.True((await adapter.ConfirmTransferOutAsync(new TransferOutReference(ApprovingStudent, transfer.TransferId!), ct)).IsOk);
        Assert.Equal("transferred", _sandbox.State.StudentStatus(ApprovingStudent));
        Assert.True((await adapter.EnrollStudentAsync(new StudentEnrollment("G360111201707059151", "3401028105", 3, "case-a5"), ct)).IsOk);

        var refusedTicket = (await adapter.RequestTransferOutAsync(new TransferOutRequest(RejectingStudent, "3601118573", "随迁", "case-a6"), ct)).Value!;
        var refused = (await adapter.QueryTicketAsync(refusedTicket, ct)).Value!;
        Assert.Equal(SlowWorkState.Rejected, refused.State);
        Assert.False(string.IsNullOrEmpty(refused.Reason));
    }

    [Fact]
    public async Task Hub_adapter_sees_busy_and_rate_limits_as_transient()
    {
        var adapter = AnhuiCaller.Adapter(_sandbox.BaseUrl, _http, _time);
        _sandbox.Knobs.Anhui.ErrorRate = 1;
        var busy = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetStudentRecordAsync(ApprovingStudent, CancellationToken.None));
        Assert.Contains("5000", busy.Message);
        _sandbox.Knobs.Anhui.ErrorRate = 0;
        _sandbox.Knobs.Anhui.RateLimitPerSecond = 1;
        var limited = await Record.ExceptionAsync(async () =>
        {
            for (var i = 0; i < 5; i++) await adapter.GetStudentRecordAsync(ApprovingStudent, CancellationToken.None);
        });
        Assert.Equal(AnhuiAdapter.RateLimitedRetryAfter, Assert.IsType<ProvinceTransientException>(limited).RetryAfter);
    }

    [Fact]
    public async Task Wrong_signatures_knob_makes_signData_fail_to_verify_and_the_adapter_retries_rather_than_acts()
    {
        _sandbox.Knobs.Anhui.WrongSignatures = true;
        var answer = await _ah.CallAsync(CanonicalOperations.StudentRecord, Student(ApprovingStudent));
        Assert.Equal((0, false), (answer.Code, answer.SignatureValid));
        Assert.Equal("enrolled", answer.Text("studentStatus")); // still Anhui's payload, only not signed by Anhui
        var refused = await _ah.SendAsync(CanonicalOperations.StudentRecord, Student(ApprovingStudent), paasToken: "not-the-token");
        Assert.Equal((4003, false), (refused.Code, refused.SignatureValid));

        // Refused as transient, as anhui.md says of an answer that does not verify.
        await WrongSignatures.AssertRegistrationDistrustedThenRepeatedHarmlesslyAsync(_sandbox, _sandbox.Knobs.Anhui,
            AnhuiCaller.Adapter(_sandbox.BaseUrl, _http, _time),
            new MarriageRegistration("340104", new Person(Woman, "于浩霞"), new Person(Man, "林桂凯"), "case-w1"));
    }
}
