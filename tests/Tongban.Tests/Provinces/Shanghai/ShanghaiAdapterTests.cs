using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tongban.Provinces;
using Tongban.Provinces.Shanghai;
using Tongban.Security;

namespace Tongban.Tests.Provinces.Shanghai;

public sealed class ShanghaiAdapterTests : IAsyncLifetime
{
    private const string AppKey = "tongban-hub";
    private const string AppSecret = "sh-app-secret-0001";
    private const string Nonce = "3f1c2b4a-0000-4000-8000-000000000001";
    private const string IdA = "310115199001011232";
    private const string IdB = "31011519920202234X";

    private readonly FakeTimeProvider clock = ExampleTime.Clock();
    private readonly HttpClient http = new();
    private LoopbackProvince server = null!;
    private ShanghaiAdapter adapter = null!;
    private Func<RecordedRequest, StubReply> reply = _ => new StubReply(204);

    public async Task InitializeAsync()
    {
        server = await LoopbackProvince.StartAsync(r => reply(r));
        adapter = Create(server.BaseUrl, http);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await server.DisposeAsync();
    }

    private ShanghaiAdapter Create(Uri baseUrl, HttpClient client) =>
        new(Endpoints.Create("310000", "sh-hmac", baseUrl, ("appKey", AppKey), ("appSecret", AppSecret)), client, clock, () => Nonce);

    private static StubReply Error(int status, string code, string message = "x", IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, $$$"""{"error":{"code":"{{{code}}}","message":"{{{message}}}"}}""", headers);

    /// <summary>The single request, after checking its X-Ca-* headers sign exactly what arrived on the wire.</summary>
    private RecordedRequest OnlySignedRequest(string method, string rawTarget)
    {
        var request = Assert.Single(server.Requests);
        Assert.Equal(method, request.Method);
        Assert.Equal(rawTarget, request.RawTarget);
        Assert.Equal(AppKey, request.Header("X-Ca-Key"));
        Assert.Equal("1767225600000", request.Header("X-Ca-Timestamp"));
        Assert.Equal(Nonce, request.Header("X-Ca-Nonce"));
        Assert.True(HmacRequestSignature.Verify(AppSecret, request.Method, request.RawTarget, "1767225600000", Nonce, request.Body, request.Header("X-Ca-Signature")),
            "X-Ca-Signature does not sign the request as received");
        return request;
    }

    private static JsonElement JsonBody(RecordedRequest request)
    {
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        return JsonDocument.Parse(request.Body).RootElement;
    }

    // ---- signature ----

    [Fact]
    public void Signature_matches_the_specs_worked_example() =>
        Assert.Equal("rdKDF8m0Kinh5cPpLXqctSjj8/HbRUlShWR/iidn+F8=",
            HmacRequestSignature.Compute(AppSecret, "PUT", "/sh/api/v2/marital-status/310115199001011232", "1767225600000", Nonce,
                """{"status":"married"}"""u8));

    [Fact]
    public async Task Path_segments_and_query_values_are_encoded_and_signed_as_sent()
    {
        reply = _ => StubReply.Json("""{"match":true,"hukouDivision":"310115","residentStatus":"normal"}""");

        await adapter.VerifyResidentAsync(new Person(IdB, "张 三&x"), default);

        var request = OnlySignedRequest("GET", "/sh/api/v2/residents/31011519920202234X?name=%E5%BC%A0%20%E4%B8%89%26x");
        Assert.Empty(request.Body);
        Assert.Equal(
            HmacRequestSignature.Compute(AppSecret, "GET", "/sh/api/v2/residents/31011519920202234X?name=%E5%BC%A0%20%E4%B8%89%26x", "1767225600000", Nonce, []),
            request.Header("X-Ca-Signature"));
    }

    [Fact]
    public async Task Base_url_path_prefix_is_part_of_what_is_signed()
    {
        using var prefixed = new HttpClient();
        var adapterBehindPrefix = Create(new Uri(server.BaseUrl, "/gw"), prefixed);

        await adapterBehindPrefix.ConfirmTransferOutAsync(new TransferOutReference("S1", "TR-1"), default);

        OnlySignedRequest("POST", "/gw/sh/api/v2/students/S1/transfer-out/TR-1/confirmation");
    }

    // ---- the thirteen operations ----

    [Fact]
    public async Task Resident_verify_maps_the_reply()
    {
        reply = _ => StubReply.Json("""{"match":false,"hukouDivision":"310115","residentStatus":"cancelled"}""");

        var answer = await adapter.VerifyResidentAsync(new Person(IdA, "Li"), default);

        Assert.Equal(new ResidentVerification(false, "310115", ResidentStatus.Cancelled), answer.Value);
        OnlySignedRequest("GET", $"/sh/api/v2/residents/{IdA}?name=Li");
    }

    [Fact]
    public async Task Marital_status_maps_the_reply()
    {
        reply = _ => StubReply.Json("""{"status":"divorced"}""");

        var answer = await adapter.GetMaritalStatusAsync(new Person(IdA, "Li"), default);

        Assert.Equal(MaritalStatus.Divorced, answer.Value!.MaritalStatus);
        OnlySignedRequest("GET", $"/sh/api/v2/marital-status/{IdA}?name=Li");
    }

    [Theory]
    [InlineData(201)]
    [InlineData(200)]
    public async Task Marriage_register_posts_both_parties_and_returns_the_certificate(int status)
    {
        reply = _ => StubReply.Json("""{"certificateNo":"J310115-2026-000001"}""", status);

        var answer = await adapter.RegisterMarriageAsync(
            new MarriageRegistration("310115", new Person(IdA, "张三"), new Person(IdB, "李四"), "case-42"), default);

        Assert.Equal("J310115-2026-000001", answer.Value!.CertificateNo);
        var body = JsonBody(OnlySignedRequest("POST", "/sh/api/v2/marriages"));
        Assert.Equal("310115", body.GetProperty("registryCode").GetString());
        Assert.Equal(IdA, body.GetProperty("partyA").GetProperty("idNumber").GetString());
        Assert.Equal("张三", body.GetProperty("partyA").GetProperty("name").GetString());
        Assert.Equal(IdB, body.GetProperty("partyB").GetProperty("idNumber").GetString());
        Assert.Equal("李四", body.GetProperty("partyB").GetProperty("name").GetString());
        Assert.Equal("case-42", body.GetProperty("hubCaseId").GetString());
    }

    [Fact]
    public async Task Marital_update_puts_status_and_date()
    {
        var answer = await adapter.UpdateMaritalStatusAsync(
            new MaritalUpdate(IdA, "张三", MaritalStatus.Married, "J1", IdB, new DateOnly(2026, 3, 8)), default);

        Assert.Same(Acknowledged.Instance, answer.Value);
        var body = JsonBody(OnlySignedRequest("PUT", $"/sh/api/v2/marital-status/{IdA}"));
        Assert.Equal("张三", body.GetProperty("name").GetString());
        Assert.Equal("married", body.GetProperty("status").GetString());
        Assert.Equal("J1", body.GetProperty("certificateNo").GetString());
        Assert.Equal(IdB, body.GetProperty("spouseIdNumber").GetString());
        Assert.Equal("2026-03-08", body.GetProperty("registeredOn").GetString());
    }

    [Fact]
    public async Task Birth_verify_sends_child_and_mother_in_the_query()
    {
        reply = _ => StubReply.Json("""{"valid":true,"birthDate":"2026-02-14","sex":"male","used":false}""");

        var answer = await adapter.VerifyBirthAsync(new BirthVerifyRequest("Q310000001", "Wang", IdA), default);

        Assert.Equal(new BirthVerification(true, new DateOnly(2026, 2, 14), Sex.Male, false), answer.Value);
        OnlySignedRequest("GET", $"/sh/api/v2/birth-certificates/Q310000001?childName=Wang&motherIdNumber={IdA}");
    }

    [Fact]
    public async Task Birth_mark_used_puts_the_case()
    {
        var answer = await adapter.MarkBirthCertificateUsedAsync(new BirthCertificateUse("Q310000001", "case-7"), default);

        Assert.True(answer.IsOk);
        var body = JsonBody(OnlySignedRequest("PUT", "/sh/api/v2/birth-certificates/Q310000001/usage"));
        Assert.Equal("case-7", body.GetProperty("hubCaseId").GetString());
    }

    [Fact]
    public async Task Birth_release_deletes_the_usage()
    {
        var answer = await adapter.ReleaseBirthCertificateAsync(new BirthCertificateUse("Q310000001", "case-7"), default);

        Assert.True(answer.IsOk);
        OnlySignedRequest("DELETE", "/sh/api/v2/birth-certificates/Q310000001/usage?hubCaseId=case-7");
    }

    [Fact]
    public async Task Newborn_register_posts_child_and_parent_and_returns_the_ticket()
    {
        reply = _ => StubReply.Json("""{"ticket":"sh-t-001"}""", 202);

        var answer = await adapter.RegisterNewbornAsync(new NewbornRegistration(
            new Newborn("王小花", Sex.Female, new DateOnly(2026, 2, 14)), new Person(IdA, "王大"), "310115", "Q310000001", "case-9"), default);

        Assert.Equal(new SlowTicket("sh-t-001"), answer.Value);
        var body = JsonBody(OnlySignedRequest("POST", "/sh/api/v2/newborn-registrations"));
        var child = body.GetProperty("child");
        Assert.Equal("王小花", child.GetProperty("name").GetString());
        Assert.Equal("female", child.GetProperty("sex").GetString());
        Assert.Equal("2026-02-14", child.GetProperty("birthDate").GetString());
        Assert.Equal(IdA, body.GetProperty("parent").GetProperty("idNumber").GetString());
        Assert.Equal("王大", body.GetProperty("parent").GetProperty("name").GetString());
        Assert.Equal("310115", body.GetProperty("householdDivision").GetString());
        Assert.Equal("Q310000001", body.GetProperty("birthCertificateNo").GetString());
        Assert.Equal("case-9", body.GetProperty("hubCaseId").GetString());
    }

    [Fact]
    public async Task Student_record_maps_the_reply()
    {
        reply = _ => StubReply.Json($$"""{"name":"赵六","idNumber":"{{IdA}}","schoolCode":"3101150002","grade":3,"status":"graduated"}""");

        var answer = await adapter.GetStudentRecordAsync("S/2026 1", default);

        Assert.Equal(new StudentRecord("赵六", IdA, "3101150002", 3, StudentStatus.Graduated), answer.Value);
        OnlySignedRequest("GET", "/sh/api/v2/students/S%2F2026%201");
    }

    [Fact]
    public async Task Transfer_out_request_returns_the_ticket()
    {
        reply = _ => StubReply.Json("""{"ticket":"sh-t-002"}""", 202);

        var answer = await adapter.RequestTransferOutAsync(new TransferOutRequest("S1", "3301060001", "family moved", "case-3"), default);

        Assert.Equal("sh-t-002", answer.Value!.Ticket);
        var body = JsonBody(OnlySignedRequest("POST", "/sh/api/v2/students/S1/transfer-out"));
        Assert.Equal("3301060001", body.GetProperty("targetSchoolCode").GetString());
        Assert.Equal("family moved", body.GetProperty("reason").GetString());
        Assert.Equal("case-3", body.GetProperty("hubCaseId").GetString());
    }

    [Fact]
    public async Task Student_enroll_puts_school_and_grade()
    {
        var answer = await adapter.EnrollStudentAsync(new StudentEnrollment("S1", "3101150002", 4, "case-3"), default);

        Assert.True(answer.IsOk);
        var body = JsonBody(OnlySignedRequest("PUT", "/sh/api/v2/students/S1/enrollment"));
        Assert.Equal("3101150002", body.GetProperty("schoolCode").GetString());
        Assert.Equal(4, body.GetProperty("grade").GetInt32());
        Assert.Equal("case-3", body.GetProperty("hubCaseId").GetString());
    }

    [Fact]
    public async Task Transfer_out_confirm_posts_an_empty_body()
    {
        var answer = await adapter.ConfirmTransferOutAsync(new TransferOutReference("S1", "TR-1"), default);

        Assert.True(answer.IsOk);
        Assert.Empty(OnlySignedRequest("POST", "/sh/api/v2/students/S1/transfer-out/TR-1/confirmation").Body);
    }

    [Fact]
    public async Task Transfer_out_cancel_deletes_the_transfer()
    {
        var answer = await adapter.CancelTransferOutAsync(new TransferOutReference("S1", "TR-1"), default);

        Assert.True(answer.IsOk);
        OnlySignedRequest("DELETE", "/sh/api/v2/students/S1/transfer-out/TR-1");
    }

    [Fact]
    public async Task Ticket_query_is_not_supported_because_shanghai_calls_back()
    {
        Assert.Equal(SlowWorkCompletion.Callback, adapter.SlowWork);
        Assert.Equal("310000", adapter.ProvinceCode);
        await Assert.ThrowsAsync<NotSupportedException>(() => adapter.QueryTicketAsync(new SlowTicket("t"), default));
        Assert.Empty(server.Requests);
    }

    // ---- statuses ----

    [Fact]
    public async Task Not_found_is_no_record()
    {
        reply = _ => Error(404, "NOT_FOUND", "no such student");

        var answer = await adapter.GetStudentRecordAsync("S404", default);

        Assert.Equal(AnswerKind.NoRecord, answer.Kind);
        Assert.Contains("no such student", answer.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Conflict_is_a_refusal()
    {
        reply = _ => Error(409, "CERT_IN_USE", "held by another case");

        var answer = await adapter.MarkBirthCertificateUsedAsync(new BirthCertificateUse("Q1", "case-7"), default);

        Assert.Equal(AnswerKind.Refused, answer.Kind);
        Assert.Contains("held by another case", answer.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unauthorized_is_a_defect_because_our_signing_is_wrong()
    {
        reply = _ => Error(401, "SIGNATURE");

        await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.GetStudentRecordAsync("S1", default));
    }

    [Fact]
    public async Task Rate_limit_is_transient_with_retry_after()
    {
        reply = _ => Error(429, "RATE", headers: new Dictionary<string, string> { ["Retry-After"] = "7" });

        var ex = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetStudentRecordAsync("S1", default));

        Assert.Equal(TimeSpan.FromSeconds(7), ex.RetryAfter);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(500)]
    [InlineData(502)]
    public async Task Server_errors_are_transient(int status)
    {
        reply = _ => Error(status, "UNAVAILABLE");

        var ex = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.GetStudentRecordAsync("S1", default));
        Assert.Null(ex.RetryAfter);
    }

    [Fact]
    public async Task Unexpected_status_is_a_defect()
    {
        reply = _ => Error(418, "TEAPOT");

        await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.GetStudentRecordAsync("S1", default));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"status":"complicated"}""")]
    [InlineData("{}")]
    public async Task Unparseable_success_reply_is_a_defect(string body)
    {
        reply = _ => StubReply.Json(body);

        await Assert.ThrowsAsync<ProvinceDefectException>(() => adapter.GetMaritalStatusAsync(new Person(IdA, "Li"), default));
    }

    [Fact]
    public async Task Closed_port_is_transient()
    {
        var unreachable = Create(LoopbackProvince.ClosedPort(), http);

        var ex = await Assert.ThrowsAsync<ProvinceTransientException>(() => unreachable.GetStudentRecordAsync("S1", default));
        Assert.IsType<HttpRequestException>(ex.InnerException);
    }

    [Fact]
    public async Task Connection_lost_mid_call_is_transient()
    {
        var handler = StubHandler.Throwing(new IOException("Connection reset by peer"));
        using var client = new HttpClient(handler);

        var ex = await Assert.ThrowsAsync<ProvinceTransientException>(() => Create(new Uri("http://127.0.0.1:9/"), client).GetStudentRecordAsync("S1", default));

        Assert.IsType<IOException>(ex.InnerException);
        Assert.Equal(1, handler.Sent);
    }

    [Fact]
    public async Task Timeout_is_transient()
    {
        using var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) };
        reply = _ => new StubReply(204, Delay: TimeSpan.FromSeconds(3));

        await Assert.ThrowsAsync<ProvinceTransientException>(() => Create(server.BaseUrl, impatient).CancelTransferOutAsync(new TransferOutReference("S1", "T"), default));
    }

    [Fact]
    public async Task Fresh_nonce_per_request_by_default()
    {
        var real = new ShanghaiAdapter(Endpoints.Create("310000", "sh-hmac", server.BaseUrl, ("appKey", AppKey), ("appSecret", AppSecret)), http, clock);

        await real.CancelTransferOutAsync(new TransferOutReference("S1", "T"), default);
        await real.CancelTransferOutAsync(new TransferOutReference("S1", "T"), default);

        var nonces = server.Requests.Select(r => r.Header("X-Ca-Nonce")).ToList();
        Assert.Equal(2, nonces.Distinct().Count());
        Assert.All(nonces, n => Assert.True(Guid.TryParse(n, out _)));
    }

    [Fact]
    public void Factory_builds_adapters_for_its_scheme_only()
    {
        var factory = new ShanghaiAdapterFactory(clock);
        var sh = Endpoints.Create("310000", "sh-hmac", server.BaseUrl, ("appKey", AppKey), ("appSecret", AppSecret));
        var zj = Endpoints.Create("330000", "zj-gateway", server.BaseUrl, ("appKey", AppKey), ("appSecret", AppSecret));

        Assert.Equal("sh-hmac", factory.Scheme);
        Assert.IsType<ShanghaiAdapter>(factory.Create(sh, http));
        Assert.Throws<ArgumentException>(() => factory.Create(zj, http));
    }
}
