using Microsoft.Extensions.Time.Testing;
using Tongban.Provinces;
using Tongban.Provinces.Anhui;
using Tongban.Tests.Crypto;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Tongban.Tests.Provinces.Anhui;

public sealed class AnhuiAdapterTests : IDisposable
{
    private const string Person1 = "340104199505021668";
    private const string Person2 = "340104199301011219";

    private readonly AnhuiProvinceStub province = new();
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly AnhuiAdapter adapter;

    public AnhuiAdapterTests() => adapter = province.Adapter(http);

    public void Dispose()
    {
        http.Dispose();
        province.Dispose();
    }

    private void Answer(int code, string? payloadJson = null, string message = "success") =>
        province.Answer = (_, _) => new AnhuiReply(code, message, payloadJson);

    [Fact]
    public async Task Sends_the_worked_example_headers_and_body()
    {
        var pinned = province.Adapter(http, nonce: () => "7f3c9a1b2d4e5f60");
        Answer(0, "{\"match\":true,\"hukouDivision\":\"340104\",\"residentStatus\":\"normal\"}");

        await pinned.VerifyResidentAsync(new Person(Person1, "张敏"), default);

        var call = province.LastCall;
        Assert.Equal("resident.verify", call.Api);
        Assert.Equal("tongban-hub", call.Headers["x-tif-paasid"]);
        Assert.Equal("1767225600", call.Headers["x-tif-timestamp"]);
        Assert.Equal("7f3c9a1b2d4e5f60", call.Headers["x-tif-nonce"]);
        Assert.Equal("5cdcc1bee530f8884f25ebaf32844d4cc145565193ace817d24d266b469200cd", call.Headers["x-tif-signature"]);
        Assert.Equal("ah-app-0001", call.Body.AppId);
        Assert.Equal("1767225600", call.Body.Timestamp);
        Assert.Equal("VckAGWhHiIv3gVxQewiiDU4BAR1lrFJr9m6jsIM3G6ANotDM+WAv4UaRq+ewP7twRoF9Na6d/IBwGfmZ9S8E6w==", call.Body.EncData);
    }

    [Fact]
    public async Task Sends_a_fresh_random_nonce_per_call()
    {
        Answer(0, "{\"maritalStatus\":\"unmarried\"}");

        await adapter.GetMaritalStatusAsync(new Person(Person1, "张敏"), default);
        await adapter.GetMaritalStatusAsync(new Person(Person1, "张敏"), default);

        Assert.NotEqual(province.Calls[0].Headers["x-tif-nonce"], province.Calls[1].Headers["x-tif-nonce"]);
    }

    [Theory]
    [InlineData("normal", ResidentStatus.Normal)]
    [InlineData("deceased", ResidentStatus.Deceased)]
    [InlineData("cancelled", ResidentStatus.Cancelled)]
    public async Task Verifies_a_resident(string wire, ResidentStatus expected)
    {
        Answer(0, "{\"match\":true,\"hukouDivision\":\"340104\",\"residentStatus\":\"" + wire + "\"}");

        var answer = await adapter.VerifyResidentAsync(new Person(Person1, "张敏"), default);

        Assert.Equal(new ResidentVerification(true, "340104", expected), answer.Value);
    }

    [Fact]
    public async Task Reads_a_mismatch_that_carries_no_status()
    {
        Answer(0, "{\"match\":false}");

        var answer = await adapter.VerifyResidentAsync(new Person(Person1, "张敏"), default);

        Assert.False(answer.Value!.Match);
        Assert.Null(answer.Value.HukouDivision);
    }

    [Theory]
    [InlineData("unmarried", MaritalStatus.Unmarried)]
    [InlineData("married", MaritalStatus.Married)]
    [InlineData("divorced", MaritalStatus.Divorced)]
    [InlineData("widowed", MaritalStatus.Widowed)]
    public async Task Reads_the_marital_status(string wire, MaritalStatus expected)
    {
        Answer(0, "{\"maritalStatus\":\"" + wire + "\"}");

        var answer = await adapter.GetMaritalStatusAsync(new Person(Person1, "张敏"), default);

        Assert.Equal(expected, answer.Value!.MaritalStatus);
        Assert.Equal("marital.status", province.LastCall.Api);
        Assert.Equal("{\"idNumber\":\"340104199505021668\",\"name\":\"张敏\"}", province.LastCall.PayloadJson);
    }

    [Fact]
    public async Task Registers_a_marriage_with_the_canonical_payload()
    {
        Answer(0, "{\"certificateNo\":\"J340104-2026-000001\"}");

        var answer = await adapter.RegisterMarriageAsync(
            new MarriageRegistration("340104", new Person(Person1, "张敏"), new Person(Person2, "李强"), "case-1"), default);

        Assert.Equal("J340104-2026-000001", answer.Value!.CertificateNo);
        Assert.Equal("marriage.register", province.LastCall.Api);
        Assert.Equal(
            "{\"registryCode\":\"340104\",\"partyA\":{\"idNumber\":\"340104199505021668\",\"name\":\"张敏\"},\"partyB\":{\"idNumber\":\"340104199301011219\",\"name\":\"李强\"},\"hubCaseId\":\"case-1\"}",
            province.LastCall.PayloadJson);
    }

    [Fact]
    public async Task Updates_the_marital_status_with_lowercase_status_and_iso_date()
    {
        Answer(0, "{}");

        var answer = await adapter.UpdateMaritalStatusAsync(
            new MaritalUpdate(Person1, "张敏", MaritalStatus.Married, "J340104-2026-000001", Person2, new DateOnly(2026, 1, 2)), default);

        Assert.Same(Acknowledged.Instance, answer.Value);
        Assert.Equal("marital.update", province.LastCall.Api);
        Assert.Equal(
            "{\"idNumber\":\"340104199505021668\",\"name\":\"张敏\",\"maritalStatus\":\"married\",\"certificateNo\":\"J340104-2026-000001\",\"spouseIdNumber\":\"340104199301011219\",\"registeredOn\":\"2026-01-02\"}",
            province.LastCall.PayloadJson);
    }

    [Fact]
    public async Task Acknowledges_an_answer_with_no_payload()
    {
        Answer(0);

        var answer = await adapter.ReleaseBirthCertificateAsync(new BirthCertificateUse("O340100001", "case-7"), default);

        Assert.True(answer.IsOk);
    }

    [Fact]
    public async Task Verifies_a_birth_certificate()
    {
        Answer(0, "{\"valid\":true,\"birthDate\":\"2025-12-24\",\"sex\":\"male\",\"used\":false}");

        var answer = await adapter.VerifyBirthAsync(new BirthVerifyRequest("O340100001", "李小明", Person1), default);

        Assert.Equal(new BirthVerification(true, new DateOnly(2025, 12, 24), Sex.Male, false), answer.Value);
        Assert.Equal("birth.verify", province.LastCall.Api);
        Assert.Equal("{\"certificateNo\":\"O340100001\",\"childName\":\"李小明\",\"motherIdNumber\":\"340104199505021668\"}", province.LastCall.PayloadJson);
    }

    [Fact]
    public async Task Reads_an_invalid_certificate_without_date_or_sex()
    {
        Answer(0, "{\"valid\":false,\"used\":true}");

        var answer = await adapter.VerifyBirthAsync(new BirthVerifyRequest("O340100001", "李小明", Person1), default);

        Assert.Equal(new BirthVerification(false, null, null, true), answer.Value);
    }

    [Fact]
    public async Task Marks_and_releases_a_certificate_by_number_and_case()
    {
        Answer(0, "{}");
        var use = new BirthCertificateUse("O340100001", "case-7");

        Assert.True((await adapter.MarkBirthCertificateUsedAsync(use, default)).IsOk);
        Assert.True((await adapter.ReleaseBirthCertificateAsync(use, default)).IsOk);

        Assert.Equal(["birth.mark-used", "birth.release"], province.Calls.Select(c => c.Api));
        Assert.All(province.Calls, c => Assert.Equal("{\"certificateNo\":\"O340100001\",\"hubCaseId\":\"case-7\"}", c.PayloadJson));
    }

    [Fact]
    public async Task Registers_a_newborn_and_returns_the_task_id()
    {
        Answer(0, "{\"taskId\":\"T-2026-0001\"}");

        var answer = await adapter.RegisterNewbornAsync(new NewbornRegistration(
            new Newborn("李小明", Sex.Male, new DateOnly(2025, 12, 24)), new Person(Person1, "张敏"), "340104", "O340100001", "case-9"), default);

        Assert.Equal(new SlowTicket("T-2026-0001"), answer.Value);
        Assert.Equal("newborn.register", province.LastCall.Api);
        Assert.Equal(
            "{\"child\":{\"name\":\"李小明\",\"sex\":\"male\",\"birthDate\":\"2025-12-24\"},\"parent\":{\"idNumber\":\"340104199505021668\",\"name\":\"张敏\"},\"householdDivision\":\"340104\",\"birthCertificateNo\":\"O340100001\",\"hubCaseId\":\"case-9\"}",
            province.LastCall.PayloadJson);
    }

    [Theory]
    [InlineData("enrolled", StudentStatus.Enrolled, "4")]
    [InlineData("graduated", StudentStatus.Graduated, "\"4\"")]
    [InlineData("transferred", StudentStatus.Transferred, "4")]
    public async Task Reads_a_student_record(string wire, StudentStatus expected, string grade)
    {
        Answer(0, "{\"name\":\"王芳\",\"idNumber\":\"340104201201011222\",\"schoolCode\":\"3401040001\",\"grade\":" + grade + ",\"studentStatus\":\"" + wire + "\"}");

        var answer = await adapter.GetStudentRecordAsync("G340104201201011222", default);

        Assert.Equal(new StudentRecord("王芳", "340104201201011222", "3401040001", 4, expected), answer.Value);
        Assert.Equal("student.record", province.LastCall.Api);
        Assert.Equal("{\"studentNo\":\"G340104201201011222\"}", province.LastCall.PayloadJson);
    }

    [Fact]
    public async Task Requests_a_transfer_out_and_returns_the_task_id()
    {
        Answer(0, "{\"taskId\":\"T-2026-0002\"}");

        var answer = await adapter.RequestTransferOutAsync(new TransferOutRequest("G1", "3601020001", "随迁", "case-3"), default);

        Assert.Equal("T-2026-0002", answer.Value!.Ticket);
        Assert.Equal("transfer-out.request", province.LastCall.Api);
        Assert.Equal("{\"studentNo\":\"G1\",\"targetSchoolCode\":\"3601020001\",\"reason\":\"随迁\",\"hubCaseId\":\"case-3\"}", province.LastCall.PayloadJson);
    }

    [Fact]
    public async Task Enrolls_a_student()
    {
        Answer(0, "{}");

        Assert.True((await adapter.EnrollStudentAsync(new StudentEnrollment("G1", "3401040001", 5, "case-3"), default)).IsOk);

        Assert.Equal("student.enroll", province.LastCall.Api);
        Assert.Equal("{\"studentNo\":\"G1\",\"schoolCode\":\"3401040001\",\"grade\":5,\"hubCaseId\":\"case-3\"}", province.LastCall.PayloadJson);
    }

    [Fact]
    public async Task Confirms_and_cancels_a_transfer()
    {
        Answer(0, "{}");
        var reference = new TransferOutReference("G1", "ZC-7");

        Assert.True((await adapter.ConfirmTransferOutAsync(reference, default)).IsOk);
        Assert.True((await adapter.CancelTransferOutAsync(reference, default)).IsOk);

        Assert.Equal(["transfer-out.confirm", "transfer-out.cancel"], province.Calls.Select(c => c.Api));
        Assert.All(province.Calls, c => Assert.Equal("{\"studentNo\":\"G1\",\"transferId\":\"ZC-7\"}", c.PayloadJson));
    }

    [Fact]
    public async Task Polls_a_task_still_processing()
    {
        Answer(0, "{\"state\":\"PROCESSING\"}");

        var answer = await adapter.QueryTicketAsync(new SlowTicket("T-2026-0001"), default);

        Assert.Equal(new SlowWorkResult(SlowWorkState.Processing), answer.Value);
        Assert.Equal("task.query", province.LastCall.Api);
        Assert.Equal("{\"taskId\":\"T-2026-0001\"}", province.LastCall.PayloadJson);
    }

    [Fact]
    public async Task Polls_a_done_newborn_registration_with_id_number_and_household()
    {
        Answer(0, "{\"state\":\"DONE\",\"result\":{\"idNumber\":\"340104202512240011\",\"householdNo\":\"H340104000321\"}}");

        var answer = await adapter.QueryTicketAsync(new SlowTicket("T-2026-0001"), default);

        Assert.Equal(new SlowWorkResult(SlowWorkState.Approved, IdNumber: "340104202512240011", HouseholdNo: "H340104000321"), answer.Value);
    }

    [Fact]
    public async Task Polls_a_done_transfer_with_its_transfer_id()
    {
        Answer(0, "{\"state\":\"DONE\",\"result\":{\"transferId\":\"ZC-7\"}}");

        var answer = await adapter.QueryTicketAsync(new SlowTicket("T-2026-0002"), default);

        Assert.Equal(new SlowWorkResult(SlowWorkState.Approved, TransferId: "ZC-7"), answer.Value);
    }

    [Fact]
    public async Task Polls_a_rejected_task_with_its_reason()
    {
        Answer(0, "{\"state\":\"REJECTED\",\"reason\":\"材料不全\"}");

        var answer = await adapter.QueryTicketAsync(new SlowTicket("T-2026-0001"), default);

        Assert.Equal(new SlowWorkResult(SlowWorkState.Rejected, Reason: "材料不全"), answer.Value);
    }

    [Fact]
    public async Task Reports_4004_as_no_record_with_the_message()
    {
        Answer(4004, message: "查无此人");

        var answer = await adapter.VerifyResidentAsync(new Person(Person1, "张敏"), default);

        Assert.Equal(AnswerKind.NoRecord, answer.Kind);
        Assert.Equal("查无此人", answer.Reason);
    }

    [Fact]
    public async Task Reports_4009_as_refused_with_the_message()
    {
        Answer(4009, message: "出生医学证明已被其他业务使用");

        var answer = await adapter.MarkBirthCertificateUsedAsync(new BirthCertificateUse("O340100001", "case-7"), default);

        Assert.Equal(AnswerKind.Refused, answer.Kind);
        Assert.Equal("出生医学证明已被其他业务使用", answer.Reason);
    }

    [Theory]
    [InlineData(4001)]
    [InlineData(4003)]
    [InlineData(4500)]
    public async Task Throws_a_defect_for_parameter_or_signature_errors_and_unknown_codes(int code)
    {
        Answer(code, message: "idNumber " + Person1 + " invalid");

        // As the registry hands the adapter out: the scrubbing decorator masks the ID number the province echoed.
        var error = await Assert.ThrowsAsync<ProvinceDefectException>(() => new ScrubbedProvinceAdapter(adapter).VerifyResidentAsync(new Person(Person1, "张敏"), default));

        Assert.Equal("340000", error.Province);
        Assert.DoesNotContain(Person1, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throws_transient_when_the_province_is_busy()
    {
        Answer(5000, message: "busy");

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.VerifyResidentAsync(new Person(Person1, "张敏"), default));

        Assert.Null(error.RetryAfter);
    }

    [Fact]
    public async Task Throws_transient_with_a_retry_after_when_rate_limited()
    {
        Answer(5003, message: "rate limited");

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.VerifyResidentAsync(new Person(Person1, "张敏"), default));

        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);
    }

    [Fact]
    public async Task Throws_a_defect_when_the_gateway_refuses_our_paas_token()
    {
        var settings = AnhuiProvinceStub.Settings();
        settings["paasToken"] = "not-the-token";

        await Assert.ThrowsAsync<ProvinceDefectException>(() => province.Adapter(http, settings).VerifyResidentAsync(new Person(Person1, "张敏"), default));
        Assert.Empty(province.Calls);
    }

    [Fact]
    public async Task Signs_and_verifies_with_the_configured_sm2_user_id()
    {
        province.UserId = "tongban-0000001";
        Answer(0, "{\"maritalStatus\":\"married\"}");
        var settings = AnhuiProvinceStub.Settings();
        settings["sm2UserId"] = "tongban-0000001";

        var answer = await province.Adapter(http, settings).GetMaritalStatusAsync(new Person(Person1, "张敏"), default);

        Assert.Equal(MaritalStatus.Married, answer.Value!.MaritalStatus);
    }

    [Fact]
    public async Task Uses_the_default_sm2_user_id_when_none_is_configured()
    {
        // The province uses another ID: it refuses our signature, and its answer does not verify here either.
        province.UserId = "tongban-0000001";

        await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetMaritalStatusAsync(new Person(Person1, "张敏"), default));
        Assert.Empty(province.Calls);
    }

    [Fact]
    public async Task Accepts_PEM_keys_configured_with_literal_backslash_n()
    {
        var settings = AnhuiProvinceStub.Settings();
        settings["hubSm2PrivateKeyPem"] = SandboxKeys.Escaped(SandboxKeys.HubPrivateKeyPem);
        settings["provinceSm2PublicKeyPem"] = SandboxKeys.Escaped(SandboxKeys.ProvincePublicKeyPem);
        Answer(0, "{\"maritalStatus\":\"married\"}");

        var answer = await province.Adapter(http, settings).GetMaritalStatusAsync(new Person(Person1, "张敏"), default);

        Assert.Equal(MaritalStatus.Married, answer.Value!.MaritalStatus);
    }

    [Fact]
    public async Task Throws_transient_when_the_response_is_not_signed_by_Anhui()
    {
        Answer(0, "{\"maritalStatus\":\"married\"}");
        province.SignWithWrongKey = true;

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetMaritalStatusAsync(new Person(Person1, "张敏"), default));

        Assert.Contains("signature", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throws_transient_when_a_signed_response_names_another_appId()
    {
        Answer(0, "{\"maritalStatus\":\"married\"}");
        province.ReplyAppId = "ah-app-0002";

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetMaritalStatusAsync(new Person(Person1, "张敏"), default));

        Assert.Contains("appId", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    [InlineData(-86_400)]
    public async Task Throws_transient_when_a_signed_response_is_stale_or_from_the_future(int offsetSeconds)
    {
        Answer(0, "{\"maritalStatus\":\"married\"}");
        province.ReplyClockOffset = TimeSpan.FromSeconds(offsetSeconds);

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetMaritalStatusAsync(new Person(Person1, "张敏"), default));

        Assert.Contains("timestamp", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-300)]
    [InlineData(300)]
    public async Task Accepts_a_signed_response_at_the_edge_of_the_window(int offsetSeconds)
    {
        Answer(0, "{\"maritalStatus\":\"married\"}");
        province.ReplyClockOffset = TimeSpan.FromSeconds(offsetSeconds);

        var answer = await adapter.GetMaritalStatusAsync(new Person(Person1, "张敏"), default);

        Assert.Equal(MaritalStatus.Married, answer.Value!.MaritalStatus);
    }

    [Fact]
    public async Task Throws_a_defect_when_a_signed_response_does_not_decrypt_with_our_key()
    {
        Answer(0, "{\"maritalStatus\":\"married\"}");
        province.EncryptWithWrongKey = true;

        await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.GetMaritalStatusAsync(new Person(Person1, "张敏"), default));
    }

    [Theory]
    [InlineData("{\"maritalStatus\":\"separated\"}")]
    [InlineData("{\"maritalStatus\":2}")]
    [InlineData("{}")]
    public async Task Throws_a_defect_when_a_signed_success_breaks_the_contract(string payload)
    {
        Answer(0, payload);

        await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.GetMaritalStatusAsync(new Person(Person1, "张敏"), default));
    }

    [Fact]
    public async Task Throws_a_defect_for_a_task_state_outside_the_contract()
    {
        Answer(0, "{\"state\":\"PENDING\"}");

        await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.QueryTicketAsync(new SlowTicket("T-1"), default));
    }

    [Fact]
    public async Task Throws_transient_when_the_gateway_answers_503()
    {
        using var down = WireMockServer.Start();
        down.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(503));
        var toDown = new AnhuiAdapter(AnhuiProvinceStub.Endpoint(new Uri(down.Url!)), http, new FakeTimeProvider(AnhuiProvinceStub.Now));

        await Assert.ThrowsAsync<ProvinceTransientException>(() => toDown.VerifyResidentAsync(new Person(Person1, "张敏"), default));
    }

    [Fact]
    public async Task Throws_transient_when_the_gateway_answers_something_that_is_not_a_body()
    {
        using var odd = WireMockServer.Start();
        odd.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(200).WithBody("<html>maintenance</html>"));
        var toOdd = new AnhuiAdapter(AnhuiProvinceStub.Endpoint(new Uri(odd.Url!)), http, new FakeTimeProvider(AnhuiProvinceStub.Now));

        await Assert.ThrowsAsync<ProvinceTransientException>(() => toOdd.VerifyResidentAsync(new Person(Person1, "张敏"), default));
    }

    [Fact]
    public async Task Throws_transient_when_nothing_listens()
    {
        var toNowhere = new AnhuiAdapter(AnhuiProvinceStub.Endpoint(AnhuiProvinceStub.ClosedPort()), http, new FakeTimeProvider(AnhuiProvinceStub.Now));

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() => toNowhere.VerifyResidentAsync(new Person(Person1, "张敏"), default));

        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task Throws_transient_when_the_connection_is_lost_mid_call()
    {
        var handler = StubHandler.Throwing(new IOException("Connection reset by peer"));
        using var client = new HttpClient(handler);
        var dropping = new AnhuiAdapter(AnhuiProvinceStub.Endpoint(new Uri("http://127.0.0.1:9/")), client, new FakeTimeProvider(AnhuiProvinceStub.Now));

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() => dropping.VerifyResidentAsync(new Person(Person1, "张敏"), default));

        Assert.IsType<IOException>(error.InnerException);
        Assert.Equal(1, handler.Sent);
    }

    [Fact]
    public void Fails_fast_naming_a_missing_setting()
    {
        var settings = AnhuiProvinceStub.Settings();
        settings.Remove("sm4KeyHex");

        var error = Assert.Throws<InvalidOperationException>(() => province.Adapter(http, settings));

        Assert.Contains("sm4KeyHex", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_builds_a_polling_adapter_for_ah_tif()
    {
        var factory = new AnhuiAdapterFactory(TimeProvider.System);

        var built = factory.Create(AnhuiProvinceStub.Endpoint(province.Url), http);

        Assert.Equal("ah-tif", factory.Scheme);
        Assert.IsType<AnhuiAdapter>(built);
        Assert.Equal("340000", built.ProvinceCode);
        Assert.Equal(SlowWorkCompletion.Polling, built.SlowWork);
    }
}
