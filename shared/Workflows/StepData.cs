using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tongban.Workflows;

/// <summary>
/// What a province step's answer carries for the orchestration, one record per kind of answer; an acknowledgement carries
/// none. No ID number or name in clear (a new child's ID number is masked). Stored in the engine's history as JSON with a
/// <c>kind</c> discriminator.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = KindProperty, UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(ResidentCheck), "resident-check")]
[JsonDerivedType(typeof(MaritalStatusCheck), "marital-status-check")]
[JsonDerivedType(typeof(MarriageRegistered), "marriage-registered")]
[JsonDerivedType(typeof(BirthCertificateCheck), "birth-certificate-check")]
[JsonDerivedType(typeof(StudentRecordCheck), "student-record-check")]
[JsonDerivedType(typeof(SlowWorkAccepted), "slow-work-accepted")]
[JsonDerivedType(typeof(NewbornRegistered), "newborn-registered")]
[JsonDerivedType(typeof(TransferOutApproved), "transfer-out-approved")]
public abstract record StepData
{
    public const string KindProperty = "kind";
}

/// <summary>resident.verify: whether ID number and name belong together, the resident status as the wire says it (normal, deceased, …).</summary>
public sealed record ResidentCheck(bool Match, string ResidentStatus, string HukouDivision) : StepData;

/// <summary>marital.status: the marital status as the wire says it (unmarried, married, …).</summary>
public sealed record MaritalStatusCheck(string MaritalStatus) : StepData;

/// <summary>marriage.register: the certificate issued.</summary>
public sealed record MarriageRegistered(string CertificateNo) : StepData;

/// <summary>birth.verify: whether the certificate matches the child's name and the mother, is already used, and matches the child's birth date and sex.</summary>
public sealed record BirthCertificateCheck(bool Valid, bool Used, bool MatchesChild) : StepData;

/// <summary>student.record: the student's status as the wire says it (enrolled, …), and whether the record matches the student and the source school.</summary>
public sealed record StudentRecordCheck(string StudentStatus, bool Match, bool SchoolMatch) : StepData;

/// <summary>Slow work accepted by the province (<see cref="StepOutcome.Waiting"/>): the ticket that names it. Never raised as an event.</summary>
public sealed record SlowWorkAccepted(string Ticket) : StepData;

/// <summary>newborn.register approved: the child's ID number, masked, and the household it was registered in.</summary>
public sealed record NewbornRegistered(string ChildIdNumber, string HouseholdNo) : StepData;

/// <summary>transfer-out.request approved: the transfer's ID at the source province.</summary>
public sealed record TransferOutApproved(string TransferId) : StepData;

/// <summary>
/// Reads <see cref="StepResult.Data"/>: the typed shape (with its <c>kind</c>), or the string dictionary results were raised
/// as before the typed records, which orchestrations in flight across the upgrade replay from their history.
/// </summary>
internal sealed class StepDataConverter : JsonConverter<StepData>
{
    public override StepData? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        using var document = JsonDocument.ParseValue(ref reader);
        var element = document.RootElement;
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(StepData.KindProperty, out _))
        {
            // The converter sits on the property, not the type: the type's own polymorphic contract reads it.
            return element.Deserialize<StepData>(options);
        }

        return FromLegacy(element.Deserialize<Dictionary<string, string>>(options) ?? []);
    }

    public override void Write(Utf8JsonWriter writer, StepData value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, options);

    /// <summary>The typed record a pre-upgrade dictionary stood for, told by its keys (each kind wrote its own set); empty: an acknowledgement.</summary>
    internal static StepData? FromLegacy(IReadOnlyDictionary<string, string> data)
    {
        string? Get(string key) => data.TryGetValue(key, out var v) ? v : null;
        bool Flag(string key) => Get(key) == "true";
        if (data.ContainsKey("ticket")) return new SlowWorkAccepted(Get("ticket")!);
        if (data.ContainsKey("certificateNo")) return new MarriageRegistered(Get("certificateNo")!);
        if (data.ContainsKey("maritalStatus")) return new MaritalStatusCheck(Get("maritalStatus")!);
        if (data.ContainsKey("studentStatus")) return new StudentRecordCheck(Get("studentStatus")!, Flag("match"), Flag("schoolMatch"));
        if (data.ContainsKey("valid")) return new BirthCertificateCheck(Flag("valid"), Flag("used"), Flag("matchesChild"));
        if (data.ContainsKey("residentStatus")) return new ResidentCheck(Flag("match"), Get("residentStatus")!, Get("hukouDivision") ?? "");
        // Slow work's approval wrote all three keys; the one the province filled says which it was.
        if (!string.IsNullOrEmpty(Get("transferId"))) return new TransferOutApproved(Get("transferId")!);
        if (data.ContainsKey("childIdNumber") || data.ContainsKey("householdNo")) return new NewbornRegistered(Get("childIdNumber") ?? "", Get("householdNo") ?? "");
        if (data.ContainsKey("transferId")) return new TransferOutApproved("");
        return null;
    }
}
