using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tongban.Crypto;

namespace Tongban.Provinces.Anhui;

/// <summary>
/// Anhui (scheme <c>ah-tif</c>): each canonical operation is <c>POST {BaseUrl}/ah/tif/{operation}</c>
/// through the x-tif gateway, with the canonical payload SM4-encrypted and SM2-signed; responses are
/// verified with Anhui's public key. Slow work answers with a taskId the hub polls with task.query.
/// Settings: paasId, paasToken, appId, sm4KeyHex, hubSm2PrivateKeyPem, provinceSm2PublicKeyPem,
/// optional sm2UserId.
/// </summary>
public sealed class AnhuiAdapter : IProvinceAdapter
{
    public const string SchemeName = "ah-tif";
    public const string PathPrefix = "/ah/tif/";

    /// <summary>Anhui's API names are the canonical operation names (<see cref="CanonicalOperations"/>), plus task.query.</summary>
    public static class Apis
    {
        public const string TaskQuery = "task.query";
    }

    /// <summary>
    /// How far a reply's timestamp may be from our clock: the window Anhui applies to our requests (±300 s, as the sandbox
    /// and the other provinces' contracts do). A signed reply outside it may be a replay of an old answer.
    /// </summary>
    public static readonly TimeSpan ReplyWindow = TimeSpan.FromSeconds(300);

    /// <summary>5003 says "slow down" without saying for how long.</summary>
    public static readonly TimeSpan RateLimitedRetryAfter = TimeSpan.FromSeconds(1);

    private readonly ProvinceTransport transport;
    private readonly TimeProvider time;
    private readonly Func<string> newNonce;
    private readonly ProvinceEndpoint endpoint;
    private readonly string paasId;
    private readonly string paasToken;
    private readonly string appId;
    private readonly Sm4Ecb cipher;
    private readonly Sm2Signature hubKey;
    private readonly Sm2Signature provinceKey;

    /// <param name="newNonce">Source of x-tif-nonce values (16–32 of [A-Za-z0-9]); random by default, fixed in tests.</param>
    public AnhuiAdapter(ProvinceEndpoint endpoint, HttpClient http, TimeProvider time, Func<string>? newNonce = null)
    {
        this.endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        ArgumentNullException.ThrowIfNull(http);
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        transport = new ProvinceTransport(http, endpoint.Code, "Anhui", time);
        this.newNonce = newNonce ?? AnhuiEnvelope.NewNonce;
        paasId = endpoint.Require("paasId");
        paasToken = endpoint.Require("paasToken");
        appId = endpoint.Require("appId");
        cipher = new Sm4Ecb(endpoint.Require("sm4KeyHex"));
        var userId = endpoint.Settings["sm2UserId"] is { Length: > 0 } configured ? configured : Sm2Signature.DefaultUserId;
        hubKey = Sm2Signature.FromPrivateKeyPem(endpoint.Require("hubSm2PrivateKeyPem"), userId);
        provinceKey = Sm2Signature.FromPublicKeyPem(endpoint.Require("provinceSm2PublicKeyPem"), userId);
    }

    public string ProvinceCode => endpoint.Code;

    public SlowWorkCompletion SlowWork => SlowWorkCompletion.Polling;

    public async Task<ProvinceAnswer<ResidentVerification>> VerifyResidentAsync(Person person, CancellationToken ct)
    {
        var answer = await CallAsync<ResidentVerifyResult>(CanonicalOperations.ResidentVerify, person, ct);
        return Map(answer, r => new ResidentVerification(
            r.Match,
            r.HukouDivision,
            // Without a match the province may omit the status; it then means nothing (the hub rejects on Match).
            r.ResidentStatus ?? (r.Match ? throw new JsonException("resident.verify lacks residentStatus.") : ResidentStatus.Normal)));
    }

    public Task<ProvinceAnswer<MaritalStatusRecord>> GetMaritalStatusAsync(Person person, CancellationToken ct) =>
        CallAsync<MaritalStatusRecord>(CanonicalOperations.MaritalStatus, person, ct);

    public Task<ProvinceAnswer<MarriageCertificate>> RegisterMarriageAsync(MarriageRegistration request, CancellationToken ct) =>
        CallAsync<MarriageCertificate>(CanonicalOperations.MarriageRegister, request, ct);

    public Task<ProvinceAnswer<Acknowledged>> UpdateMaritalStatusAsync(MaritalUpdate request, CancellationToken ct) =>
        AckAsync(CanonicalOperations.MaritalUpdate, request, ct);

    public async Task<ProvinceAnswer<BirthVerification>> VerifyBirthAsync(BirthVerifyRequest request, CancellationToken ct)
    {
        var answer = await CallAsync<BirthVerifyResult>(CanonicalOperations.BirthVerify, request, ct);
        return Map(answer, r => new BirthVerification(r.Valid, r.BirthDate, r.Sex, r.Used));
    }

    public Task<ProvinceAnswer<Acknowledged>> MarkBirthCertificateUsedAsync(BirthCertificateUse request, CancellationToken ct) =>
        AckAsync(CanonicalOperations.BirthMarkUsed, request, ct);

    public Task<ProvinceAnswer<Acknowledged>> ReleaseBirthCertificateAsync(BirthCertificateUse request, CancellationToken ct) =>
        AckAsync(CanonicalOperations.BirthRelease, request, ct);

    public Task<ProvinceAnswer<SlowTicket>> RegisterNewbornAsync(NewbornRegistration request, CancellationToken ct) =>
        TaskAsync(CanonicalOperations.NewbornRegister, request, ct);

    public Task<ProvinceAnswer<StudentRecord>> GetStudentRecordAsync(string studentNo, CancellationToken ct) =>
        CallAsync<StudentRecord>(CanonicalOperations.StudentRecord, new StudentQuery(studentNo), ct);

    public Task<ProvinceAnswer<SlowTicket>> RequestTransferOutAsync(TransferOutRequest request, CancellationToken ct) =>
        TaskAsync(CanonicalOperations.TransferOutRequest, request, ct);

    public Task<ProvinceAnswer<Acknowledged>> EnrollStudentAsync(StudentEnrollment request, CancellationToken ct) =>
        AckAsync(CanonicalOperations.StudentEnroll, request, ct);

    public Task<ProvinceAnswer<Acknowledged>> ConfirmTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        AckAsync(CanonicalOperations.TransferOutConfirm, request, ct);

    public Task<ProvinceAnswer<Acknowledged>> CancelTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        AckAsync(CanonicalOperations.TransferOutCancel, request, ct);

    public async Task<ProvinceAnswer<SlowWorkResult>> QueryTicketAsync(SlowTicket ticket, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var answer = await CallAsync<TaskState>(Apis.TaskQuery, new TaskReference(ticket.Ticket), ct);
        return Map(answer, s => new SlowWorkResult(
            s.State switch
            {
                "PROCESSING" => SlowWorkState.Processing,
                "DONE" => SlowWorkState.Approved,
                "REJECTED" => SlowWorkState.Rejected,
                _ => throw new JsonException("task.query answered a state outside the contract."),
            },
            Reason: s.Reason,
            IdNumber: s.Result?.IdNumber,
            HouseholdNo: s.Result?.HouseholdNo,
            TransferId: s.Result?.TransferId));
    }

    // Wire shapes of the canonical payloads that have no canonical record of their own.
    private sealed record StudentQuery(string StudentNo);

    private sealed record TaskReference(string TaskId);

    // Results whose fields may be absent (no match, unknown certificate); everything else is required.
    private sealed record ResidentVerifyResult(bool Match, string? HukouDivision = null, ResidentStatus? ResidentStatus = null);

    private sealed record BirthVerifyResult(bool Valid, bool Used, DateOnly? BirthDate = null, Sex? Sex = null);

    private sealed record TaskState(string State, string? Reason = null, TaskResult? Result = null);

    private sealed record TaskResult(string? IdNumber = null, string? HouseholdNo = null, string? TransferId = null);

    private async Task<ProvinceAnswer<SlowTicket>> TaskAsync<TIn>(string api, TIn payload, CancellationToken ct)
        where TIn : notnull
    {
        var answer = await CallAsync<TaskReference>(api, payload, ct);
        return Map(answer, t => new SlowTicket(t.TaskId));
    }

    private async Task<ProvinceAnswer<Acknowledged>> AckAsync<TIn>(string api, TIn payload, CancellationToken ct)
    {
        var reply = await SendAsync(api, JsonSerializer.Serialize(payload, AnhuiEnvelope.PayloadJson), ct);
        return Interpret(api, reply, _ => Acknowledged.Instance);
    }

    private async Task<ProvinceAnswer<TOut>> CallAsync<TOut>(string api, object payload, CancellationToken ct)
    {
        var reply = await SendAsync(api, JsonSerializer.Serialize(payload, payload.GetType(), AnhuiEnvelope.PayloadJson), ct);
        return Interpret(api, reply, json => JsonSerializer.Deserialize<TOut>(json ?? "null", AnhuiEnvelope.PayloadJson)
            ?? throw new JsonException($"{api} answered success without a result."));
    }

    private ProvinceAnswer<TOut> Map<TIn, TOut>(ProvinceAnswer<TIn> answer, Func<TIn, TOut> map)
    {
        if (answer.Kind != AnswerKind.Ok) return new ProvinceAnswer<TOut>(answer.Kind, default, answer.Reason);
        try
        {
            return ProvinceAnswer<TOut>.Ok(map(answer.Value!));
        }
        catch (JsonException e)
        {
            throw new ProvinceDefectException(ProvinceCode, $"Anhui answered outside the contract: {e.Message}", e);
        }
    }

    private ProvinceAnswer<TOut> Interpret<TOut>(string api, AnhuiBody reply, Func<string?, TOut> read)
    {
        var message = reply.Message ?? "";
        switch (reply.Code)
        {
            case 0:
                try
                {
                    return ProvinceAnswer<TOut>.Ok(read(AnhuiEnvelope.Decrypt(reply, cipher)));
                }
                catch (CryptographicException e)
                {
                    // The signature verified, so Anhui sent this: a payload our key cannot open is a key mismatch.
                    throw new ProvinceDefectException(ProvinceCode, $"{api}: the response does not decrypt with sm4KeyHex.", e);
                }
                catch (JsonException e)
                {
                    throw new ProvinceDefectException(ProvinceCode, $"{api} answered outside the contract: {e.Message}", e);
                }

            case 4004:
                return ProvinceAnswer<TOut>.NoRecord(message);
            case 4009:
                return ProvinceAnswer<TOut>.Refused(message);
            case 4001:
                throw new ProvinceDefectException(ProvinceCode, $"{api} refused our parameters (4001): {message}");
            case 4003:
                // Gateway signature, timestamp, nonce or SM2 signature refused: wrong credentials or a
                // skewed clock. Every attempt has a fresh nonce and timestamp, so retrying cannot help.
                throw new ProvinceDefectException(ProvinceCode, $"{api} refused our signature or timestamp (4003): {message}");
            case 5000:
                throw new ProvinceTransientException(ProvinceCode, $"{api}: system busy (5000).");
            case 5003:
                throw new ProvinceTransientException(ProvinceCode, $"{api}: rate limited (5003).", RateLimitedRetryAfter);
            default:
                throw new ProvinceDefectException(ProvinceCode, $"{api} answered code {reply.Code?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}, which the contract does not define.");
        }
    }

    private async Task<AnhuiBody> SendAsync(string api, string payloadJson, CancellationToken ct)
    {
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = newNonce();
        var body = AnhuiEnvelope.Seal(appId, timestamp, payloadJson, cipher, hubKey);

        var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Resolve(PathPrefix + api))
        {
            Content = new StringContent(AnhuiEnvelope.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(AnhuiEnvelope.PaasIdHeader, paasId);
        request.Headers.Add(AnhuiEnvelope.TimestampHeader, timestamp);
        request.Headers.Add(AnhuiEnvelope.NonceHeader, nonce);
        request.Headers.Add(AnhuiEnvelope.SignatureHeader, AnhuiEnvelope.GatewaySignature(timestamp, paasToken, nonce));
        var answer = await transport.SendAsync(request, api, ProvinceTransport.Text, ct);
        if (!answer.IsSuccess)
        {
            throw new ProvinceDefectException(ProvinceCode, $"{api}: the gateway answered HTTP {(int)answer.Status}.");
        }

        AnhuiBody reply;
        try
        {
            reply = AnhuiEnvelope.Deserialize(answer.Body);
        }
        catch (JsonException e)
        {
            throw new ProvinceTransientException(ProvinceCode, $"{api}: the response is not an x-tif body.", inner: e);
        }

        // An answer we cannot authenticate is not an answer: retry rather than act on it.
        if (!AnhuiEnvelope.Verify(reply, provinceKey))
        {
            throw new ProvinceTransientException(ProvinceCode, $"{api}: the response signature does not verify with Anhui's public key.");
        }

        // The signature covers appId and timestamp, but a signed answer to another app, or a stale one replayed, is not
        // an answer to this call either: refused as a verification failure, like a bad signature.
        if (!string.Equals(reply.AppId, appId, StringComparison.Ordinal))
        {
            throw new ProvinceTransientException(ProvinceCode, $"{api}: the response is addressed to another appId.");
        }

        if (!IsFresh(reply.Timestamp))
        {
            throw new ProvinceTransientException(ProvinceCode, $"{api}: the response timestamp is missing or more than {ReplyWindow.TotalSeconds:0} s off.");
        }

        return reply;
    }

    private bool IsFresh(string timestamp) =>
        long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
        && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
        && (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() <= ReplyWindow;
}
