using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tongban.Security;

namespace Tongban.Provinces.Shanghai;

/// <summary>
/// Shanghai (310000): JSON REST under /sh/api/v2 with X-Ca-* HMAC-SHA256 headers; business answers are HTTP
/// statuses (shanghai.md). Slow work finishes by callback (<see cref="ShanghaiCallback"/>), so there is no polling.
/// </summary>
public sealed class ShanghaiAdapter : IProvinceAdapter
{
    public const string SchemeName = "sh-hmac";

    private const string Root = "/sh/api/v2";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private readonly ProvinceEndpoint endpoint;
    private readonly ProvinceTransport transport;
    private readonly TimeProvider time;
    private readonly Func<string> nonceSource;
    private readonly string appKey;
    private readonly string appSecret;

    /// <param name="nonceSource">For tests; by default a fresh UUID per request.</param>
    public ShanghaiAdapter(ProvinceEndpoint endpoint, HttpClient http, TimeProvider time, Func<string>? nonceSource = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(time);
        this.endpoint = endpoint;
        transport = new ProvinceTransport(http, endpoint.Code, "Shanghai", time);
        this.time = time;
        this.nonceSource = nonceSource ?? (() => Guid.NewGuid().ToString());
        appKey = endpoint.Require("appKey");
        appSecret = endpoint.Require("appSecret");
    }

    public string ProvinceCode => endpoint.Code;

    public SlowWorkCompletion SlowWork => SlowWorkCompletion.Callback;

    public Task<ProvinceAnswer<ResidentVerification>> VerifyResidentAsync(Person person, CancellationToken ct) =>
        ExchangeAsync("resident.verify", HttpMethod.Get,
            $"{Root}/residents/{Seg(person.IdNumber)}?name={Seg(person.Name)}", body: null,
            reply =>
            {
                var d = Read<ResidentReply>(reply, "resident.verify");
                return new ResidentVerification(d.Match, d.HukouDivision, Required(d.ResidentStatus, "residentStatus", "resident.verify"));
            }, ct);

    public Task<ProvinceAnswer<MaritalStatusRecord>> GetMaritalStatusAsync(Person person, CancellationToken ct) =>
        ExchangeAsync("marital.status", HttpMethod.Get,
            $"{Root}/marital-status/{Seg(person.IdNumber)}?name={Seg(person.Name)}", body: null,
            reply => new MaritalStatusRecord(Required(Read<MaritalReply>(reply, "marital.status").Status, "status", "marital.status")), ct);

    public Task<ProvinceAnswer<MarriageCertificate>> RegisterMarriageAsync(MarriageRegistration request, CancellationToken ct) =>
        ExchangeAsync("marriage.register", HttpMethod.Post, $"{Root}/marriages",
            new MarriageBody(request.RegistryCode, new PersonBody(request.PartyA.IdNumber, request.PartyA.Name),
                new PersonBody(request.PartyB.IdNumber, request.PartyB.Name), request.HubCaseId),
            reply => new MarriageCertificate(RequiredText(Read<CertificateReply>(reply, "marriage.register").CertificateNo, "certificateNo", "marriage.register")), ct);

    public Task<ProvinceAnswer<Acknowledged>> UpdateMaritalStatusAsync(MaritalUpdate request, CancellationToken ct) =>
        ExchangeAsync("marital.update", HttpMethod.Put, $"{Root}/marital-status/{Seg(request.IdNumber)}",
            new MaritalUpdateBody(request.Name, request.MaritalStatus, request.CertificateNo, request.SpouseIdNumber, request.RegisteredOn),
            _ => Acknowledged.Instance, ct);

    public Task<ProvinceAnswer<BirthVerification>> VerifyBirthAsync(BirthVerifyRequest request, CancellationToken ct) =>
        ExchangeAsync("birth.verify", HttpMethod.Get,
            $"{Root}/birth-certificates/{Seg(request.CertificateNo)}?childName={Seg(request.ChildName)}&motherIdNumber={Seg(request.MotherIdNumber)}",
            body: null,
            reply =>
            {
                var d = Read<BirthReply>(reply, "birth.verify");
                return new BirthVerification(d.Valid, d.BirthDate, d.Sex, d.Used);
            }, ct);

    public Task<ProvinceAnswer<Acknowledged>> MarkBirthCertificateUsedAsync(BirthCertificateUse request, CancellationToken ct) =>
        ExchangeAsync("birth.mark-used", HttpMethod.Put, $"{Root}/birth-certificates/{Seg(request.CertificateNo)}/usage",
            new HubCaseBody(request.HubCaseId), _ => Acknowledged.Instance, ct);

    public Task<ProvinceAnswer<Acknowledged>> ReleaseBirthCertificateAsync(BirthCertificateUse request, CancellationToken ct) =>
        ExchangeAsync("birth.release", HttpMethod.Delete,
            $"{Root}/birth-certificates/{Seg(request.CertificateNo)}/usage?hubCaseId={Seg(request.HubCaseId)}",
            body: null, _ => Acknowledged.Instance, ct);

    public Task<ProvinceAnswer<SlowTicket>> RegisterNewbornAsync(NewbornRegistration request, CancellationToken ct) =>
        ExchangeAsync("newborn.register", HttpMethod.Post, $"{Root}/newborn-registrations",
            new NewbornBody(
                new ChildBody(request.Child.Name, request.Child.Sex, request.Child.BirthDate),
                new PersonBody(request.Parent.IdNumber, request.Parent.Name),
                request.HouseholdDivision, request.BirthCertificateNo, request.HubCaseId),
            reply => new SlowTicket(RequiredText(Read<TicketReply>(reply, "newborn.register").Ticket, "ticket", "newborn.register")), ct);

    public Task<ProvinceAnswer<StudentRecord>> GetStudentRecordAsync(string studentNo, CancellationToken ct) =>
        ExchangeAsync("student.record", HttpMethod.Get, $"{Root}/students/{Seg(studentNo)}", body: null,
            reply =>
            {
                var d = Read<StudentReply>(reply, "student.record");
                return new StudentRecord(
                    RequiredText(d.Name, "name", "student.record"),
                    RequiredText(d.IdNumber, "idNumber", "student.record"),
                    RequiredText(d.SchoolCode, "schoolCode", "student.record"),
                    d.Grade,
                    Required(d.Status, "status", "student.record"));
            }, ct);

    public Task<ProvinceAnswer<SlowTicket>> RequestTransferOutAsync(TransferOutRequest request, CancellationToken ct) =>
        ExchangeAsync("transfer-out.request", HttpMethod.Post, $"{Root}/students/{Seg(request.StudentNo)}/transfer-out",
            new TransferOutBody(request.TargetSchoolCode, request.Reason, request.HubCaseId),
            reply => new SlowTicket(RequiredText(Read<TicketReply>(reply, "transfer-out.request").Ticket, "ticket", "transfer-out.request")), ct);

    public Task<ProvinceAnswer<Acknowledged>> EnrollStudentAsync(StudentEnrollment request, CancellationToken ct) =>
        ExchangeAsync("student.enroll", HttpMethod.Put, $"{Root}/students/{Seg(request.StudentNo)}/enrollment",
            new EnrollmentBody(request.SchoolCode, request.Grade, request.HubCaseId), _ => Acknowledged.Instance, ct);

    public Task<ProvinceAnswer<Acknowledged>> ConfirmTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        ExchangeAsync("transfer-out.confirm", HttpMethod.Post,
            $"{Root}/students/{Seg(request.StudentNo)}/transfer-out/{Seg(request.TransferId)}/confirmation",
            body: null, _ => Acknowledged.Instance, ct);

    public Task<ProvinceAnswer<Acknowledged>> CancelTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        ExchangeAsync("transfer-out.cancel", HttpMethod.Delete,
            $"{Root}/students/{Seg(request.StudentNo)}/transfer-out/{Seg(request.TransferId)}",
            body: null, _ => Acknowledged.Instance, ct);

    /// <summary>Shanghai calls the hub back instead; see <see cref="ShanghaiCallback"/>.</summary>
    public Task<ProvinceAnswer<SlowWorkResult>> QueryTicketAsync(SlowTicket ticket, CancellationToken ct) =>
        throw new NotSupportedException("Shanghai finishes slow work by callback; there is no ticket query.");

    // ---- the REST protocol ----

    private async Task<ProvinceAnswer<T>> ExchangeAsync<T>(
        string operation, HttpMethod method, string pathAndQuery, object? body, Func<byte[], T> map, CancellationToken ct)
    {
        // Outages (5xx, 408, 429) are the transport's; every other status is a business answer or a defect.
        var (status, reply) = await SendAsync(operation, method, pathAndQuery, body, ct);
        var code = (int)status;
        if (code is >= 200 and < 300) return ProvinceAnswer<T>.Ok(map(reply));

        return status switch
        {
            HttpStatusCode.NotFound => ProvinceAnswer<T>.NoRecord(ErrorMessage(reply)),
            HttpStatusCode.Conflict => ProvinceAnswer<T>.Refused(ErrorMessage(reply)),
            HttpStatusCode.BadRequest => throw Defect($"{operation} rejected as malformed (HTTP 400: {ErrorMessage(reply)})"),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                throw Defect($"{operation} refused our signature (HTTP {code}: {ErrorMessage(reply)}); check appKey/appSecret and the clock"),
            _ => throw Defect($"{operation} answered HTTP {code}, which the contract does not allow"),
        };
    }

    private Task<ProvinceReply<byte[]>> SendAsync(
        string operation, HttpMethod method, string pathAndQuery, object? body, CancellationToken ct)
    {
        var uri = endpoint.Resolve(pathAndQuery);
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json);
        var timestamp = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var nonce = nonceSource();

        var request = new HttpRequestMessage(method, uri);
        // Sign the path exactly as it goes on the request line (BaseUrl's own path prefix included).
        var signature = HmacRequestSignature.Compute(appSecret, method.Method, uri.PathAndQuery, timestamp, nonce, bytes);
        request.Headers.TryAddWithoutValidation("X-Ca-Key", appKey);
        request.Headers.TryAddWithoutValidation("X-Ca-Timestamp", timestamp);
        request.Headers.TryAddWithoutValidation("X-Ca-Nonce", nonce);
        request.Headers.TryAddWithoutValidation("X-Ca-Signature", signature);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        return transport.SendAsync(request, operation, ProvinceTransport.Bytes, ct);
    }

    private static string Seg(string value) => Uri.EscapeDataString(value);

    private static string? ErrorMessage(byte[] reply)
    {
        if (reply.Length == 0) return null;
        try
        {
            var error = JsonSerializer.Deserialize<ErrorReply>(reply, Json)?.Error;
            if (error is null) return null;
            var text = string.IsNullOrWhiteSpace(error.Code) ? error.Message : $"{error.Code}: {error.Message}";
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private T Read<T>(byte[] reply, string operation)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(reply, Json) ?? throw Defect($"{operation}: reply is null");
        }
        catch (JsonException ex)
        {
            // A JsonException's message can quote values; keep only the path.
            throw Defect($"{operation}: reply does not match the contract (at {ex.Path})", ex);
        }
    }

    private T Required<T>(T? value, string field, string operation) where T : struct =>
        value ?? throw Defect($"{operation}: reply lacks {field}");

    private string RequiredText(string? value, string field, string operation) =>
        string.IsNullOrWhiteSpace(value) ? throw Defect($"{operation}: reply lacks {field}") : value;

    private ProvinceDefectException Defect(string message, Exception? inner = null) =>
        new(endpoint.Code, $"Shanghai {message}", inner);

    // ---- wire shapes (shanghai.md) ----

    private sealed record PersonBody(string IdNumber, string Name);

    private sealed record MarriageBody(string RegistryCode, PersonBody PartyA, PersonBody PartyB, string HubCaseId);

    private sealed record MaritalUpdateBody(string Name, MaritalStatus Status, string CertificateNo, string SpouseIdNumber, DateOnly RegisteredOn);

    private sealed record HubCaseBody(string HubCaseId);

    private sealed record ChildBody(string Name, Sex Sex, DateOnly BirthDate);

    private sealed record NewbornBody(ChildBody Child, PersonBody Parent, string HouseholdDivision, string BirthCertificateNo, string HubCaseId);

    private sealed record TransferOutBody(string TargetSchoolCode, string Reason, string HubCaseId);

    private sealed record EnrollmentBody(string SchoolCode, int Grade, string HubCaseId);

    private sealed record ResidentReply(bool Match, string? HukouDivision, ResidentStatus? ResidentStatus);

    private sealed record MaritalReply(MaritalStatus? Status);

    private sealed record CertificateReply(string? CertificateNo);

    private sealed record BirthReply(bool Valid, DateOnly? BirthDate, Sex? Sex, bool Used);

    private sealed record TicketReply(string? Ticket);

    private sealed record StudentReply(string? Name, string? IdNumber, string? SchoolCode, int Grade, StudentStatus? Status);

    private sealed record ErrorReply(ErrorDetail? Error);

    private sealed record ErrorDetail(string? Code, string? Message);
}
