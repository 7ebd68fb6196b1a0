using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tongban.Sandbox.Departments;
using Tongban.Sandbox.Knobs;
using Tongban.Sandbox.State;

namespace Tongban.Sandbox.Zhejiang;

/// <summary>Zhejiang (330000): form posts to a token gateway, MD5 signatures, codes in the body (contracts/provinces/zhejiang.md).</summary>
internal sealed class ZhejiangGateway : ProvinceSimulator
{
    public const string Code = "330000";

    private readonly ProvinceDepartments _departments;
    private readonly ProvinceKnobs _knobs;
    private readonly ZhejiangTokens _tokens;
    private readonly Dictionary<string, Func<ZhejiangForm, IResult>> _services;

    public ZhejiangGateway(SandboxState state, ProvinceKnobs knobs, ZhejiangCredentials credentials, TimeProvider time)
    {
        _departments = new ProvinceDepartments(state, Code);
        _knobs = knobs;
        _tokens = new ZhejiangTokens(credentials, time);
        _services = new(StringComparer.Ordinal)
        {
            ["zj.gaj.rkxx.verify"] = VerifyResident,
            ["zj.mzt.hyzk.query"] = QueryMaritalStatus,
            ["zj.mzt.hydj.register"] = RegisterMarriage,
            ["zj.mzt.hyzk.update"] = UpdateMaritalStatus,
            ["zj.wjw.csyxzm.verify"] = VerifyBirth,
            ["zj.wjw.csyxzm.use"] = MarkBirthUsed,
            ["zj.wjw.csyxzm.release"] = ReleaseBirth,
            ["zj.gaj.xsedj.apply"] = ApplyNewborn,
            ["zj.jyt.xj.query"] = StudentRecord,
            ["zj.jyt.zc.apply"] = RequestTransferOut,
            ["zj.jyt.rx.register"] = Enroll,
            ["zj.jyt.zc.confirm"] = ConfirmTransfer,
            ["zj.jyt.zc.cancel"] = CancelTransfer,
            ["zj.common.ticket.query"] = QueryTicket,
        };
    }

    public override string ProvinceCode => Code;

    public override string PathPrefix => "/zj/gateway";

    public override IResult Busy() => ZhejiangReply.Fail(ZhejiangReply.SystemBusy, "system busy");

    public override IResult RateLimited(TimeSpan retryAfter) => ZhejiangReply.Fail(ZhejiangReply.SystemBusy, "rate limited");

    public override void MapRoutes(IEndpointRouteBuilder routes)
    {
        routes.MapPost(PathPrefix + "/token", (Delegate)IssueToken);
        routes.MapPost(PathPrefix + "/api/{serviceCode}", Call);
    }

    private async Task<IResult> IssueToken(HttpContext context)
    {
        var form = await ReadForm(context);
        if (form is null) return ZhejiangReply.Fail(ZhejiangReply.ParameterMissing, "form parameters are missing");
        var (appKey, requestTime, sign) = (form.Text("appKey"), form.Text("requestTime"), form.Text("sign"));
        if (form.Refusal is { } refusal) return refusal;
        if (!long.TryParse(requestTime, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return ZhejiangReply.Fail(ZhejiangReply.ParameterMalformed, "requestTime is not Unix milliseconds");
        }
        if (!_tokens.IsValidTokenRequest(appKey, requestTime, sign)) return ZhejiangReply.Fail(ZhejiangReply.ParameterMalformed, "sign is wrong");
        var lifetime = _knobs.TokenLifetime;
        return ZhejiangReply.Ok(new { requestSecret = _tokens.Issue(lifetime), expiresInSeconds = (int)lifetime.TotalSeconds });
    }

    private async Task<IResult> Call(HttpContext context, string serviceCode)
    {
        var form = await ReadForm(context);
        if (form is null) return ZhejiangReply.Fail(ZhejiangReply.ParameterMissing, "form parameters are missing");
        var (appKey, requestTime, sign) = (form.Text("appKey"), form.Text("requestTime"), form.Text("sign"));
        if (form.Refusal is { } refusal) return refusal;
        if (!long.TryParse(requestTime, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return ZhejiangReply.Fail(ZhejiangReply.ParameterMalformed, "requestTime is not Unix milliseconds");
        }
        if (!_tokens.IsValidCall(appKey, requestTime, sign))
        {
            return ZhejiangReply.Fail(ZhejiangReply.SecretUnknownOrExpired, "requestSecret unknown or expired");
        }
        return _services.TryGetValue(serviceCode, out var service)
            ? service(form)
            : ZhejiangReply.Fail(ZhejiangReply.ParameterMalformed, "unknown serviceCode");
    }

    private static async Task<ZhejiangForm?> ReadForm(HttpContext context) =>
        context.Request.HasFormContentType ? new ZhejiangForm(await context.Request.ReadFormAsync(context.RequestAborted)) : null;

    private static IResult NoSuchRecord(string what) => ZhejiangReply.Fail(ZhejiangReply.NoSuchRecord, $"no such {what}");

    private IResult VerifyResident(ZhejiangForm f)
    {
        var (idNumber, name) = (f.IdNumber("idNumber"), f.Text("name"));
        if (f.Refusal is { } refusal) return refusal;
        return _departments.VerifyResident(idNumber, name) is { } r
            ? ZhejiangReply.Ok(new { match = r.Match, hukouDivision = r.HukouDivision, residentStatus = r.ResidentStatus })
            : NoSuchRecord("resident");
    }

    private IResult QueryMaritalStatus(ZhejiangForm f)
    {
        var (idNumber, name) = (f.IdNumber("idNumber"), f.Text("name"));
        if (f.Refusal is { } refusal) return refusal;
        return _departments.MaritalStatus(idNumber, name) is { } status
            ? ZhejiangReply.Ok(new { maritalStatus = status })
            : NoSuchRecord("resident");
    }

    private IResult RegisterMarriage(ZhejiangForm f)
    {
        var registryCode = f.Text("registryCode");
        var (aId, _) = (f.IdNumber("partyAIdNumber"), f.Text("partyAName"));
        var (bId, _) = (f.IdNumber("partyBIdNumber"), f.Text("partyBName"));
        var hubCaseId = f.Text("hubCaseId");
        if (f.Refusal is { } refusal) return refusal;
        var answer = _departments.RegisterMarriage(registryCode, aId, bId, hubCaseId);
        return ZhejiangReply.Ok(new { certificateNo = answer.Value });
    }

    private IResult UpdateMaritalStatus(ZhejiangForm f)
    {
        var (idNumber, name) = (f.IdNumber("idNumber"), f.Text("name"));
        var status = f.OneOf("maritalStatus", "unmarried", "married", "divorced", "widowed");
        var certificateNo = f.Text("certificateNo");
        var spouse = f.IdNumber("spouseIdNumber");
        var registeredOn = f.Date("registeredOn");
        if (f.Refusal is { } refusal) return refusal;
        var outcome = _departments.UpdateMaritalStatus(idNumber, name, status, certificateNo, spouse, registeredOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        return outcome == Outcome.Ok ? ZhejiangReply.Ok() : NoSuchRecord("resident");
    }

    private IResult VerifyBirth(ZhejiangForm f)
    {
        var (certificateNo, childName, mother) = (f.Text("certificateNo"), f.Text("childName"), f.IdNumber("motherIdNumber"));
        if (f.Refusal is { } refusal) return refusal;
        return _departments.VerifyBirth(certificateNo, childName, mother) is { } b
            ? ZhejiangReply.Ok(new { valid = b.Valid, birthDate = b.BirthDate, sex = b.Sex, used = b.Used })
            : NoSuchRecord("birth certificate");
    }

    private IResult MarkBirthUsed(ZhejiangForm f)
    {
        var (certificateNo, hubCaseId) = (f.Text("certificateNo"), f.Text("hubCaseId"));
        if (f.Refusal is { } refusal) return refusal;
        return _departments.MarkBirthUsed(certificateNo, hubCaseId) switch
        {
            Outcome.Ok => ZhejiangReply.Ok(),
            Outcome.Conflict => ZhejiangReply.Fail(ZhejiangReply.NoSuchRecord, "the certificate is used by another case"),
            _ => NoSuchRecord("birth certificate"),
        };
    }

    private IResult ReleaseBirth(ZhejiangForm f)
    {
        var (certificateNo, hubCaseId) = (f.Text("certificateNo"), f.Text("hubCaseId"));
        if (f.Refusal is { } refusal) return refusal;
        return _departments.ReleaseBirth(certificateNo, hubCaseId) == Outcome.Ok ? ZhejiangReply.Ok() : NoSuchRecord("birth certificate");
    }

    private IResult ApplyNewborn(ZhejiangForm f)
    {
        var application = new NewbornApplication(
            f.Text("childName"), f.OneOf("childSex", "male", "female"), f.Date("childBirthDate"),
            f.IdNumber("parentIdNumber"), f.Text("parentName"), f.Text("householdDivision"),
            f.Text("birthCertificateNo"), f.Text("hubCaseId"));
        if (f.Refusal is { } refusal) return refusal;
        if (application.HouseholdDivision.Length != 6 || !application.HouseholdDivision.All(char.IsAsciiDigit))
        {
            return ZhejiangReply.Fail(ZhejiangReply.ParameterMalformed, "householdDivision must be 6 digits");
        }
        var answer = _departments.ApplyNewborn(application, _knobs.SlowWorkDelay);
        return ZhejiangReply.Ok(new { ticket = answer.Value!.Ticket });
    }

    private IResult StudentRecord(ZhejiangForm f)
    {
        var studentNo = f.Text("studentNo");
        if (f.Refusal is { } refusal) return refusal;
        return _departments.StudentRecord(studentNo) is { } s
            ? ZhejiangReply.Ok(new { name = s.Name, idNumber = s.IdNumber, schoolCode = s.SchoolCode, grade = s.Grade, studentStatus = s.Status })
            : NoSuchRecord("student");
    }

    private IResult RequestTransferOut(ZhejiangForm f)
    {
        var (studentNo, target, _, hubCaseId) = (f.Text("studentNo"), f.Text("targetSchoolCode"), f.Text("reason"), f.Text("hubCaseId"));
        if (f.Refusal is { } refusal) return refusal;
        var answer = _departments.RequestTransferOut(studentNo, target, hubCaseId, _knobs.SlowWorkDelay);
        return answer.Outcome == Outcome.NotFound ? NoSuchRecord("student") : ZhejiangReply.Ok(new { ticket = answer.Value!.Ticket });
    }

    private IResult Enroll(ZhejiangForm f)
    {
        var (studentNo, schoolCode, grade, hubCaseId) = (f.Text("studentNo"), f.Text("schoolCode"), f.Integer("grade"), f.Text("hubCaseId"));
        if (f.Refusal is { } refusal) return refusal;
        return _departments.Enroll(studentNo, schoolCode, grade, hubCaseId) switch
        {
            Outcome.Ok => ZhejiangReply.Ok(),
            Outcome.Conflict => ZhejiangReply.Fail(ZhejiangReply.ParameterMalformed, "hubCaseId already enrolled another student"),
            _ => NoSuchRecord("school"),
        };
    }

    private IResult ConfirmTransfer(ZhejiangForm f) => MoveTransfer(f, _departments.ConfirmTransfer);

    private IResult CancelTransfer(ZhejiangForm f) => MoveTransfer(f, _departments.CancelTransfer);

    private static IResult MoveTransfer(ZhejiangForm f, Func<string, string, Outcome> move)
    {
        var (studentNo, transferId) = (f.Text("studentNo"), f.Text("transferId"));
        if (f.Refusal is { } refusal) return refusal;
        return move(studentNo, transferId) switch
        {
            Outcome.Ok => ZhejiangReply.Ok(),
            Outcome.Conflict => ZhejiangReply.Fail(ZhejiangReply.NoSuchRecord, "the transfer is already settled the other way"),
            _ => NoSuchRecord("transfer"),
        };
    }

    private IResult QueryTicket(ZhejiangForm f)
    {
        var id = f.Text("ticket");
        if (f.Refusal is { } refusal) return refusal;
        if (_departments.Ticket(id) is not { } ticket) return NoSuchRecord("ticket");
        var data = new Dictionary<string, object?> { ["state"] = ticket.State, ["reason"] = ticket.Reason ?? "" };
        foreach (var (key, value) in ticket.Data) data[key] = value;
        return ZhejiangReply.Ok(data);
    }
}
