using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tongban.Sandbox.Departments;
using Tongban.Sandbox.Knobs;
using Tongban.Sandbox.State;

namespace Tongban.Sandbox.Anhui;

/// <summary>
/// Anhui (340000): the x-tif gateway (SHA-256 header signature, ±300 s, one-time nonces), canonical payloads
/// SM4-encrypted and SM2-signed both ways, slow work by taskId polled with task.query (contracts/provinces/anhui.md).
/// The wire (<see cref="AnhuiWire"/>, <see cref="AnhuiSm4"/>, <see cref="AnhuiSm2Key"/>) is the sandbox's own, written
/// from the contract apart from the hub's, so that the adapter and the simulator check each other.
/// </summary>
internal sealed class AnhuiTif : ProvinceSimulator
{
    public const string Code = "340000";

    private static readonly string[] MaritalStatuses = ["unmarried", "married", "divorced", "widowed"];

    private readonly ProvinceDepartments _departments;
    private readonly ProvinceKnobs _knobs;
    private readonly AnhuiCredentials _credentials;
    private readonly AnhuiSm4 _cipher;
    private readonly AnhuiSm2Key _hubKey;
    private readonly AnhuiReplies _replies;
    private readonly ReplayGuard _nonces;
    private readonly Dictionary<string, Func<AnhuiPayload, AnhuiResult>> _apis;

    public AnhuiTif(SandboxState state, ProvinceKnobs knobs, AnhuiCredentials credentials, TimeProvider time)
    {
        _departments = new ProvinceDepartments(state, Code);
        _knobs = knobs;
        _credentials = credentials;
        _cipher = new AnhuiSm4(credentials.Sm4KeyHex);
        _hubKey = AnhuiSm2Key.FromPem(credentials.HubSm2PublicKeyPem, credentials.Sm2UserId);
        _replies = new AnhuiReplies(credentials, _cipher, knobs, time);
        _nonces = new ReplayGuard(time, TimeSpan.FromSeconds(300));
        _apis = new(StringComparer.Ordinal)
        {
            [AnhuiWire.Apis.ResidentVerify] = VerifyResident,
            [AnhuiWire.Apis.MaritalStatus] = QueryMaritalStatus,
            [AnhuiWire.Apis.MarriageRegister] = RegisterMarriage,
            [AnhuiWire.Apis.MaritalUpdate] = UpdateMaritalStatus,
            [AnhuiWire.Apis.BirthVerify] = VerifyBirth,
            [AnhuiWire.Apis.BirthMarkUsed] = MarkBirthUsed,
            [AnhuiWire.Apis.BirthRelease] = ReleaseBirth,
            [AnhuiWire.Apis.NewbornRegister] = ApplyNewborn,
            [AnhuiWire.Apis.StudentRecord] = StudentRecord,
            [AnhuiWire.Apis.TransferOutRequest] = RequestTransferOut,
            [AnhuiWire.Apis.StudentEnroll] = Enroll,
            [AnhuiWire.Apis.TransferOutConfirm] = ConfirmTransfer,
            [AnhuiWire.Apis.TransferOutCancel] = CancelTransfer,
            [AnhuiWire.Apis.TaskQuery] = QueryTask,
        };
    }

    public override string ProvinceCode => Code;

    public override string PathPrefix => "/ah/tif";

    public override IResult Busy() => _replies.Fail(AnhuiResult.SystemBusy, "system busy");

    public override IResult RateLimited(TimeSpan retryAfter) => _replies.Fail(AnhuiResult.RateLimited, "rate limited");

    /// <summary>The gateway's own check: x-tif-paasid, x-tif-timestamp (seconds, ±300 s), x-tif-nonce once, x-tif-signature.</summary>
    public override ValueTask<IResult?> AuthenticateAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        var paasId = headers[AnhuiWire.PaasIdHeader].ToString();
        var timestamp = headers[AnhuiWire.TimestampHeader].ToString();
        var nonce = headers[AnhuiWire.NonceHeader].ToString();
        var signature = headers[AnhuiWire.SignatureHeader].ToString();
        return ValueTask.FromResult(CheckGateway(paasId, timestamp, nonce, signature) is { } problem
            ? _replies.Fail(AnhuiResult.SignatureRefused, problem)
            : null);
    }

    private string? CheckGateway(string paasId, string timestamp, string nonce, string signature)
    {
        if (paasId != _credentials.PaasId) return "unknown x-tif-paasid";
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || !_nonces.IsFresh(DateTimeOffset.FromUnixTimeSeconds(seconds)))
        {
            return "x-tif-timestamp is missing or more than 300 s off";
        }
        if (nonce.Length is < 16 or > 32 || !nonce.All(char.IsAsciiLetterOrDigit)) return "x-tif-nonce must be 16-32 of [A-Za-z0-9]";
        var expected = AnhuiWire.GatewaySignature(timestamp, _credentials.PaasToken, nonce);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            return "x-tif-signature does not match";
        }
        return _nonces.TryUse(nonce) ? null : "x-tif-nonce was already used";
    }

    public override void MapRoutes(IEndpointRouteBuilder routes) => routes.MapPost(PathPrefix + "/{apiName}", Serve);

    private async Task<IResult> Serve(HttpContext context, string apiName)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        return _replies.Answer(Dispatch(apiName, text));
    }

    private AnhuiResult Dispatch(string apiName, string text)
    {
        AnhuiBody body;
        try
        {
            body = AnhuiWire.Read(text);
        }
        catch (JsonException)
        {
            return AnhuiResult.Fail(AnhuiResult.ParameterError, "the body is not an x-tif body");
        }
        if (body.AppId != _credentials.AppId) return AnhuiResult.Fail(AnhuiResult.SignatureRefused, "unknown appId");
        if (!AnhuiWire.IsSignedBy(body, _hubKey)) return AnhuiResult.Fail(AnhuiResult.SignatureRefused, "signData does not verify");
        if (body.EncType != AnhuiWire.Sm4 || body.SignType != AnhuiWire.Sm2)
        {
            return AnhuiResult.Fail(AnhuiResult.ParameterError, "encType must be SM4 and signType SM2");
        }
        JsonElement payload;
        try
        {
            using var document = JsonDocument.Parse(AnhuiWire.Open(body, _cipher));
            payload = document.RootElement.Clone();
        }
        catch (Exception e) when (e is CryptographicException or JsonException)
        {
            return AnhuiResult.Fail(AnhuiResult.ParameterError, "encData does not decrypt to a JSON payload");
        }
        if (payload.ValueKind != JsonValueKind.Object) return AnhuiResult.Fail(AnhuiResult.ParameterError, "the payload is not a JSON object");
        return _apis.TryGetValue(apiName, out var api)
            ? api(new AnhuiPayload(payload))
            : AnhuiResult.Fail(AnhuiResult.ParameterError, "unknown apiName");
    }

    private static AnhuiResult NoSuchRecord(string what) => AnhuiResult.Fail(AnhuiResult.NoSuchRecord, $"no such {what}");

    private AnhuiResult VerifyResident(AnhuiPayload p)
    {
        var (idNumber, name) = (p.IdNumber("idNumber"), p.Text("name"));
        if (p.Refusal is { } refusal) return refusal;
        return _departments.VerifyResident(idNumber, name) is { } r
            ? AnhuiResult.Ok(new { match = r.Match, hukouDivision = r.HukouDivision, residentStatus = r.ResidentStatus })
            : NoSuchRecord("resident");
    }

    private AnhuiResult QueryMaritalStatus(AnhuiPayload p)
    {
        var (idNumber, name) = (p.IdNumber("idNumber"), p.Text("name"));
        if (p.Refusal is { } refusal) return refusal;
        return _departments.MaritalStatus(idNumber, name) is { } status
            ? AnhuiResult.Ok(new { maritalStatus = status })
            : NoSuchRecord("resident");
    }

    private AnhuiResult RegisterMarriage(AnhuiPayload p)
    {
        var registryCode = p.Text("registryCode");
        var (aId, _) = (p.IdNumber("partyA.idNumber"), p.Text("partyA.name"));
        var (bId, _) = (p.IdNumber("partyB.idNumber"), p.Text("partyB.name"));
        var hubCaseId = p.Text("hubCaseId");
        if (p.Refusal is { } refusal) return refusal;
        return AnhuiResult.Ok(new { certificateNo = _departments.RegisterMarriage(registryCode, aId, bId, hubCaseId).Value });
    }

    private AnhuiResult UpdateMaritalStatus(AnhuiPayload p)
    {
        var (idNumber, name) = (p.IdNumber("idNumber"), p.Text("name"));
        var status = p.OneOf("maritalStatus", MaritalStatuses);
        var certificateNo = p.Text("certificateNo");
        var spouse = p.IdNumber("spouseIdNumber");
        var registeredOn = p.Date("registeredOn");
        if (p.Refusal is { } refusal) return refusal;
        var outcome = _departments.UpdateMaritalStatus(
            idNumber, name, status, certificateNo, spouse, registeredOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        return outcome == Outcome.Ok ? AnhuiResult.Ok() : NoSuchRecord("resident");
    }

    private AnhuiResult VerifyBirth(AnhuiPayload p)
    {
        var (certificateNo, childName, mother) = (p.Text("certificateNo"), p.Text("childName"), p.IdNumber("motherIdNumber"));
        if (p.Refusal is { } refusal) return refusal;
        return _departments.VerifyBirth(certificateNo, childName, mother) is { } b
            ? AnhuiResult.Ok(new { valid = b.Valid, birthDate = b.BirthDate, sex = b.Sex, used = b.Used })
            : NoSuchRecord("birth certificate");
    }

    private AnhuiResult MarkBirthUsed(AnhuiPayload p)
    {
        var (certificateNo, hubCaseId) = (p.Text("certificateNo"), p.Text("hubCaseId"));
        if (p.Refusal is { } refusal) return refusal;
        return _departments.MarkBirthUsed(certificateNo, hubCaseId) switch
        {
            Outcome.Ok => AnhuiResult.Ok(),
            Outcome.Conflict => AnhuiResult.Fail(AnhuiResult.BusinessRefusal, "the certificate is used by another case"),
            _ => NoSuchRecord("birth certificate"),
        };
    }

    private AnhuiResult ReleaseBirth(AnhuiPayload p)
    {
        var (certificateNo, hubCaseId) = (p.Text("certificateNo"), p.Text("hubCaseId"));
        if (p.Refusal is { } refusal) return refusal;
        return _departments.ReleaseBirth(certificateNo, hubCaseId) == Outcome.Ok ? AnhuiResult.Ok() : NoSuchRecord("birth certificate");
    }

    private AnhuiResult ApplyNewborn(AnhuiPayload p)
    {
        var application = new NewbornApplication(
            p.Text("child.name"), p.OneOf("child.sex", "male", "female"), p.Date("child.birthDate"),
            p.IdNumber("parent.idNumber"), p.Text("parent.name"), p.Division("householdDivision"),
            p.Text("birthCertificateNo"), p.Text("hubCaseId"));
        if (p.Refusal is { } refusal) return refusal;
        return AnhuiResult.Ok(new { taskId = _departments.ApplyNewborn(application, _knobs.SlowWorkDelay).Value!.Ticket });
    }

    private AnhuiResult StudentRecord(AnhuiPayload p)
    {
        var studentNo = p.Text("studentNo");
        if (p.Refusal is { } refusal) return refusal;
        return _departments.StudentRecord(studentNo) is { } s
            ? AnhuiResult.Ok(new { name = s.Name, idNumber = s.IdNumber, schoolCode = s.SchoolCode, grade = s.Grade, studentStatus = s.Status })
            : NoSuchRecord("student");
    }

    private AnhuiResult RequestTransferOut(AnhuiPayload p)
    {
        var (studentNo, target, _, hubCaseId) = (p.Text("studentNo"), p.Text("targetSchoolCode"), p.Text("reason"), p.Text("hubCaseId"));
        if (p.Refusal is { } refusal) return refusal;
        var answer = _departments.RequestTransferOut(studentNo, target, hubCaseId, _knobs.SlowWorkDelay);
        return answer.Outcome == Outcome.NotFound ? NoSuchRecord("student") : AnhuiResult.Ok(new { taskId = answer.Value!.Ticket });
    }

    private AnhuiResult Enroll(AnhuiPayload p)
    {
        var (studentNo, schoolCode, grade, hubCaseId) = (p.Text("studentNo"), p.Text("schoolCode"), p.Integer("grade"), p.Text("hubCaseId"));
        if (p.Refusal is { } refusal) return refusal;
        return _departments.Enroll(studentNo, schoolCode, grade, hubCaseId) switch
        {
            Outcome.Ok => AnhuiResult.Ok(),
            Outcome.Conflict => AnhuiResult.Fail(AnhuiResult.BusinessRefusal, "hubCaseId already enrolled another student"),
            _ => NoSuchRecord("school"),
        };
    }

    private AnhuiResult ConfirmTransfer(AnhuiPayload p) => MoveTransfer(p, _departments.ConfirmTransfer);

    private AnhuiResult CancelTransfer(AnhuiPayload p) => MoveTransfer(p, _departments.CancelTransfer);

    private static AnhuiResult MoveTransfer(AnhuiPayload p, Func<string, string, Outcome> move)
    {
        var (studentNo, transferId) = (p.Text("studentNo"), p.Text("transferId"));
        if (p.Refusal is { } refusal) return refusal;
        return move(studentNo, transferId) switch
        {
            Outcome.Ok => AnhuiResult.Ok(),
            Outcome.Conflict => AnhuiResult.Fail(AnhuiResult.BusinessRefusal, "the transfer is already settled the other way"),
            _ => NoSuchRecord("transfer"),
        };
    }

    /// <summary>{"state": PROCESSING | DONE | REJECTED, "reason", "result": {idNumber, householdNo} | {transferId}}.</summary>
    private AnhuiResult QueryTask(AnhuiPayload p)
    {
        var taskId = p.Text("taskId");
        if (p.Refusal is { } refusal) return refusal;
        if (_departments.Ticket(taskId) is not { } ticket) return NoSuchRecord("task");
        var state = ticket.State switch
        {
            TicketStates.Approved => "DONE",
            TicketStates.Rejected => "REJECTED",
            _ => "PROCESSING",
        };
        return AnhuiResult.Ok(new { state, reason = ticket.Reason ?? "", result = ticket.Data });
    }
}
