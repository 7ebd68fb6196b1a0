using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tongban.Provinces;
using Tongban.Provinces.Zhejiang;

namespace Tongban.Tests.Provinces.Zhejiang;

public sealed class ZhejiangAdapterTests : IAsyncLifetime
{
    private const string AppKey = "tongban-hub";
    private const string AppSecret = "zj-app-secret-0001";
    private const string IdA = "330106199001011234";
    private const string IdB = "33010619920202234X";

    private readonly FakeTimeProvider clock = ExampleTime.Clock();
    private readonly HttpClient http = new();
    private readonly List<string> issuedSecrets = [];
    private readonly HashSet<string> revokedSecrets = [];
    private LoopbackProvince server = null!;
    private ZhejiangAdapter adapter = null!;
    private int tokensIssued;

    // The gateway's behaviour, set per test.
    private Func<int, string> secretFor = n => $"rs-{n}";
    private Func<int, StubReply?> tokenOverride = _ => null;
    private Func<string, Dictionary<string, string>, StubReply> service = (_, _) => Ok("{}");

    public async Task InitializeAsync()
    {
        server = await LoopbackProvince.StartAsync(Gateway);
        adapter = new ZhejiangAdapter(
            Endpoints.Create("330000", "zj-gateway", server.BaseUrl, ("appKey", AppKey), ("appSecret", AppSecret)), http, clock);
    }

    public async Task DisposeAsync()
    {
        adapter.Dispose();
        http.Dispose();
        await server.DisposeAsync();
    }

    private StubReply Gateway(RecordedRequest request)
    {
        if (request.Path == "/zj/gateway/token")
        {
            var n = Interlocked.Increment(ref tokensIssued);
            if (tokenOverride(n) is { } overridden) return overridden;
            var secret = secretFor(n);
            lock (issuedSecrets) issuedSecrets.Add(secret);
            return StubReply.Json("""{"code":"00","msg":"ok","data":{"requestSecret":""" + $"\"{secret}\"" + ""","expiresInSeconds":900}}""");
        }

        const string api = "/zj/gateway/api/";
        if (!request.Path.StartsWith(api, StringComparison.Ordinal)) return new StubReply(404);
        var form = request.Form();
        bool signed;
        lock (issuedSecrets)
        {
            // As the real gateway: the secret lives only inside the sign; an unknown or revoked one is code 14.
            signed = form.GetValueOrDefault("appKey") == AppKey && issuedSecrets.Except(revokedSecrets)
                .Any(s => ZhejiangSignature.ForCall(AppKey, s, form.GetValueOrDefault("requestTime") ?? "") == form.GetValueOrDefault("sign"));
        }

        return signed ? service(request.Path[api.Length..], form) : Code("14", "requestSecret unknown or expired");
    }

    private static StubReply Ok(string data) => StubReply.Json("""{"code":"00","msg":"ok","data":""" + data + "}");

    private static StubReply Code(string code, string msg = "x") => StubReply.Json($$$"""{"code":"{{{code}}}","msg":"{{{msg}}}","data":{}}""");

    private List<RecordedRequest> TokenRequests => server.Requests.Where(r => r.Path == "/zj/gateway/token").ToList();

    private List<RecordedRequest> ServiceRequests => server.Requests.Where(r => r.Path.StartsWith("/zj/gateway/api/", StringComparison.Ordinal)).ToList();

    private Dictionary<string, string> OnlyServiceForm(string serviceCode)
    {
        var request = Assert.Single(ServiceRequests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/zj/gateway/api/{serviceCode}", request.Path);
        Assert.StartsWith("application/x-www-form-urlencoded", request.Header("Content-Type"));
        return request.Form();
    }

    // ---- signing and the token ----

    [Fact]
    public async Task Token_request_carries_appKey_requestTime_and_the_worked_example_sign()
    {
        await adapter.ConfirmTransferOutAsync(new TransferOutReference("S1", "T1"), default);

        var form = Assert.Single(TokenRequests).Form();
        Assert.Equal(AppKey, form["appKey"]);
        Assert.Equal("1767225600000", form["requestTime"]);
        Assert.Equal("2473f795839ce29139b50ba206f04cea", form["sign"]);
    }

    [Fact]
    public async Task Call_is_signed_with_the_requestSecret_from_the_token()
    {
        secretFor = _ => "rs-5f1d2c3b4a";

        await adapter.ConfirmTransferOutAsync(new TransferOutReference("S1", "T1"), default);

        var form = OnlyServiceForm(ZhejiangServiceCodes.TransferOutConfirm);
        Assert.Equal(AppKey, form["appKey"]);
        Assert.Equal("1767225600000", form["requestTime"]);
        Assert.Equal("11527fe7abddb87855861254b5ba4af9", form["sign"]);
        Assert.DoesNotContain("requestSecret", form.Keys);
    }

    [Fact]
    public async Task Token_is_reused_across_calls()
    {
        await adapter.ConfirmTransferOutAsync(new TransferOutReference("S1", "T1"), default);
        await adapter.CancelTransferOutAsync(new TransferOutReference("S1", "T1"), default);
        clock.Advance(TimeSpan.FromMinutes(10));
        await adapter.ConfirmTransferOutAsync(new TransferOutReference("S2", "T2"), default);

        Assert.Single(TokenRequests);
        Assert.Equal(3, ServiceRequests.Count);
    }

    [Fact]
    public async Task Concurrent_calls_share_one_token_request()
    {
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            adapter.ConfirmTransferOutAsync(new TransferOutReference($"S{i}", "T1"), default)));

        Assert.Single(TokenRequests);
        Assert.Equal(12, ServiceRequests.Count);
    }

    [Fact]
    public async Task Token_is_renewed_shortly_before_it_expires()
    {
        await adapter.ConfirmTransferOutAsync(new TransferOutReference("S1", "T1"), default);
        clock.Advance(TimeSpan.FromSeconds(900 - 30));
        await adapter.ConfirmTransferOutAsync(new TransferOutReference("S1", "T1"), default);

        Assert.Equal(2, TokenRequests.Count);
    }

    [Fact]
    public async Task Code_14_refreshes_the_token_and_retries_once()
    {
        await adapter.ConfirmTransferOutAsync(new TransferOutReference("S1", "T1"), default);
        lock (issuedSecrets) revokedSecrets.Add("rs-1");

        var answer = await adapter.ConfirmTransferOutAsync(new TransferOutReference("S1", "T1"), default);

        Assert.Equal(AnswerKind.Ok, answer.Kind);
        Assert.Equal(2, TokenRequests.Count);
        Assert.Equal(3, ServiceRequests.Count);
        Assert.Equal(ZhejiangSignature.ForCall(AppKey, "rs-2", "1767225600000"), ServiceRequests[^1].Form()["sign"]);
    }

    [Fact]
    public async Task Second_code_14_is_a_defect()
    {
        service = (_, _) => Code("14");

        var ex = await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.ConfirmTransferOutAsync(new TransferOutReference("S1", "T1"), default));

        Assert.Equal("330000", ex.Province);
        Assert.Equal(2, TokenRequests.Count);
        Assert.Equal(2, ServiceRequests.Count);
    }

    [Fact]
    public async Task Token_refused_with_code_98_is_a_defect()
    {
        tokenOverride = _ => Code("98", "sign malformed");

        await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.ConfirmTransferOutAsync(new TransferOutReference("S1", "T1"), default));
        Assert.Empty(ServiceRequests);
    }

    [Fact]
    public async Task Token_busy_with_code_99_is_transient()
    {
        tokenOverride = _ => Code("99");

        await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.ConfirmTransferOutAsync(new TransferOutReference("S1", "T1"), default));
    }

    // ---- codes ----

    [Fact]
    public async Task Code_96_is_no_record()
    {
        service = (_, _) => Code("96", "no such record");

        var answer = await adapter.GetStudentRecordAsync("S404", default);

        Assert.Equal(AnswerKind.NoRecord, answer.Kind);
        Assert.Null(answer.Value);
        Assert.Equal("no such record", answer.Reason);
    }

    [Fact]
    public async Task Code_96_on_birth_mark_used_means_another_case_holds_it()
    {
        service = (_, _) => Code("96", "held by another case");

        var answer = await adapter.MarkBirthCertificateUsedAsync(new BirthCertificateUse("Q330000001", "case-1"), default);

        Assert.Equal(AnswerKind.Refused, answer.Kind);
        Assert.Equal("held by another case", answer.Reason);
    }

    [Theory]
    [InlineData("97")]
    [InlineData("98")]
    [InlineData("42")]
    public async Task Parameter_codes_and_unknown_codes_are_defects(string code)
    {
        service = (_, _) => Code(code);

        await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.GetStudentRecordAsync("S1", default));
        Assert.Single(ServiceRequests);
    }

    [Fact]
    public async Task Code_99_is_transient()
    {
        service = (_, _) => Code("99", "system busy");

        var ex = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetStudentRecordAsync("S1", default));
        Assert.Equal("330000", ex.Province);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"msg":"no code"}""")]
    [InlineData("""{"code":"00","data":{"studentStatus":"expelled","name":"a","idNumber":"b","schoolCode":"c","grade":1}}""")]
    public async Task Unparseable_reply_is_a_defect(string body)
    {
        service = (_, _) => StubReply.Json(body);

        await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.GetStudentRecordAsync("S1", default));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    public async Task Gateway_outage_is_transient(int status)
    {
        service = (_, _) => new StubReply(status, Headers: new Dictionary<string, string> { ["Retry-After"] = "30" });

        var ex = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetStudentRecordAsync("S1", default));
        Assert.Equal(TimeSpan.FromSeconds(30), ex.RetryAfter);
    }

    [Fact]
    public async Task Closed_port_is_transient()
    {
        using var closed = new ZhejiangAdapter(
            Endpoints.Create("330000", "zj-gateway", LoopbackProvince.ClosedPort(), ("appKey", AppKey), ("appSecret", AppSecret)), http, clock);

        var ex = await Assert.ThrowsAsync<ProvinceTransientException>(() => closed.GetStudentRecordAsync("S1", default));
        Assert.IsType<HttpRequestException>(ex.InnerException);
    }

    [Fact]
    public async Task Connection_lost_mid_call_is_transient()
    {
        // The token comes back; the service call's connection drops.
        var handler = new StubHandler((request, _) => request.RequestUri!.AbsolutePath == "/zj/gateway/token"
            ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("""{"code":"00","msg":"ok","data":{"requestSecret":"rs-1","expiresInSeconds":900}}"""),
            })
            : Task.FromException<HttpResponseMessage>(new IOException("Connection reset by peer")));
        using var client = new HttpClient(handler);
        using var dropping = new ZhejiangAdapter(
            Endpoints.Create("330000", "zj-gateway", new Uri("http://127.0.0.1:9/"), ("appKey", AppKey), ("appSecret", AppSecret)), client, clock);

        var ex = await Assert.ThrowsAsync<ProvinceTransientException>(() => dropping.GetStudentRecordAsync("S1", default));

        Assert.IsType<IOException>(ex.InnerException);
        Assert.Equal(2, handler.Sent);
    }

    [Fact]
    public async Task Timeout_is_transient()
    {
        using var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) };
        using var slow = new ZhejiangAdapter(
            Endpoints.Create("330000", "zj-gateway", server.BaseUrl, ("appKey", AppKey), ("appSecret", AppSecret)), impatient, clock);
        service = (_, _) => new StubReply(200, """{"code":"00","data":{}}""", Delay: TimeSpan.FromSeconds(3));

        await Assert.ThrowsAsync<ProvinceTransientException>(() => slow.ConfirmTransferOutAsync(new TransferOutReference("S1", "T1"), default));
    }

    [Fact]
    public async Task Callers_cancellation_is_not_turned_into_a_transient_fault()
    {
        service = (_, _) => new StubReply(200, """{"code":"00","data":{}}""", Delay: TimeSpan.FromSeconds(3));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => adapter.ConfirmTransferOutAsync(new TransferOutReference("S1", "T1"), cts.Token));
        Assert.IsNotType<ProvinceTransientException>(ex);
    }

    // ---- the fourteen operations ----

    [Fact]
    public async Task Resident_verify_sends_id_and_name_and_maps_the_reply()
    {
        service = (_, _) => Ok("""{"match":true,"hukouDivision":"330106","residentStatus":"deceased"}""");

        var answer = await adapter.VerifyResidentAsync(new Person(IdA, "张三"), default);

        Assert.Equal(new ResidentVerification(true, "330106", ResidentStatus.Deceased), answer.Value);
        var form = OnlyServiceForm(ZhejiangServiceCodes.ResidentVerify);
        Assert.Equal(IdA, form["idNumber"]);
        Assert.Equal("张三", form["name"]);
    }

    [Fact]
    public async Task Marital_status_is_mapped()
    {
        service = (_, _) => Ok("""{"maritalStatus":"widowed"}""");

        var answer = await adapter.GetMaritalStatusAsync(new Person(IdA, "张三"), default);

        Assert.Equal(MaritalStatus.Widowed, answer.Value!.MaritalStatus);
        var form = OnlyServiceForm(ZhejiangServiceCodes.MaritalStatusQuery);
        Assert.Equal(IdA, form["idNumber"]);
        Assert.Equal("张三", form["name"]);
    }

    [Fact]
    public async Task Marriage_register_flattens_both_parties_and_returns_the_certificate()
    {
        service = (_, _) => Ok("""{"certificateNo":"J330106-2026-000001"}""");

        var answer = await adapter.RegisterMarriageAsync(
            new MarriageRegistration("330106", new Person(IdA, "张三"), new Person(IdB, "李四"), "case-42"), default);

        Assert.Equal("J330106-2026-000001", answer.Value!.CertificateNo);
        var form = OnlyServiceForm(ZhejiangServiceCodes.MarriageRegister);
        Assert.Equal("330106", form["registryCode"]);
        Assert.Equal(IdA, form["partyAIdNumber"]);
        Assert.Equal("张三", form["partyAName"]);
        Assert.Equal(IdB, form["partyBIdNumber"]);
        Assert.Equal("李四", form["partyBName"]);
        Assert.Equal("case-42", form["hubCaseId"]);
    }

    [Fact]
    public async Task Marital_update_sends_lowercase_status_and_iso_date()
    {
        var answer = await adapter.UpdateMaritalStatusAsync(
            new MaritalUpdate(IdA, "张三", MaritalStatus.Married, "J1", IdB, new DateOnly(2026, 3, 8)), default);

        Assert.Same(Acknowledged.Instance, answer.Value);
        var form = OnlyServiceForm(ZhejiangServiceCodes.MaritalStatusUpdate);
        Assert.Equal(IdA, form["idNumber"]);
        Assert.Equal("张三", form["name"]);
        Assert.Equal("married", form["maritalStatus"]);
        Assert.Equal("J1", form["certificateNo"]);
        Assert.Equal(IdB, form["spouseIdNumber"]);
        Assert.Equal("2026-03-08", form["registeredOn"]);
    }

    [Fact]
    public async Task Birth_verify_maps_date_sex_and_flags()
    {
        service = (_, _) => Ok("""{"valid":true,"birthDate":"2026-02-14","sex":"female","used":true}""");

        var answer = await adapter.VerifyBirthAsync(new BirthVerifyRequest("Q330000001", "王小花", IdA), default);

        Assert.Equal(new BirthVerification(true, new DateOnly(2026, 2, 14), Sex.Female, true), answer.Value);
        var form = OnlyServiceForm(ZhejiangServiceCodes.BirthVerify);
        Assert.Equal("Q330000001", form["certificateNo"]);
        Assert.Equal("王小花", form["childName"]);
        Assert.Equal(IdA, form["motherIdNumber"]);
    }

    [Fact]
    public async Task Birth_mark_used_is_acknowledged()
    {
        var answer = await adapter.MarkBirthCertificateUsedAsync(new BirthCertificateUse("Q330000001", "case-7"), default);

        Assert.True(answer.IsOk);
        var form = OnlyServiceForm(ZhejiangServiceCodes.BirthMarkUsed);
        Assert.Equal("Q330000001", form["certificateNo"]);
        Assert.Equal("case-7", form["hubCaseId"]);
    }

    [Fact]
    public async Task Birth_release_is_acknowledged()
    {
        var answer = await adapter.ReleaseBirthCertificateAsync(new BirthCertificateUse("Q330000001", "case-7"), default);

        Assert.True(answer.IsOk);
        var form = OnlyServiceForm(ZhejiangServiceCodes.BirthRelease);
        Assert.Equal("Q330000001", form["certificateNo"]);
        Assert.Equal("case-7", form["hubCaseId"]);
    }

    [Fact]
    public async Task Newborn_register_flattens_child_and_parent_and_returns_the_ticket()
    {
        service = (_, _) => Ok("""{"ticket":"zj-t-001"}""");

        var answer = await adapter.RegisterNewbornAsync(new NewbornRegistration(
            new Newborn("王小花", Sex.Female, new DateOnly(2026, 2, 14)), new Person(IdA, "王大"), "330106", "Q330000001", "case-9"), default);

        Assert.Equal(new SlowTicket("zj-t-001"), answer.Value);
        var form = OnlyServiceForm(ZhejiangServiceCodes.NewbornApply);
        Assert.Equal("王小花", form["childName"]);
        Assert.Equal("female", form["childSex"]);
        Assert.Equal("2026-02-14", form["childBirthDate"]);
        Assert.Equal(IdA, form["parentIdNumber"]);
        Assert.Equal("王大", form["parentName"]);
        Assert.Equal("330106", form["householdDivision"]);
        Assert.Equal("Q330000001", form["birthCertificateNo"]);
        Assert.Equal("case-9", form["hubCaseId"]);
    }

    [Fact]
    public async Task Apply_without_a_ticket_is_a_defect()
    {
        service = (_, _) => Ok("{}");

        await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.RequestTransferOutAsync(new TransferOutRequest("S1", "SC2", "moving", "case-1"), default));
    }

    [Fact]
    public async Task Student_record_is_mapped()
    {
        service = (_, _) => Ok($$"""{"name":"赵六","idNumber":"{{IdA}}","schoolCode":"3301060001","grade":"5","studentStatus":"enrolled"}""");

        var answer = await adapter.GetStudentRecordAsync("S2026001", default);

        Assert.Equal(new StudentRecord("赵六", IdA, "3301060001", 5, StudentStatus.Enrolled), answer.Value);
        Assert.Equal("S2026001", OnlyServiceForm(ZhejiangServiceCodes.StudentQuery)["studentNo"]);
    }

    [Fact]
    public async Task Transfer_out_request_returns_the_ticket()
    {
        service = (_, _) => Ok("""{"ticket":"zj-t-002"}""");

        var answer = await adapter.RequestTransferOutAsync(new TransferOutRequest("S2026001", "3101150002", "family moved", "case-3"), default);

        Assert.Equal("zj-t-002", answer.Value!.Ticket);
        var form = OnlyServiceForm(ZhejiangServiceCodes.TransferOutApply);
        Assert.Equal("S2026001", form["studentNo"]);
        Assert.Equal("3101150002", form["targetSchoolCode"]);
        Assert.Equal("family moved", form["reason"]);
        Assert.Equal("case-3", form["hubCaseId"]);
    }

    [Fact]
    public async Task Student_enroll_sends_grade_as_a_number()
    {
        var answer = await adapter.EnrollStudentAsync(new StudentEnrollment("S2026001", "3301060001", 4, "case-3"), default);

        Assert.True(answer.IsOk);
        var form = OnlyServiceForm(ZhejiangServiceCodes.StudentEnroll);
        Assert.Equal("S2026001", form["studentNo"]);
        Assert.Equal("3301060001", form["schoolCode"]);
        Assert.Equal("4", form["grade"]);
        Assert.Equal("case-3", form["hubCaseId"]);
    }

    [Fact]
    public async Task Transfer_out_confirm_is_acknowledged()
    {
        var answer = await adapter.ConfirmTransferOutAsync(new TransferOutReference("S2026001", "TR-1"), default);

        Assert.True(answer.IsOk);
        var form = OnlyServiceForm(ZhejiangServiceCodes.TransferOutConfirm);
        Assert.Equal("S2026001", form["studentNo"]);
        Assert.Equal("TR-1", form["transferId"]);
    }

    [Fact]
    public async Task Transfer_out_cancel_is_acknowledged()
    {
        var answer = await adapter.CancelTransferOutAsync(new TransferOutReference("S2026001", "TR-1"), default);

        Assert.True(answer.IsOk);
        var form = OnlyServiceForm(ZhejiangServiceCodes.TransferOutCancel);
        Assert.Equal("S2026001", form["studentNo"]);
        Assert.Equal("TR-1", form["transferId"]);
    }

    [Fact]
    public async Task Ticket_still_processing()
    {
        service = (_, _) => Ok("""{"state":"processing"}""");

        var answer = await adapter.QueryTicketAsync(new SlowTicket("zj-t-001"), default);

        Assert.Equal(new SlowWorkResult(SlowWorkState.Processing), answer.Value);
        Assert.Equal("zj-t-001", OnlyServiceForm(ZhejiangServiceCodes.TicketQuery)["ticket"]);
    }

    [Fact]
    public async Task Approved_newborn_ticket_carries_id_number_and_household()
    {
        service = (_, _) => Ok($$"""{"state":"approved","idNumber":"{{IdA}}","householdNo":"H-0001"}""");

        var answer = await adapter.QueryTicketAsync(new SlowTicket("zj-t-001"), default);

        Assert.Equal(new SlowWorkResult(SlowWorkState.Approved, IdNumber: IdA, HouseholdNo: "H-0001"), answer.Value);
    }

    [Fact]
    public async Task Approved_transfer_ticket_carries_the_transfer_id()
    {
        service = (_, _) => Ok("""{"state":"approved","transferId":"TR-9"}""");

        var answer = await adapter.QueryTicketAsync(new SlowTicket("zj-t-002"), default);

        Assert.Equal(new SlowWorkResult(SlowWorkState.Approved, TransferId: "TR-9"), answer.Value);
    }

    [Fact]
    public async Task Rejected_ticket_carries_the_reason()
    {
        service = (_, _) => Ok("""{"state":"rejected","reason":"birth certificate mismatch"}""");

        var answer = await adapter.QueryTicketAsync(new SlowTicket("zj-t-001"), default);

        Assert.Equal(new SlowWorkResult(SlowWorkState.Rejected, "birth certificate mismatch"), answer.Value);
    }

    [Fact]
    public void Adapter_polls_for_slow_work_and_names_its_province()
    {
        Assert.Equal(SlowWorkCompletion.Polling, adapter.SlowWork);
        Assert.Equal("330000", adapter.ProvinceCode);
    }

    [Fact]
    public void Factory_builds_adapters_for_its_scheme_only()
    {
        var factory = new ZhejiangAdapterFactory(clock);
        var zj = Endpoints.Create("330000", "zj-gateway", server.BaseUrl, ("appKey", AppKey), ("appSecret", AppSecret));
        var other = Endpoints.Create("310000", "sh-hmac", server.BaseUrl, ("appKey", AppKey), ("appSecret", AppSecret));

        Assert.Equal("zj-gateway", factory.Scheme);
        using var created = Assert.IsType<ZhejiangAdapter>(factory.Create(zj, http));
        Assert.Throws<ArgumentException>(() => factory.Create(other, http));
    }

    [Fact]
    public void Missing_credentials_fail_at_construction()
    {
        var endpoint = Endpoints.Create("330000", "zj-gateway", server.BaseUrl, ("appKey", AppKey));

        var ex = Assert.Throws<InvalidOperationException>(() => new ZhejiangAdapter(endpoint, http, clock));
        Assert.Contains("appSecret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Enum_wire_names_are_lowercase()
    {
        Assert.Equal("unmarried", ZhejiangMessages.Wire(MaritalStatus.Unmarried));
        Assert.Equal("male", ZhejiangMessages.Wire(Sex.Male));
        Assert.Equal("transferred", JsonSerializer.Deserialize<string>(JsonSerializer.Serialize(StudentStatus.Transferred, ZhejiangMessages.Json)));
    }
}
