using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using static Tongban.Provinces.Jiangxi.JiangxiCodes;

namespace Tongban.Provinces.Jiangxi;

/// <summary>
/// Jiangxi (scheme <c>jx-esb</c>): every operation is one signed envelope posted to
/// <c>{BaseUrl}/jx/esb/service</c>; slow work answers with a ticket (slbh) the hub polls.
/// Settings: <c>appId</c>, <c>appSecret</c>.
/// </summary>
public sealed class JiangxiAdapter : IProvinceAdapter
{
    public const string SchemeName = "jx-esb";
    public const string ServicePath = "/jx/esb/service";

    private readonly ProvinceTransport transport;
    private readonly TimeProvider time;
    private readonly Func<string> newReqId;
    private readonly string appId;
    private readonly string appSecret;
    private readonly Uri serviceUri;

    /// <param name="newReqId">Source of reqId values (32 lowercase hex); random by default, fixed in tests.</param>
    public JiangxiAdapter(ProvinceEndpoint endpoint, HttpClient http, TimeProvider time, Func<string>? newReqId = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(http);
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        this.newReqId = newReqId ?? NewReqId;
        ProvinceCode = endpoint.Code;
        appId = endpoint.Require("appId");
        appSecret = endpoint.Require("appSecret");
        serviceUri = endpoint.Resolve(ServicePath);
        transport = new ProvinceTransport(http, ProvinceCode, "Jiangxi", time);
    }

    public string ProvinceCode { get; }

    public SlowWorkCompletion SlowWork => SlowWorkCompletion.Polling;

    /// <summary>A fresh reqId: 128 random bits as 32 lowercase hex characters.</summary>
    public static string NewReqId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public Task<ProvinceAnswer<ResidentVerification>> VerifyResidentAsync(Person person, CancellationToken ct) =>
        CallAsync(Services.ResidentVerify, () => PersonQuery(person), JiangxiCodes.ResidentVerification, ct);

    public Task<ProvinceAnswer<MaritalStatusRecord>> GetMaritalStatusAsync(Person person, CancellationToken ct) =>
        CallAsync(Services.MaritalStatus, () => PersonQuery(person), JiangxiCodes.MaritalStatusRecord, ct);

    public Task<ProvinceAnswer<MarriageCertificate>> RegisterMarriageAsync(MarriageRegistration request, CancellationToken ct) =>
        CallAsync(Services.MarriageRegister, () => MarriageRegister(request), JiangxiCodes.MarriageCertificate, ct);

    public Task<ProvinceAnswer<Acknowledged>> UpdateMaritalStatusAsync(MaritalUpdate request, CancellationToken ct) =>
        CallAsync(Services.MaritalUpdate, () => JiangxiCodes.MaritalUpdate(request), Ack, ct);

    public Task<ProvinceAnswer<BirthVerification>> VerifyBirthAsync(BirthVerifyRequest request, CancellationToken ct) =>
        CallAsync(Services.BirthVerify, () => BirthVerify(request), JiangxiCodes.BirthVerification, ct);

    public Task<ProvinceAnswer<Acknowledged>> MarkBirthCertificateUsedAsync(BirthCertificateUse request, CancellationToken ct) =>
        CallAsync(Services.BirthMarkUsed, () => BirthCertificateUse(request), Ack, ct);

    public Task<ProvinceAnswer<Acknowledged>> ReleaseBirthCertificateAsync(BirthCertificateUse request, CancellationToken ct) =>
        CallAsync(Services.BirthRelease, () => BirthCertificateUse(request), Ack, ct);

    public Task<ProvinceAnswer<SlowTicket>> RegisterNewbornAsync(NewbornRegistration request, CancellationToken ct) =>
        CallAsync(Services.NewbornRegister, () => NewbornRegister(request), JiangxiCodes.SlowTicket, ct);

    public Task<ProvinceAnswer<StudentRecord>> GetStudentRecordAsync(string studentNo, CancellationToken ct) =>
        CallAsync(Services.StudentRecord, () => StudentQuery(studentNo), JiangxiCodes.StudentRecord, ct);

    public Task<ProvinceAnswer<SlowTicket>> RequestTransferOutAsync(TransferOutRequest request, CancellationToken ct) =>
        CallAsync(Services.TransferOutRequest, () => JiangxiCodes.TransferOutRequest(request), JiangxiCodes.SlowTicket, ct);

    public Task<ProvinceAnswer<Acknowledged>> EnrollStudentAsync(StudentEnrollment request, CancellationToken ct) =>
        CallAsync(Services.StudentEnroll, () => StudentEnroll(request), Ack, ct);

    public Task<ProvinceAnswer<Acknowledged>> ConfirmTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        CallAsync(Services.TransferOutConfirm, () => JiangxiCodes.TransferOutReference(request), Ack, ct);

    public Task<ProvinceAnswer<Acknowledged>> CancelTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        CallAsync(Services.TransferOutCancel, () => JiangxiCodes.TransferOutReference(request), Ack, ct);

    public Task<ProvinceAnswer<SlowWorkResult>> QueryTicketAsync(SlowTicket ticket, CancellationToken ct) =>
        CallAsync(Services.SlowWorkResult, () => SlowWorkQuery(ticket), JiangxiCodes.SlowWorkResult, ct);

    private static Acknowledged Ack(IReadOnlyDictionary<string, string> biz) => Acknowledged.Instance;

    private async Task<ProvinceAnswer<T>> CallAsync<T>(
        string serviceCode,
        Func<Dictionary<string, string>> buildBiz,
        Func<IReadOnlyDictionary<string, string>, T> readBiz,
        CancellationToken ct)
    {
        Dictionary<string, string> biz;
        try
        {
            biz = buildBiz();
        }
        catch (FormatException e)
        {
            throw new ProvinceDefectException(ProvinceCode, $"{serviceCode}: {e.Message}", e);
        }

        var reply = await SendAsync(serviceCode, biz, ct);
        var message = reply.RetMsg;
        switch (reply.RetCode)
        {
            case "0000":
                try
                {
                    return ProvinceAnswer<T>.Ok(readBiz(JiangxiEnvelope.ParseBizContent(reply.BizContent)));
                }
                catch (Exception e) when (e is FormatException or JsonException)
                {
                    throw new ProvinceDefectException(ProvinceCode, $"{serviceCode} answered outside the contract: {e.Message}", e);
                }

            case "2001":
                return ProvinceAnswer<T>.NoRecord(message);
            case "2002":
                return ProvinceAnswer<T>.Refused(message);
            case "1001":
                throw new ProvinceDefectException(ProvinceCode, $"{serviceCode} refused our parameters (1001): {message}");
            case "1002":
                // Our signature, reqTime or reqId was refused. Each attempt gets a fresh reqId and
                // reqTime, so this is a wrong appSecret or a skewed clock: retrying cannot help.
                throw new ProvinceDefectException(ProvinceCode, $"{serviceCode} refused our signature, time or reqId (1002): {message}");
            case "9999":
                throw new ProvinceTransientException(ProvinceCode, $"{serviceCode}: system busy (9999).");
            default:
                throw new ProvinceDefectException(ProvinceCode, $"{serviceCode} answered retCode '{reply.RetCode}', which the contract does not define.");
        }
    }

    private sealed record Reply(string RetCode, string RetMsg, string? BizContent);

    private async Task<Reply> SendAsync(string serviceCode, Dictionary<string, string> biz, CancellationToken ct)
    {
        var reqId = newReqId();
        var reqTime = JiangxiEnvelope.FormatReqTime(time.GetUtcNow());
        var body = JiangxiEnvelope.BuildRequest(appId, serviceCode, reqTime, reqId, JiangxiEnvelope.SerializeBizContent(biz), appSecret);

        var request = new HttpRequestMessage(HttpMethod.Post, serviceUri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var reply = await transport.SendAsync(request, serviceCode, ProvinceTransport.Text, ct);
        if (!reply.IsSuccess)
        {
            throw new ProvinceDefectException(ProvinceCode, $"{serviceCode}: the ESB answered HTTP {(int)reply.Status}.");
        }

        Dictionary<string, string> fields;
        try
        {
            fields = JiangxiEnvelope.ParseEnvelope(reply.Body);
        }
        catch (JsonException e)
        {
            throw new ProvinceTransientException(ProvinceCode, $"{serviceCode}: the response is not an envelope.", inner: e);
        }

        // An answer we cannot authenticate is not an answer: retry rather than act on it.
        if (!JiangxiEnvelope.Verify(fields, appSecret))
        {
            throw new ProvinceTransientException(ProvinceCode, $"{serviceCode}: the response signature does not verify.");
        }

        if (!fields.TryGetValue("reqId", out var echoed) || echoed != reqId)
        {
            throw new ProvinceTransientException(ProvinceCode, $"{serviceCode}: the response is for another request.");
        }

        return new Reply(
            fields.GetValueOrDefault("retCode") ?? "",
            fields.GetValueOrDefault("retMsg") ?? "",
            fields.GetValueOrDefault("bizContent"));
    }
}
