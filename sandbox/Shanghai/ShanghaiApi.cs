using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tongban.Sandbox.Departments;
using Tongban.Sandbox.Knobs;
using Tongban.Sandbox.Population;
using Tongban.Sandbox.State;

namespace Tongban.Sandbox.Shanghai;

/// <summary>Shanghai (310000): REST resources, X-Ca-* HMAC headers, HTTP status codes, callbacks (contracts/provinces/shanghai.md).</summary>
internal sealed class ShanghaiApi(
    SandboxState state, ProvinceKnobs knobs, ShanghaiSignature signature, ShanghaiCallbacks callbacks) : ProvinceSimulator
{
    public const string Code = "310000";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] MaritalStatuses = ["unmarried", "married", "divorced", "widowed"];

    private readonly ProvinceDepartments _departments = new(state, Code);

    public override string ProvinceCode => Code;

    public override string PathPrefix => "/sh/api/v2";

    public override IResult Busy() => ShanghaiReply.Unavailable("system busy");

    public override IResult RateLimited(TimeSpan retryAfter) => ShanghaiReply.TooManyRequests(retryAfter);

    public override IResult Down() => ShanghaiReply.Unavailable("gateway down");

    public override ValueTask<IResult?> AuthenticateAsync(HttpContext context) => signature.VerifyAsync(context);

    public override void MapRoutes(IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup(PathPrefix);
        api.MapGet("/residents/{idNumber}", VerifyResident);
        api.MapGet("/marital-status/{idNumber}", QueryMaritalStatus);
        api.MapPut("/marital-status/{idNumber}", UpdateMaritalStatus);
        api.MapPost("/marriages", RegisterMarriage);
        api.MapGet("/birth-certificates/{certificateNo}", VerifyBirth);
        api.MapPut("/birth-certificates/{certificateNo}/usage", MarkBirthUsed);
        api.MapDelete("/birth-certificates/{certificateNo}/usage", ReleaseBirth);
        api.MapPost("/newborn-registrations", (Delegate)ApplyNewborn);
        api.MapGet("/students/{studentNo}", StudentRecord);
        api.MapPost("/students/{studentNo}/transfer-out", RequestTransferOut);
        api.MapPut("/students/{studentNo}/enrollment", Enroll);
        api.MapPost("/students/{studentNo}/transfer-out/{transferId}/confirmation", ConfirmTransfer);
        api.MapDelete("/students/{studentNo}/transfer-out/{transferId}", CancelTransfer);
    }

    private static T? Body<T>(HttpContext context) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(ShanghaiSignature.Body(context), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool Present(params string?[] values) => values.All(v => !string.IsNullOrWhiteSpace(v));

    private static bool IsDate(string? value) => DateOnly.TryParseExact(value, "yyyy-MM-dd", out _);

    private static string? Query(HttpContext context, string name) => context.Request.Query[name] is { Count: > 0 } v ? v.ToString() : null;

    private IResult VerifyResident(HttpContext context, string idNumber)
    {
        var name = Query(context, "name");
        if (!ResidentIdNumber.IsWellFormed(idNumber) || !Present(name)) return ShanghaiReply.BadRequest("a well-formed idNumber and name are required");
        return _departments.VerifyResident(idNumber, name!) is { } r
            ? Results.Ok(new { match = r.Match, hukouDivision = r.HukouDivision, residentStatus = r.ResidentStatus })
            : ShanghaiReply.NotFound("resident");
    }

    private IResult QueryMaritalStatus(HttpContext context, string idNumber)
    {
        var name = Query(context, "name");
        if (!ResidentIdNumber.IsWellFormed(idNumber) || !Present(name)) return ShanghaiReply.BadRequest("a well-formed idNumber and name are required");
        return _departments.MaritalStatus(idNumber, name!) is { } status ? Results.Ok(new { status }) : ShanghaiReply.NotFound("resident");
    }

    private IResult UpdateMaritalStatus(HttpContext context, string idNumber)
    {
        var body = Body<ShanghaiMaritalStatusBody>(context);
        if (body is null || !ResidentIdNumber.IsWellFormed(idNumber) || !Present(body.Name, body.Status, body.CertificateNo)
            || !MaritalStatuses.Contains(body.Status) || (body.SpouseIdNumber is not null && !ResidentIdNumber.IsWellFormed(body.SpouseIdNumber))
            || (body.RegisteredOn is not null && !IsDate(body.RegisteredOn)))
        {
            return ShanghaiReply.BadRequest("name, status, certificateNo are required; spouseIdNumber and registeredOn must be well formed");
        }
        var outcome = _departments.UpdateMaritalStatus(idNumber, body.Name!, body.Status!, body.CertificateNo!, body.SpouseIdNumber, body.RegisteredOn);
        return outcome == Outcome.Ok ? Results.NoContent() : ShanghaiReply.NotFound("resident");
    }

    private IResult RegisterMarriage(HttpContext context)
    {
        var body = Body<ShanghaiMarriageBody>(context);
        if (body is not { PartyA: { } a, PartyB: { } b } || !Present(body.RegistryCode, body.HubCaseId, a.Name, b.Name)
            || !ResidentIdNumber.IsWellFormed(a.IdNumber) || !ResidentIdNumber.IsWellFormed(b.IdNumber))
        {
            return ShanghaiReply.BadRequest("registryCode, partyA, partyB (idNumber, name) and hubCaseId are required");
        }
        var answer = _departments.RegisterMarriage(body.RegistryCode!, a.IdNumber!, b.IdNumber!, body.HubCaseId!);
        var reply = new { certificateNo = answer.Value };
        return answer.Outcome == Outcome.Created
            ? Results.Created($"{PathPrefix}/marriages/{answer.Value}", reply)
            : Results.Ok(reply);
    }

    private IResult VerifyBirth(HttpContext context, string certificateNo)
    {
        var (childName, mother) = (Query(context, "childName"), Query(context, "motherIdNumber"));
        if (!Present(childName) || !ResidentIdNumber.IsWellFormed(mother)) return ShanghaiReply.BadRequest("childName and a well-formed motherIdNumber are required");
        return _departments.VerifyBirth(certificateNo, childName!, mother!) is { } b
            ? Results.Ok(new { valid = b.Valid, birthDate = b.BirthDate, sex = b.Sex, used = b.Used })
            : ShanghaiReply.NotFound("birth certificate");
    }

    private IResult MarkBirthUsed(HttpContext context, string certificateNo)
    {
        var body = Body<ShanghaiUsageBody>(context);
        if (body is null || !Present(body.HubCaseId)) return ShanghaiReply.BadRequest("hubCaseId is required");
        return _departments.MarkBirthUsed(certificateNo, body.HubCaseId!) switch
        {
            Outcome.Ok => Results.NoContent(),
            Outcome.Conflict => ShanghaiReply.Conflict("the certificate is used by another case"),
            _ => ShanghaiReply.NotFound("birth certificate"),
        };
    }

    private IResult ReleaseBirth(HttpContext context, string certificateNo)
    {
        var hubCaseId = Query(context, "hubCaseId");
        if (!Present(hubCaseId)) return ShanghaiReply.BadRequest("hubCaseId is required");
        return _departments.ReleaseBirth(certificateNo, hubCaseId!) == Outcome.Ok ? Results.NoContent() : ShanghaiReply.NotFound("birth certificate");
    }

    private async Task<IResult> ApplyNewborn(HttpContext context)
    {
        var body = Body<ShanghaiNewbornBody>(context);
        if (body is not { Child: { } child, Parent: { } parent }
            || !Present(child.Name, parent.Name, body.HouseholdDivision, body.BirthCertificateNo, body.HubCaseId)
            || child.Sex is not ("male" or "female") || !DateOnly.TryParseExact(child.BirthDate, "yyyy-MM-dd", out var birthDate)
            || !ResidentIdNumber.IsWellFormed(parent.IdNumber)
            || body.HouseholdDivision!.Length != 6 || !body.HouseholdDivision.All(char.IsAsciiDigit))
        {
            return ShanghaiReply.BadRequest("child (name, sex, birthDate), parent, householdDivision, birthCertificateNo and hubCaseId are required");
        }
        var application = new NewbornApplication(child.Name!, child.Sex, birthDate, parent.IdNumber!, parent.Name!,
            body.HouseholdDivision, body.BirthCertificateNo!, body.HubCaseId!);
        var early = knobs.EarlyCallbacks;
        var answer = _departments.ApplyNewborn(application, early ? TimeSpan.Zero : knobs.SlowWorkDelay);
        return await Accepted(answer, early);
    }

    private IResult StudentRecord(string studentNo) =>
        _departments.StudentRecord(studentNo) is { } s
            ? Results.Ok(new { name = s.Name, idNumber = s.IdNumber, schoolCode = s.SchoolCode, grade = s.Grade, status = s.Status })
            : ShanghaiReply.NotFound("student");

    private async Task<IResult> RequestTransferOut(HttpContext context, string studentNo)
    {
        var body = Body<ShanghaiTransferOutBody>(context);
        if (body is null || !Present(body.TargetSchoolCode, body.Reason, body.HubCaseId))
        {
            return ShanghaiReply.BadRequest("targetSchoolCode, reason and hubCaseId are required");
        }
        var early = knobs.EarlyCallbacks;
        var answer = _departments.RequestTransferOut(studentNo, body.TargetSchoolCode!, body.HubCaseId!, early ? TimeSpan.Zero : knobs.SlowWorkDelay);
        if (answer.Outcome == Outcome.NotFound) return ShanghaiReply.NotFound("student");
        return await Accepted(answer, early);
    }

    /// <summary>202 with the ticket; a new ticket's callback is sent when due, or before this answer when early.</summary>
    private async Task<IResult> Accepted(Answer<TicketRecord> answer, bool early)
    {
        var ticket = answer.Value!.Ticket;
        if (answer.Outcome == Outcome.Created)
        {
            if (early) await callbacks.DeliverEarlyAsync(ticket);
            else callbacks.DeliverWhenDue(ticket);
        }
        return Results.Json(new { ticket }, statusCode: StatusCodes.Status202Accepted);
    }

    private IResult Enroll(HttpContext context, string studentNo)
    {
        var body = Body<ShanghaiEnrollmentBody>(context);
        if (body is null || !Present(body.SchoolCode, body.HubCaseId) || body.Grade is not { } grade)
        {
            return ShanghaiReply.BadRequest("schoolCode, grade and hubCaseId are required");
        }
        return _departments.Enroll(studentNo, body.SchoolCode!, grade, body.HubCaseId!) switch
        {
            Outcome.Ok => Results.NoContent(),
            Outcome.Conflict => ShanghaiReply.Conflict("hubCaseId already enrolled another student"),
            _ => ShanghaiReply.NotFound("school"),
        };
    }

    private IResult ConfirmTransfer(string studentNo, string transferId) => MoveTransfer(_departments.ConfirmTransfer(studentNo, transferId));

    private IResult CancelTransfer(string studentNo, string transferId) => MoveTransfer(_departments.CancelTransfer(studentNo, transferId));

    private static IResult MoveTransfer(Outcome outcome) => outcome switch
    {
        Outcome.Ok => Results.NoContent(),
        Outcome.Conflict => ShanghaiReply.Conflict("the transfer is already settled the other way"),
        _ => ShanghaiReply.NotFound("transfer"),
    };
}
