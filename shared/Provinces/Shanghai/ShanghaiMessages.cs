using System.Text.Json;
using System.Text.Json.Serialization;
using static Tongban.Provinces.ReplyFields;

namespace Tongban.Provinces.Shanghai;

/// <summary>
/// Shanghai's JSON bodies both ways (shanghai.md): requests as the API takes them, replies read into canonical records.
/// A reply the contract does not allow throws <see cref="FormatException"/> naming the operation and the field (never
/// its value); the adapter turns that into a defect.
/// </summary>
internal static class ShanghaiMessages
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static ResidentVerification ResidentVerification(byte[] reply)
    {
        const string what = CanonicalOperations.ResidentVerify;
        var d = Read<ResidentReply>(reply, what);
        return new ResidentVerification(d.Match, d.HukouDivision, Required(d.ResidentStatus, "residentStatus", what));
    }

    public static MaritalStatusRecord MaritalStatusRecord(byte[] reply)
    {
        const string what = CanonicalOperations.MaritalStatus;
        return new MaritalStatusRecord(Required(Read<MaritalReply>(reply, what).Status, "status", what));
    }

    public static MarriageCertificate MarriageCertificate(byte[] reply)
    {
        const string what = CanonicalOperations.MarriageRegister;
        return new MarriageCertificate(RequiredText(Read<CertificateReply>(reply, what).CertificateNo, "certificateNo", what));
    }

    public static BirthVerification BirthVerification(byte[] reply)
    {
        var d = Read<BirthReply>(reply, CanonicalOperations.BirthVerify);
        return new BirthVerification(d.Valid, d.BirthDate, d.Sex, d.Used);
    }

    public static StudentRecord StudentRecord(byte[] reply)
    {
        const string what = CanonicalOperations.StudentRecord;
        var d = Read<StudentReply>(reply, what);
        return new StudentRecord(
            RequiredText(d.Name, "name", what),
            RequiredText(d.IdNumber, "idNumber", what),
            RequiredText(d.SchoolCode, "schoolCode", what),
            d.Grade,
            Required(d.Status, "status", what));
    }

    /// <summary>The ticket slow work answers with; <paramref name="what"/> is the operation that issued it.</summary>
    public static Func<byte[], SlowTicket> SlowTicket(string what) =>
        reply => new SlowTicket(RequiredText(Read<TicketReply>(reply, what).Ticket, "ticket", what));

    public static Acknowledged Ack(byte[] reply) => Acknowledged.Instance;

    /// <summary>The <c>error</c> of a refusal as "code: message", or null when there is none to read.</summary>
    public static string? ErrorMessage(byte[] reply)
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

    private static T Read<T>(byte[] reply, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(reply, Json) ?? throw new FormatException($"{what}: reply is null");
        }
        catch (JsonException ex)
        {
            // A JsonException's message can quote values; keep only the path.
            throw new FormatException($"{what}: reply does not match the contract (at {ex.Path})", ex);
        }
    }

    private sealed record ResidentReply(bool Match, string? HukouDivision, ResidentStatus? ResidentStatus);

    private sealed record MaritalReply(MaritalStatus? Status);

    private sealed record CertificateReply(string? CertificateNo);

    private sealed record BirthReply(bool Valid, DateOnly? BirthDate, Sex? Sex, bool Used);

    private sealed record TicketReply(string? Ticket);

    private sealed record StudentReply(string? Name, string? IdNumber, string? SchoolCode, int Grade, StudentStatus? Status);

    private sealed record ErrorReply(ErrorDetail? Error);

    private sealed record ErrorDetail(string? Code, string? Message);
}

// ---- request bodies ----

internal sealed record PersonBody(string IdNumber, string Name);

internal sealed record MarriageBody(string RegistryCode, PersonBody PartyA, PersonBody PartyB, string HubCaseId);

internal sealed record MaritalUpdateBody(string Name, MaritalStatus Status, string CertificateNo, string SpouseIdNumber, DateOnly RegisteredOn);

internal sealed record HubCaseBody(string HubCaseId);

internal sealed record ChildBody(string Name, Sex Sex, DateOnly BirthDate);

internal sealed record NewbornBody(ChildBody Child, PersonBody Parent, string HouseholdDivision, string BirthCertificateNo, string HubCaseId);

internal sealed record TransferOutBody(string TargetSchoolCode, string Reason, string HubCaseId);

internal sealed record EnrollmentBody(string SchoolCode, int Grade, string HubCaseId);
