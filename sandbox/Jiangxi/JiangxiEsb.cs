using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tongban.Sandbox.Departments;
using Tongban.Sandbox.Knobs;
using Tongban.Sandbox.Population;
using Tongban.Sandbox.State;
using static Tongban.Sandbox.Jiangxi.JiangxiCodeLists;

namespace Tongban.Sandbox.Jiangxi;

/// <summary>
/// Jiangxi (360000): one ESB endpoint, SM3-signed envelopes both ways, pinyin fields and GB/T 2261 codes in a
/// bizContent string, slow work by slbh polled with JX_TY_BLJGCX (contracts/provinces/jiangxi.md). The envelope
/// (<see cref="JiangxiWire"/>) and the code lists (<see cref="JiangxiCodeLists"/>) are the sandbox's own, written from
/// the contract apart from the hub's, so that the adapter and the simulator check each other.
/// </summary>
internal sealed class JiangxiEsb : ProvinceSimulator
{
    public const string Code = "360000";
    public const string ServicePath = "/jx/esb/service";

    private readonly ProvinceDepartments _departments;
    private readonly ProvinceKnobs _knobs;
    private readonly JiangxiCredentials _credentials;
    private readonly ReplayGuard _reqIds;
    private readonly Dictionary<string, Func<JiangxiBiz, JiangxiResult>> _services;

    public JiangxiEsb(SandboxState state, ProvinceKnobs knobs, JiangxiCredentials credentials, TimeProvider time)
    {
        _departments = new ProvinceDepartments(state, Code);
        _knobs = knobs;
        _credentials = credentials;
        _reqIds = new ReplayGuard(time, TimeSpan.FromSeconds(300));
        _services = new(StringComparer.Ordinal)
        {
            [Services.ResidentVerify] = VerifyResident,
            [Services.MaritalStatus] = QueryMaritalStatus,
            [Services.MarriageRegister] = RegisterMarriage,
            [Services.MaritalUpdate] = UpdateMaritalStatus,
            [Services.BirthVerify] = VerifyBirth,
            [Services.BirthMarkUsed] = MarkBirthUsed,
            [Services.BirthRelease] = ReleaseBirth,
            [Services.NewbornRegister] = ApplyNewborn,
            [Services.StudentRecord] = StudentRecord,
            [Services.TransferOutRequest] = RequestTransferOut,
            [Services.StudentEnroll] = Enroll,
            [Services.TransferOutConfirm] = ConfirmTransfer,
            [Services.TransferOutCancel] = CancelTransfer,
            [Services.SlowWorkResult] = QuerySlowWork,
        };
    }

    public override string ProvinceCode => Code;

    public override string PathPrefix => "/jx/esb";

    public override IResult Busy() =>
        new JiangxiUnreadReply(JiangxiResult.Fail(JiangxiResult.SystemBusy, "系统繁忙"), ResponseSecret);

    public override IResult RateLimited(TimeSpan retryAfter) =>
        new JiangxiUnreadReply(JiangxiResult.Fail(JiangxiResult.SystemBusy, "请求过于频繁"), ResponseSecret);

    /// <summary>What answers are signed with: the appSecret, or another secret while the wrong-signatures knob is on.</summary>
    private string ResponseSecret => _knobs.ForSigning(_credentials.AppSecret);

    public override void MapRoutes(IEndpointRouteBuilder routes) => routes.MapPost(ServicePath, (Delegate)Serve);

    private async Task<IResult> Serve(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        Dictionary<string, string> envelope;
        try
        {
            envelope = JiangxiWire.ReadFields(text);
        }
        catch (JsonException)
        {
            return Answer(JiangxiResult.Fail(JiangxiResult.ParameterError, "the body is not an envelope"), "");
        }
        var reqId = envelope.GetValueOrDefault("reqId") ?? "";
        return Answer(Dispatch(envelope, reqId), reqId);
    }

    private IResult Answer(JiangxiResult result, string reqId) => result.ToResponse(reqId, ResponseSecret);

    private JiangxiResult Dispatch(Dictionary<string, string> envelope, string reqId)
    {
        if (!JiangxiWire.IsSigned(envelope, _credentials.AppSecret))
        {
            return JiangxiResult.Fail(JiangxiResult.SignatureError, "签名错误");
        }
        if (envelope.GetValueOrDefault("appId") != _credentials.AppId)
        {
            return JiangxiResult.Fail(JiangxiResult.SignatureError, "appId unknown");
        }
        if (!JiangxiWire.TryReadReqTime(envelope.GetValueOrDefault("reqTime"), out var reqTime) || !_reqIds.IsFresh(reqTime))
        {
            return JiangxiResult.Fail(JiangxiResult.SignatureError, "reqTime is missing or more than 300 s off");
        }
        if (reqId.Length != 32 || !reqId.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            return JiangxiResult.Fail(JiangxiResult.ParameterError, "reqId must be 32 lowercase hex characters");
        }
        if (!_reqIds.TryUse(reqId)) return JiangxiResult.Fail(JiangxiResult.SignatureError, "reqId was already used");
        if (!_services.TryGetValue(envelope.GetValueOrDefault("serviceCode") ?? "", out var service))
        {
            return JiangxiResult.Fail(JiangxiResult.ParameterError, "unknown serviceCode");
        }
        try
        {
            return service(new JiangxiBiz(JiangxiWire.ReadBizContent(envelope.GetValueOrDefault("bizContent"))));
        }
        catch (JsonException)
        {
            return JiangxiResult.Fail(JiangxiResult.ParameterError, "bizContent is not a JSON object of scalar values");
        }
    }

    private static JiangxiResult NoSuchRecord(string what) => JiangxiResult.Fail(JiangxiResult.NoSuchRecord, $"no such {what}");

    private JiangxiResult VerifyResident(JiangxiBiz b)
    {
        var (idNumber, name) = (b.IdNumber("sfzhm"), b.Text("xm"));
        if (b.Refusal is { } refusal) return refusal;
        if (_departments.VerifyResident(idNumber, name) is not { } r) return NoSuchRecord("resident");
        return JiangxiResult.Ok(
            ("ppjg", Flag(r.Match)), ("hjxzqh", r.HukouDivision), ("rkzt", ResidentStatus.CodeOf(r.ResidentStatus)));
    }

    private JiangxiResult QueryMaritalStatus(JiangxiBiz b)
    {
        var (idNumber, name) = (b.IdNumber("sfzhm"), b.Text("xm"));
        if (b.Refusal is { } refusal) return refusal;
        return _departments.MaritalStatus(idNumber, name) is { } status
            ? JiangxiResult.Ok(("hyzk", MaritalStatus.CodeOf(status)))
            : NoSuchRecord("resident");
    }

    /// <summary>The parties come as 男方 (nf) and 女方 (nv); each ID number's sex digit must agree.</summary>
    private JiangxiResult RegisterMarriage(JiangxiBiz b)
    {
        var registryCode = b.Text("djjg");
        var (husband, _) = (b.IdNumber("nfsfzhm"), b.Text("nfxm"));
        var (wife, _) = (b.IdNumber("nvsfzhm"), b.Text("nvxm"));
        var hubCaseId = b.Text("ywbh");
        if (b.Refusal is { } refusal) return refusal;
        if (!ResidentIdNumber.IsMale(husband)) return JiangxiResult.Fail(JiangxiResult.ParameterError, "nfsfzhm is not a man's ID number");
        if (ResidentIdNumber.IsMale(wife)) return JiangxiResult.Fail(JiangxiResult.ParameterError, "nvsfzhm is not a woman's ID number");
        var answer = _departments.RegisterMarriage(registryCode, husband, wife, hubCaseId);
        return JiangxiResult.Ok(("jhzh", answer.Value!));
    }

    private JiangxiResult UpdateMaritalStatus(JiangxiBiz b)
    {
        var (idNumber, name) = (b.IdNumber("sfzhm"), b.Text("xm"));
        var status = b.Coded("hyzk", MaritalStatus);
        var certificateNo = b.Text("jhzh");
        var spouse = b.IdNumber("pozjhm");
        var registeredOn = b.Date("djrq");
        if (b.Refusal is { } refusal) return refusal;
        var outcome = _departments.UpdateMaritalStatus(
            idNumber, name, status, certificateNo, spouse, registeredOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        return outcome == Outcome.Ok ? JiangxiResult.Ok() : NoSuchRecord("resident");
    }

    private JiangxiResult VerifyBirth(JiangxiBiz b)
    {
        var (certificateNo, childName, mother) = (b.Text("cszmbh"), b.Text("xsexm"), b.IdNumber("mqsfzhm"));
        if (b.Refusal is { } refusal) return refusal;
        if (_departments.VerifyBirth(certificateNo, childName, mother) is not { } v) return NoSuchRecord("birth certificate");
        return JiangxiResult.Ok(
            ("yxbz", Flag(v.Valid)),
            ("csrq", DateOnly.ParseExact(v.BirthDate, "yyyy-MM-dd", CultureInfo.InvariantCulture).ToString("yyyyMMdd", CultureInfo.InvariantCulture)),
            ("xb", Sex.CodeOf(v.Sex)),
            ("sybz", Flag(v.Used)));
    }

    private JiangxiResult MarkBirthUsed(JiangxiBiz b)
    {
        var (certificateNo, hubCaseId) = (b.Text("cszmbh"), b.Text("ywbh"));
        if (b.Refusal is { } refusal) return refusal;
        return _departments.MarkBirthUsed(certificateNo, hubCaseId) switch
        {
            Outcome.Ok => JiangxiResult.Ok(),
            Outcome.Conflict => JiangxiResult.Fail(JiangxiResult.BusinessRefusal, "the certificate is used by another case"),
            _ => NoSuchRecord("birth certificate"),
        };
    }

    private JiangxiResult ReleaseBirth(JiangxiBiz b)
    {
        var (certificateNo, hubCaseId) = (b.Text("cszmbh"), b.Text("ywbh"));
        if (b.Refusal is { } refusal) return refusal;
        return _departments.ReleaseBirth(certificateNo, hubCaseId) == Outcome.Ok ? JiangxiResult.Ok() : NoSuchRecord("birth certificate");
    }

    private JiangxiResult ApplyNewborn(JiangxiBiz b)
    {
        var application = new NewbornApplication(
            b.Text("xsexm"), b.Coded("xb", Sex), b.Date("csrq"),
            b.IdNumber("sfzhm"), b.Text("xm"), b.Division("hzxzqh"), b.Text("cszmbh"), b.Text("ywbh"));
        if (b.Refusal is { } refusal) return refusal;
        var answer = _departments.ApplyNewborn(application, _knobs.SlowWorkDelay);
        return JiangxiResult.Ok(("slbh", answer.Value!.Ticket));
    }

    private JiangxiResult StudentRecord(JiangxiBiz b)
    {
        var studentNo = b.Text("xjh");
        if (b.Refusal is { } refusal) return refusal;
        if (_departments.StudentRecord(studentNo) is not { } s) return NoSuchRecord("student");
        return JiangxiResult.Ok(
            ("xm", s.Name), ("sfzhm", s.IdNumber), ("xxdm", s.SchoolCode),
            ("nj", s.Grade.ToString(CultureInfo.InvariantCulture)), ("xjzt", StudentStatus.CodeOf(s.Status)));
    }

    private JiangxiResult RequestTransferOut(JiangxiBiz b)
    {
        var (studentNo, target, _, hubCaseId) = (b.Text("xjh"), b.Text("xxdm"), b.Text("zcyy"), b.Text("ywbh"));
        if (b.Refusal is { } refusal) return refusal;
        var answer = _departments.RequestTransferOut(studentNo, target, hubCaseId, _knobs.SlowWorkDelay);
        return answer.Outcome == Outcome.NotFound ? NoSuchRecord("student") : JiangxiResult.Ok(("slbh", answer.Value!.Ticket));
    }

    private JiangxiResult Enroll(JiangxiBiz b)
    {
        var (studentNo, schoolCode, grade, hubCaseId) = (b.Text("xjh"), b.Text("xxdm"), b.Integer("nj"), b.Text("ywbh"));
        if (b.Refusal is { } refusal) return refusal;
        return _departments.Enroll(studentNo, schoolCode, grade, hubCaseId) switch
        {
            Outcome.Ok => JiangxiResult.Ok(),
            Outcome.Conflict => JiangxiResult.Fail(JiangxiResult.BusinessRefusal, "ywbh already enrolled another student"),
            _ => NoSuchRecord("school"),
        };
    }

    private JiangxiResult ConfirmTransfer(JiangxiBiz b) => MoveTransfer(b, _departments.ConfirmTransfer);

    private JiangxiResult CancelTransfer(JiangxiBiz b) => MoveTransfer(b, _departments.CancelTransfer);

    private static JiangxiResult MoveTransfer(JiangxiBiz b, Func<string, string, Outcome> move)
    {
        var (studentNo, transferId) = (b.Text("xjh"), b.Text("zcbh"));
        if (b.Refusal is { } refusal) return refusal;
        return move(studentNo, transferId) switch
        {
            Outcome.Ok => JiangxiResult.Ok(),
            Outcome.Conflict => JiangxiResult.Fail(JiangxiResult.BusinessRefusal, "the transfer is already settled the other way"),
            _ => NoSuchRecord("transfer"),
        };
    }

    /// <summary>blzt 01/02/03, bljg, and on approval sfzhm + hh (newborn) or zcbh (transfer).</summary>
    private JiangxiResult QuerySlowWork(JiangxiBiz b)
    {
        var id = b.Text("slbh");
        if (b.Refusal is { } refusal) return refusal;
        if (_departments.Ticket(id) is not { } ticket) return NoSuchRecord("slbh");
        List<(string, string)> fields = [("blzt", SlowWorkState.CodeOf(ticket.State)), ("bljg", ticket.Reason ?? "")];
        foreach (var (key, value) in ticket.Data)
        {
            fields.Add((key switch { "idNumber" => "sfzhm", "householdNo" => "hh", "transferId" => "zcbh", _ => key }, value));
        }
        return JiangxiResult.Ok([.. fields]);
    }
}
