using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tongban.Provinces.Zhejiang;

/// <summary>
/// Zhejiang (330000): form posts to a token gateway, MD5 signs, a <c>code</c> in every body (zhejiang.md).
/// The requestSecret is cached per instance until shortly before it expires; one refresh at a time.
/// </summary>
public sealed class ZhejiangAdapter : IProvinceAdapter, IDisposable
{
    public const string SchemeName = "zj-gateway";

    private const string TokenPath = "/zj/gateway/token";
    private const string ApiPath = "/zj/gateway/api/";

    // Refresh a minute early (or a tenth of a short lifetime) so a call never leaves with a secret about to lapse.
    private static readonly TimeSpan MaxRefreshMargin = TimeSpan.FromSeconds(60);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    private readonly ProvinceEndpoint endpoint;
    private readonly HttpClient http;
    private readonly TimeProvider time;
    private readonly string appKey;
    private readonly string appSecret;
    private readonly SemaphoreSlim tokenLock = new(1, 1);
    private volatile GatewayToken? token;

    public ZhejiangAdapter(ProvinceEndpoint endpoint, HttpClient http, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(time);
        this.endpoint = endpoint;
        this.http = http;
        this.time = time;
        appKey = endpoint.Require("appKey");
        appSecret = endpoint.Require("appSecret");
    }

    public string ProvinceCode => endpoint.Code;

    public SlowWorkCompletion SlowWork => SlowWorkCompletion.Polling;

    public Task<ProvinceAnswer<ResidentVerification>> VerifyResidentAsync(Person person, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.ResidentVerify,
            [new("idNumber", person.IdNumber), new("name", person.Name)],
            data =>
            {
                var d = Read<ResidentData>(data, ZhejiangServiceCodes.ResidentVerify);
                return new ResidentVerification(d.Match, d.HukouDivision, Required(d.ResidentStatus, "residentStatus", ZhejiangServiceCodes.ResidentVerify));
            },
            ct);

    public Task<ProvinceAnswer<MaritalStatusRecord>> GetMaritalStatusAsync(Person person, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.MaritalStatusQuery,
            [new("idNumber", person.IdNumber), new("name", person.Name)],
            data => new MaritalStatusRecord(Required(Read<MaritalData>(data, ZhejiangServiceCodes.MaritalStatusQuery).MaritalStatus, "maritalStatus", ZhejiangServiceCodes.MaritalStatusQuery)),
            ct);

    public Task<ProvinceAnswer<MarriageCertificate>> RegisterMarriageAsync(MarriageRegistration request, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.MarriageRegister,
            [
                new("registryCode", request.RegistryCode),
                new("partyAIdNumber", request.PartyA.IdNumber), new("partyAName", request.PartyA.Name),
                new("partyBIdNumber", request.PartyB.IdNumber), new("partyBName", request.PartyB.Name),
                new("hubCaseId", request.HubCaseId),
            ],
            data => new MarriageCertificate(RequiredText(Read<CertificateData>(data, ZhejiangServiceCodes.MarriageRegister).CertificateNo, "certificateNo", ZhejiangServiceCodes.MarriageRegister)),
            ct);

    public Task<ProvinceAnswer<Acknowledged>> UpdateMaritalStatusAsync(MaritalUpdate request, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.MaritalStatusUpdate,
            [
                new("idNumber", request.IdNumber), new("name", request.Name),
                new("maritalStatus", Wire(request.MaritalStatus)), new("certificateNo", request.CertificateNo),
                new("spouseIdNumber", request.SpouseIdNumber), new("registeredOn", Wire(request.RegisteredOn)),
            ],
            _ => Acknowledged.Instance,
            ct);

    public Task<ProvinceAnswer<BirthVerification>> VerifyBirthAsync(BirthVerifyRequest request, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.BirthVerify,
            [new("certificateNo", request.CertificateNo), new("childName", request.ChildName), new("motherIdNumber", request.MotherIdNumber)],
            data =>
            {
                var d = Read<BirthData>(data, ZhejiangServiceCodes.BirthVerify);
                return new BirthVerification(d.Valid, d.BirthDate, d.Sex, d.Used);
            },
            ct);

    public Task<ProvinceAnswer<Acknowledged>> MarkBirthCertificateUsedAsync(BirthCertificateUse request, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.BirthMarkUsed,
            [new("certificateNo", request.CertificateNo), new("hubCaseId", request.HubCaseId)],
            _ => Acknowledged.Instance,
            ct);

    public Task<ProvinceAnswer<Acknowledged>> ReleaseBirthCertificateAsync(BirthCertificateUse request, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.BirthRelease,
            [new("certificateNo", request.CertificateNo), new("hubCaseId", request.HubCaseId)],
            _ => Acknowledged.Instance,
            ct);

    public Task<ProvinceAnswer<SlowTicket>> RegisterNewbornAsync(NewbornRegistration request, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.NewbornApply,
            [
                new("childName", request.Child.Name), new("childSex", Wire(request.Child.Sex)),
                new("childBirthDate", Wire(request.Child.BirthDate)),
                new("parentIdNumber", request.Parent.IdNumber), new("parentName", request.Parent.Name),
                new("householdDivision", request.HouseholdDivision), new("birthCertificateNo", request.BirthCertificateNo),
                new("hubCaseId", request.HubCaseId),
            ],
            data => ReadTicket(data, ZhejiangServiceCodes.NewbornApply),
            ct);

    public Task<ProvinceAnswer<StudentRecord>> GetStudentRecordAsync(string studentNo, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.StudentQuery,
            [new("studentNo", studentNo)],
            data =>
            {
                var d = Read<StudentData>(data, ZhejiangServiceCodes.StudentQuery);
                return new StudentRecord(
                    RequiredText(d.Name, "name", ZhejiangServiceCodes.StudentQuery),
                    RequiredText(d.IdNumber, "idNumber", ZhejiangServiceCodes.StudentQuery),
                    RequiredText(d.SchoolCode, "schoolCode", ZhejiangServiceCodes.StudentQuery),
                    d.Grade,
                    Required(d.StudentStatus, "studentStatus", ZhejiangServiceCodes.StudentQuery));
            },
            ct);

    public Task<ProvinceAnswer<SlowTicket>> RequestTransferOutAsync(TransferOutRequest request, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.TransferOutApply,
            [
                new("studentNo", request.StudentNo), new("targetSchoolCode", request.TargetSchoolCode),
                new("reason", request.Reason), new("hubCaseId", request.HubCaseId),
            ],
            data => ReadTicket(data, ZhejiangServiceCodes.TransferOutApply),
            ct);

    public Task<ProvinceAnswer<Acknowledged>> EnrollStudentAsync(StudentEnrollment request, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.StudentEnroll,
            [
                new("studentNo", request.StudentNo), new("schoolCode", request.SchoolCode),
                new("grade", request.Grade.ToString(CultureInfo.InvariantCulture)), new("hubCaseId", request.HubCaseId),
            ],
            _ => Acknowledged.Instance,
            ct);

    public Task<ProvinceAnswer<Acknowledged>> ConfirmTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.TransferOutConfirm,
            [new("studentNo", request.StudentNo), new("transferId", request.TransferId)],
            _ => Acknowledged.Instance,
            ct);

    public Task<ProvinceAnswer<Acknowledged>> CancelTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.TransferOutCancel,
            [new("studentNo", request.StudentNo), new("transferId", request.TransferId)],
            _ => Acknowledged.Instance,
            ct);

    public Task<ProvinceAnswer<SlowWorkResult>> QueryTicketAsync(SlowTicket ticket, CancellationToken ct) =>
        CallAsync(ZhejiangServiceCodes.TicketQuery,
            [new("ticket", ticket.Ticket)],
            data =>
            {
                var d = Read<TicketData>(data, ZhejiangServiceCodes.TicketQuery);
                var state = Required(d.State, "state", ZhejiangServiceCodes.TicketQuery);
                return new SlowWorkResult(state, NullIfEmpty(d.Reason), d.IdNumber, d.HouseholdNo, d.TransferId);
            },
            ct);

    public void Dispose() => tokenLock.Dispose();

    // ---- the gateway protocol ----

    private async Task<ProvinceAnswer<T>> CallAsync<T>(
        string serviceCode, List<KeyValuePair<string, string>> parameters, Func<JsonElement, T> map, CancellationToken ct)
    {
        var used = await GetTokenAsync(stale: null, ct);
        var reply = await PostCallAsync(serviceCode, used, parameters, ct);
        if (reply.Code == "14")
        {
            // The secret expired early or was revoked: one fresh token, one retry.
            used = await GetTokenAsync(stale: used, ct);
            reply = await PostCallAsync(serviceCode, used, parameters, ct);
            if (reply.Code == "14")
            {
                throw Defect($"{serviceCode} answered code 14 twice (secret refused after a fresh token: check appKey/appSecret or the sign)");
            }
        }

        switch (reply.Code)
        {
            case "00":
                return ProvinceAnswer<T>.Ok(map(reply.Data));
            case "96":
                // On birth.mark-used, 96 means another case holds the certificate: a refusal, not a missing record.
                return serviceCode == ZhejiangServiceCodes.BirthMarkUsed
                    ? ProvinceAnswer<T>.Refused(NullIfEmpty(reply.Message) ?? "certificate held by another case")
                    : ProvinceAnswer<T>.NoRecord(NullIfEmpty(reply.Message));
            case "97":
            case "98":
                throw Defect($"{serviceCode} rejected the request (code {reply.Code}: {reply.Message})");
            case "99":
                throw Transient($"{serviceCode} is busy or rate limited (code 99: {reply.Message})");
            default:
                throw Defect($"{serviceCode} answered an unknown code '{reply.Code}'");
        }
    }

    private Task<GatewayReply> PostCallAsync(
        string serviceCode, GatewayToken used, List<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        var requestTime = NowUnixMs();
        var form = new List<KeyValuePair<string, string>>(parameters.Count + 3)
        {
            new("appKey", appKey),
            new("requestTime", requestTime),
            new("sign", ZhejiangSignature.ForCall(appKey, used.Secret, requestTime)),
        };
        form.AddRange(parameters);
        return PostAsync(ApiPath + serviceCode, serviceCode, form, ct);
    }

    private async Task<GatewayToken> GetTokenAsync(GatewayToken? stale, CancellationToken ct)
    {
        var current = token;
        if (IsUsable(current, stale)) return current!;

        await tokenLock.WaitAsync(ct);
        try
        {
            // Another caller may have refreshed while we waited.
            current = token;
            if (IsUsable(current, stale)) return current!;

            var fresh = await RequestTokenAsync(ct);
            token = fresh;
            return fresh;
        }
        finally
        {
            tokenLock.Release();
        }
    }

    private bool IsUsable(GatewayToken? candidate, GatewayToken? stale) =>
        candidate is not null && !ReferenceEquals(candidate, stale) && time.GetUtcNow() < candidate.RefreshAt;

    private async Task<GatewayToken> RequestTokenAsync(CancellationToken ct)
    {
        const string what = "token";
        var requestTime = NowUnixMs();
        var reply = await PostAsync(TokenPath, what, [
            new("appKey", appKey),
            new("requestTime", requestTime),
            new("sign", ZhejiangSignature.ForToken(appKey, appSecret, requestTime)),
        ], ct);

        switch (reply.Code)
        {
            case "00":
                break;
            case "99":
                throw Transient($"token request is busy or rate limited (code 99: {reply.Message})");
            default:
                // 98 here means our sign (appKey/appSecret) is wrong; nothing a retry can mend.
                throw Defect($"token request refused (code {reply.Code}: {reply.Message})");
        }

        var data = Read<TokenData>(reply.Data, what);
        var secret = RequiredText(data.RequestSecret, "requestSecret", what);
        if (data.ExpiresInSeconds <= 0) throw Defect("token reply has no positive expiresInSeconds");

        var lifetime = TimeSpan.FromSeconds(data.ExpiresInSeconds);
        var margin = lifetime / 10 < MaxRefreshMargin ? lifetime / 10 : MaxRefreshMargin;
        return new GatewayToken(secret, time.GetUtcNow() + lifetime - margin);
    }

    private async Task<GatewayReply> PostAsync(string path, string what, List<KeyValuePair<string, string>> form, CancellationToken ct)
    {
        string body;
        try
        {
            using var content = new FormUrlEncodedContent(form);
            using var response = await http.PostAsync(endpoint.Resolve(path), content, ct);
            var status = (int)response.StatusCode;
            if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
            {
                throw Transient($"{what}: gateway answered HTTP {status}", RetryAfter(response));
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw Defect($"{what}: gateway answered HTTP {status}, which the contract does not allow");
            }

            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (HttpRequestException ex)
        {
            throw Transient($"{what}: gateway unreachable ({ex.HttpRequestError})", inner: ex);
        }
        catch (IOException ex)
        {
            throw Transient($"{what}: connection failed while reading the reply", inner: ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw Transient($"{what}: timed out", inner: ex);
        }

        return ParseReply(body, what);
    }

    private GatewayReply ParseReply(string body, string what)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("code", out var code))
            {
                throw Defect($"{what}: reply has no code");
            }

            var codeText = code.ValueKind switch
            {
                JsonValueKind.String => code.GetString() ?? string.Empty,
                JsonValueKind.Number => code.GetRawText(),
                _ => throw Defect($"{what}: reply code is not a string"),
            };
            var message = root.TryGetProperty("msg", out var msg) && msg.ValueKind == JsonValueKind.String ? msg.GetString() : null;
            var data = root.TryGetProperty("data", out var d) ? d.Clone() : default;
            return new GatewayReply(codeText, message, data);
        }
        catch (JsonException ex)
        {
            throw Defect($"{what}: reply is not JSON", ex);
        }
    }

    // ---- mapping helpers ----

    private T Read<T>(JsonElement data, string what)
    {
        if (data.ValueKind != JsonValueKind.Object) throw Defect($"{what}: reply has no data object");
        try
        {
            return data.Deserialize<T>(Json) ?? throw Defect($"{what}: reply data is null");
        }
        catch (JsonException ex)
        {
            // The message of a JsonException can quote values; keep only the path.
            throw Defect($"{what}: reply data does not match the contract (at {ex.Path})", ex);
        }
    }

    private SlowTicket ReadTicket(JsonElement data, string what) =>
        new(RequiredText(Read<TicketIssued>(data, what).Ticket, "ticket", what));

    private T Required<T>(T? value, string field, string what) where T : struct =>
        value ?? throw Defect($"{what}: reply lacks {field}");

    private string RequiredText(string? value, string field, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw Defect($"{what}: reply lacks {field}") : value;

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    internal static string Wire<TEnum>(TEnum value) where TEnum : struct, Enum =>
        JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    internal static string Wire(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private string NowUnixMs() => time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date > time.GetUtcNow() ? date - time.GetUtcNow() : TimeSpan.Zero;
        return null;
    }

    private ProvinceTransientException Transient(string message, TimeSpan? retryAfter = null, Exception? inner = null) =>
        new(endpoint.Code, $"Zhejiang {message}", retryAfter, inner);

    private ProvinceDefectException Defect(string message, Exception? inner = null) =>
        new(endpoint.Code, $"Zhejiang {message}", inner);

    private sealed record GatewayToken(string Secret, DateTimeOffset RefreshAt);

    private readonly record struct GatewayReply(string Code, string? Message, JsonElement Data);

    private sealed record TokenData(string? RequestSecret, long ExpiresInSeconds);

    private sealed record ResidentData(bool Match, string? HukouDivision, ResidentStatus? ResidentStatus);

    private sealed record MaritalData(MaritalStatus? MaritalStatus);

    private sealed record CertificateData(string? CertificateNo);

    private sealed record BirthData(bool Valid, DateOnly? BirthDate, Sex? Sex, bool Used);

    private sealed record TicketIssued(string? Ticket);

    private sealed record StudentData(string? Name, string? IdNumber, string? SchoolCode, int Grade, StudentStatus? StudentStatus);

    private sealed record TicketData(SlowWorkState? State, string? Reason, string? IdNumber, string? HouseholdNo, string? TransferId);
}
