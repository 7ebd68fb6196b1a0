using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Tongban.Security;
using static Tongban.Provinces.Shanghai.ShanghaiMessages;

namespace Tongban.Provinces.Shanghai;

/// <summary>
/// Shanghai (310000): JSON REST under /sh/api/v2 with X-Ca-* HMAC-SHA256 headers; business answers are HTTP
/// statuses (shanghai.md). Slow work finishes by callback (<see cref="ShanghaiCallback"/>), so there is no polling.
/// </summary>
public sealed class ShanghaiAdapter : IProvinceAdapter
{
    public const string SchemeName = "sh-hmac";

    private const string Root = "/sh/api/v2";

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
        ExchangeAsync(CanonicalOperations.ResidentVerify, HttpMethod.Get,
            $"{Root}/residents/{Seg(person.IdNumber)}?name={Seg(person.Name)}", body: null, ShanghaiMessages.ResidentVerification, ct);

    public Task<ProvinceAnswer<MaritalStatusRecord>> GetMaritalStatusAsync(Person person, CancellationToken ct) =>
        ExchangeAsync(CanonicalOperations.MaritalStatus, HttpMethod.Get,
            $"{Root}/marital-status/{Seg(person.IdNumber)}?name={Seg(person.Name)}", body: null, ShanghaiMessages.MaritalStatusRecord, ct);

    public Task<ProvinceAnswer<MarriageCertificate>> RegisterMarriageAsync(MarriageRegistration request, CancellationToken ct) =>
        ExchangeAsync(CanonicalOperations.MarriageRegister, HttpMethod.Post, $"{Root}/marriages",
            new MarriageBody(request.RegistryCode, new PersonBody(request.PartyA.IdNumber, request.PartyA.Name),
                new PersonBody(request.PartyB.IdNumber, request.PartyB.Name), request.HubCaseId),
            ShanghaiMessages.MarriageCertificate, ct);

    public Task<ProvinceAnswer<Acknowledged>> UpdateMaritalStatusAsync(MaritalUpdate request, CancellationToken ct) =>
        ExchangeAsync(CanonicalOperations.MaritalUpdate, HttpMethod.Put, $"{Root}/marital-status/{Seg(request.IdNumber)}",
            new MaritalUpdateBody(request.Name, request.MaritalStatus, request.CertificateNo, request.SpouseIdNumber, request.RegisteredOn),
            Ack, ct);

    public Task<ProvinceAnswer<BirthVerification>> VerifyBirthAsync(BirthVerifyRequest request, CancellationToken ct) =>
        ExchangeAsync(CanonicalOperations.BirthVerify, HttpMethod.Get,
            $"{Root}/birth-certificates/{Seg(request.CertificateNo)}?childName={Seg(request.ChildName)}&motherIdNumber={Seg(request.MotherIdNumber)}",
            body: null, ShanghaiMessages.BirthVerification, ct);

    public Task<ProvinceAnswer<Acknowledged>> MarkBirthCertificateUsedAsync(BirthCertificateUse request, CancellationToken ct) =>
        ExchangeAsync(CanonicalOperations.BirthMarkUsed, HttpMethod.Put, $"{Root}/birth-certificates/{Seg(request.CertificateNo)}/usage",
            new HubCaseBody(request.HubCaseId), Ack, ct);

    public Task<ProvinceAnswer<Acknowledged>> ReleaseBirthCertificateAsync(BirthCertificateUse request, CancellationToken ct) =>
        ExchangeAsync(CanonicalOperations.BirthRelease, HttpMethod.Delete,
            $"{Root}/birth-certificates/{Seg(request.CertificateNo)}/usage?hubCaseId={Seg(request.HubCaseId)}",
            body: null, Ack, ct);

    public Task<ProvinceAnswer<SlowTicket>> RegisterNewbornAsync(NewbornRegistration request, CancellationToken ct) =>
        ExchangeAsync(CanonicalOperations.NewbornRegister, HttpMethod.Post, $"{Root}/newborn-registrations",
            new NewbornBody(
                new ChildBody(request.Child.Name, request.Child.Sex, request.Child.BirthDate),
                new PersonBody(request.Parent.IdNumber, request.Parent.Name),
                request.HouseholdDivision, request.BirthCertificateNo, request.HubCaseId),
            ShanghaiMessages.SlowTicket(CanonicalOperations.NewbornRegister), ct);

    public Task<ProvinceAnswer<StudentRecord>> GetStudentRecordAsync(string studentNo, CancellationToken ct) =>
        ExchangeAsync(CanonicalOperations.StudentRecord, HttpMethod.Get, $"{Root}/students/{Seg(studentNo)}", body: null,
            ShanghaiMessages.StudentRecord, ct);

    public Task<ProvinceAnswer<SlowTicket>> RequestTransferOutAsync(TransferOutRequest request, CancellationToken ct) =>
        ExchangeAsync(CanonicalOperations.TransferOutRequest, HttpMethod.Post, $"{Root}/students/{Seg(request.StudentNo)}/transfer-out",
            new TransferOutBody(request.TargetSchoolCode, request.Reason, request.HubCaseId),
            ShanghaiMessages.SlowTicket(CanonicalOperations.TransferOutRequest), ct);

    public Task<ProvinceAnswer<Acknowledged>> EnrollStudentAsync(StudentEnrollment request, CancellationToken ct) =>
        ExchangeAsync(CanonicalOperations.StudentEnroll, HttpMethod.Put, $"{Root}/students/{Seg(request.StudentNo)}/enrollment",
            new EnrollmentBody(request.SchoolCode, request.Grade, request.HubCaseId), Ack, ct);

    public Task<ProvinceAnswer<Acknowledged>> ConfirmTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        ExchangeAsync(CanonicalOperations.TransferOutConfirm, HttpMethod.Post,
            $"{Root}/students/{Seg(request.StudentNo)}/transfer-out/{Seg(request.TransferId)}/confirmation",
            body: null, Ack, ct);

    public Task<ProvinceAnswer<Acknowledged>> CancelTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        ExchangeAsync(CanonicalOperations.TransferOutCancel, HttpMethod.Delete,
            $"{Root}/students/{Seg(request.StudentNo)}/transfer-out/{Seg(request.TransferId)}",
            body: null, Ack, ct);

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
        if (code is >= 200 and < 300)
        {
            try
            {
                return ProvinceAnswer<T>.Ok(map(reply));
            }
            catch (FormatException e)
            {
                throw Defect(e.Message, e.InnerException);
            }
        }

        return status switch
        {
            HttpStatusCode.NotFound => ProvinceAnswer<T>.NoRecord(ShanghaiMessages.ErrorMessage(reply)),
            HttpStatusCode.Conflict => ProvinceAnswer<T>.Refused(ShanghaiMessages.ErrorMessage(reply)),
            HttpStatusCode.BadRequest => throw Defect($"{operation} rejected as malformed (HTTP 400: {ShanghaiMessages.ErrorMessage(reply)})"),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                throw Defect($"{operation} refused our signature (HTTP {code}: {ShanghaiMessages.ErrorMessage(reply)}); check appKey/appSecret and the clock"),
            _ => throw Defect($"{operation} answered HTTP {code}, which the contract does not allow"),
        };
    }

    private Task<ProvinceReply<byte[]>> SendAsync(
        string operation, HttpMethod method, string pathAndQuery, object? body, CancellationToken ct)
    {
        var uri = endpoint.Resolve(pathAndQuery);
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), ShanghaiMessages.Json);
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

    private ProvinceDefectException Defect(string message, Exception? inner = null) =>
        new(endpoint.Code, $"Shanghai {message}", inner);
}
