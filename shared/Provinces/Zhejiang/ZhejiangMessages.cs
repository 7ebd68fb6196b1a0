using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using static Tongban.Provinces.ReplyFields;

namespace Tongban.Provinces.Zhejiang;

/// <summary>Every gateway reply: a <c>code</c>, perhaps a <c>msg</c>, and the call's <c>data</c>.</summary>
internal readonly record struct ZhejiangReply(string Code, string? Message, JsonElement Data)
{
    /// <exception cref="FormatException">Not JSON, or no code.</exception>
    public static ZhejiangReply Parse(string body, string what)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("code", out var code))
            {
                throw new FormatException($"{what}: reply has no code");
            }

            var codeText = code.ValueKind switch
            {
                JsonValueKind.String => code.GetString() ?? string.Empty,
                JsonValueKind.Number => code.GetRawText(),
                _ => throw new FormatException($"{what}: reply code is not a string"),
            };
            var message = root.TryGetProperty("msg", out var msg) && msg.ValueKind == JsonValueKind.String ? msg.GetString() : null;
            var data = root.TryGetProperty("data", out var d) ? d.Clone() : default;
            return new ZhejiangReply(codeText, message, data);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{what}: reply is not JSON", ex);
        }
    }
}

/// <summary>
/// The gateway's <c>data</c> objects (zhejiang.md) and their meeting with the canonical model, both ways: enums and
/// dates as form values, replies as canonical records. A reply the contract does not allow throws
/// <see cref="FormatException"/> naming the call and the field (never its value, which may be an ID number); the
/// gateway client turns that into a defect.
/// </summary>
internal static class ZhejiangMessages
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    // ---- to the wire ----

    public static string Wire<TEnum>(TEnum value) where TEnum : struct, Enum =>
        JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    public static string Wire(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Wire(int number) => number.ToString(CultureInfo.InvariantCulture);

    // ---- from the wire ----

    public static ResidentVerification ResidentVerification(JsonElement data)
    {
        const string what = ZhejiangServiceCodes.ResidentVerify;
        var d = Read<ResidentData>(data, what);
        return new ResidentVerification(d.Match, d.HukouDivision, Required(d.ResidentStatus, "residentStatus", what));
    }

    public static MaritalStatusRecord MaritalStatusRecord(JsonElement data)
    {
        const string what = ZhejiangServiceCodes.MaritalStatusQuery;
        return new MaritalStatusRecord(Required(Read<MaritalData>(data, what).MaritalStatus, "maritalStatus", what));
    }

    public static MarriageCertificate MarriageCertificate(JsonElement data)
    {
        const string what = ZhejiangServiceCodes.MarriageRegister;
        return new MarriageCertificate(RequiredText(Read<CertificateData>(data, what).CertificateNo, "certificateNo", what));
    }

    public static BirthVerification BirthVerification(JsonElement data)
    {
        var d = Read<BirthData>(data, ZhejiangServiceCodes.BirthVerify);
        return new BirthVerification(d.Valid, d.BirthDate, d.Sex, d.Used);
    }

    public static StudentRecord StudentRecord(JsonElement data)
    {
        const string what = ZhejiangServiceCodes.StudentQuery;
        var d = Read<StudentData>(data, what);
        return new StudentRecord(
            RequiredText(d.Name, "name", what),
            RequiredText(d.IdNumber, "idNumber", what),
            RequiredText(d.SchoolCode, "schoolCode", what),
            d.Grade,
            Required(d.StudentStatus, "studentStatus", what));
    }

    public static SlowWorkResult SlowWorkResult(JsonElement data)
    {
        const string what = ZhejiangServiceCodes.TicketQuery;
        var d = Read<TicketData>(data, what);
        var state = Required(d.State, "state", what);
        return new SlowWorkResult(state, NullIfEmpty(d.Reason), d.IdNumber, d.HouseholdNo, d.TransferId);
    }

    /// <summary>The ticket slow work answers with; <paramref name="what"/> is the call that issued it.</summary>
    public static Func<JsonElement, SlowTicket> SlowTicket(string what) =>
        data => new SlowTicket(RequiredText(Read<TicketIssued>(data, what).Ticket, "ticket", what));

    public static Acknowledged Ack(JsonElement data) => Acknowledged.Instance;

    /// <summary>A token reply's requestSecret and its lifetime.</summary>
    public static (string Secret, TimeSpan Lifetime) Token(JsonElement data)
    {
        const string what = "token";
        var d = Read<TokenData>(data, what);
        var secret = RequiredText(d.RequestSecret, "requestSecret", what);
        if (d.ExpiresInSeconds <= 0) throw new FormatException("token reply has no positive expiresInSeconds");
        return (secret, TimeSpan.FromSeconds(d.ExpiresInSeconds));
    }

    public static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static T Read<T>(JsonElement data, string what)
    {
        if (data.ValueKind != JsonValueKind.Object) throw new FormatException($"{what}: reply has no data object");
        try
        {
            return data.Deserialize<T>(Json) ?? throw new FormatException($"{what}: reply data is null");
        }
        catch (JsonException ex)
        {
            // The message of a JsonException can quote values; keep only the path.
            throw new FormatException($"{what}: reply data does not match the contract (at {ex.Path})", ex);
        }
    }

    private sealed record TokenData(string? RequestSecret, long ExpiresInSeconds);

    private sealed record ResidentData(bool Match, string? HukouDivision, ResidentStatus? ResidentStatus);

    private sealed record MaritalData(MaritalStatus? MaritalStatus);

    private sealed record CertificateData(string? CertificateNo);

    private sealed record BirthData(bool Valid, DateOnly? BirthDate, Sex? Sex, bool Used);

    private sealed record TicketIssued(string? Ticket);

    private sealed record StudentData(string? Name, string? IdNumber, string? SchoolCode, int Grade, StudentStatus? StudentStatus);

    private sealed record TicketData(SlowWorkState? State, string? Reason, string? IdNumber, string? HouseholdNo, string? TransferId);
}
