using System.Globalization;
using System.Text.Json;
using Tongban.Callbacks;
using Tongban.Cases.Divisions;
using Tongban.Cases.Identity;
using Tongban.Provinces;

namespace Tongban.Cases.Validation;

/// <summary>
/// Checks the body of <c>POST /api/v1/cases</c> against the partner contract and, when every rule holds,
/// produces the typed <see cref="OpenCaseCommand"/>. Every problem is reported, keyed by its field path.
/// Whether handlingProvince is the caller's own code (403) is the API handler's check, not this one.
/// </summary>
public sealed class OpenCaseValidator
{
    /// <summary>The path for problems with the body as a whole (not a JSON object).</summary>
    public const string BodyPath = "body";

    private const int ReferenceMaxLength = 64;
    private const int NameMaxLength = 50;
    private const int ReasonMaxLength = 200;
    private const int CallbackUrlMaxLength = 2048;
    private const int LegalMarriageAgeMan = 22;
    private const int LegalMarriageAgeWoman = 20;

    private static readonly string[] CaseTypes = [CaseTypeNames.Marriage, CaseTypeNames.Newborn, CaseTypeNames.SchoolTransfer];
    private static readonly string[] Sexes = ["male", "female"];
    private static readonly string[] Parents = ["mother", "father"];

    private readonly DivisionCatalog divisions;
    private readonly IReadOnlySet<string> members;
    private readonly PartnerCallbackOrigins callbackOrigins;

    /// <param name="callbackOrigins">Where each partner's callbackUrl may point; none given: no callbackUrl is accepted.</param>
    public OpenCaseValidator(DivisionCatalog divisions, IReadOnlySet<string> memberProvinces, PartnerCallbackOrigins? callbackOrigins = null)
    {
        ArgumentNullException.ThrowIfNull(divisions);
        ArgumentNullException.ThrowIfNull(memberProvinces);
        this.divisions = divisions;
        members = memberProvinces;
        this.callbackOrigins = callbackOrigins ?? PartnerCallbackOrigins.None;
    }

    /// <param name="body">The parsed request body.</param>
    /// <param name="today">The day the case opens (Beijing date): ages and birth dates are judged on it.</param>
    /// <param name="caller">The signed caller's member code: callbackUrl must lie in one of its registered origins.</param>
    public Validated<OpenCaseCommand> Validate(JsonElement body, DateOnly today, string caller)
    {
        var errors = new ValidationErrors();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add(BodyPath, "The request body must be a JSON object.");
            return new Validated<OpenCaseCommand>(null, errors);
        }

        var read = new JsonFieldReader(errors);
        var caseTypeText = read.OneOf(body, "caseType", "caseType", CaseTypes);
        CaseType? caseType = CaseTypeNames.TryParse(caseTypeText, out var parsedType) ? parsedType : null;
        var reference = read.Text(body, "reference", "reference", 1, ReferenceMaxLength);
        var handling = read.MemberProvince(body, "handlingProvince", "handlingProvince", members);
        var callbackUrl = ReadCallbackUrl(read, body, caller);
        var details = read.Object(body, "details", "details");

        MarriageDetails? marriage = null;
        NewbornDetails? newborn = null;
        SchoolTransferDetails? transfer = null;
        if (details is { } d)
        {
            // Without a known case type there is no rule set to check details against.
            switch (caseType)
            {
                case CaseType.MarriageRegistration: marriage = ReadMarriage(read, d, handling, today); break;
                case CaseType.NewbornRegistration: newborn = ReadNewborn(read, d, handling, today); break;
                case CaseType.SchoolTransfer: transfer = ReadSchoolTransfer(read, d, handling, today); break;
            }
        }

        if (!errors.IsEmpty || caseType is null || reference is null || handling is null)
        {
            return new Validated<OpenCaseCommand>(null, errors);
        }

        return new Validated<OpenCaseCommand>(
            new OpenCaseCommand(caseType.Value, reference, handling, callbackUrl, marriage, newborn, transfer), errors);
    }

    private Uri? ReadCallbackUrl(JsonFieldReader read, JsonElement body, string caller)
    {
        const string path = "callbackUrl";
        var text = read.String(body, "callbackUrl", path, required: false);
        if (text is null) return null;
        var uri = Uri.TryCreate(text, UriKind.Absolute, out var parsed) ? parsed : null;
        var problem = text.Length > CallbackUrlMaxLength || uri is null
            || uri.Scheme is not ("https" or "http") || string.IsNullOrEmpty(uri.Host) ? "callbackUrl must be an absolute https URL."
            : uri.UserInfo.Length > 0 ? "callbackUrl must not carry a user name or password."
            : text.Contains('#', StringComparison.Ordinal) ? "callbackUrl must not carry a fragment."
            // Registered origins are https, or http on a literal loopback address (checked at start-up), so this also refuses plain http elsewhere.
            : !callbackOrigins.Allows(caller, uri) ? uri.Scheme == "http"
                ? "callbackUrl must use https (http only on a literal loopback address registered as a callback origin)."
                : "callbackUrl's origin (scheme, host and port) is not one registered for this partner."
            : null;
        if (problem is null) return uri;
        read.Errors.Add(path, problem);
        return null;
    }

    private MarriageDetails? ReadMarriage(JsonFieldReader read, JsonElement details, string? handling, DateOnly today)
    {
        var registryCode = ReadCountyCode(read, details, "registryCode", "details.registryCode", handling, "handlingProvince");
        var a = ReadParty(read, details, "partyA", "details.partyA", today, required: true);
        var b = ReadParty(read, details, "partyB", "details.partyB", today, required: true);

        if (a?.Id is { } idA && b?.Id is { } idB)
        {
            if (idA.Equals(idB))
            {
                read.Errors.Add("details.partyB.idNumber", "partyA and partyB must be two different people.");
            }
            else if (idA.Sex == idB.Sex)
            {
                read.Errors.Add("details.partyB.idNumber", "partyA and partyB must be a man and a woman (sex is read from the ID numbers).");
            }
        }

        CheckMarriageAge(read, a, "details.partyA.idNumber", today);
        CheckMarriageAge(read, b, "details.partyB.idNumber", today);

        if (handling is not null && a?.HukouProvince == handling && b?.HukouProvince == handling)
        {
            // A rule on three fields together: no one field is wrong, so it is reported on details.
            read.Errors.Add("details", "At least one party's hukouProvince must differ from handlingProvince; otherwise the case is not cross-province.");
        }

        return registryCode is not null && a?.Party is { } partyA && b?.Party is { } partyB
            ? new MarriageDetails(registryCode, partyA, partyB)
            : null;
    }

    private static void CheckMarriageAge(JsonFieldReader read, PartyReading? party, string path, DateOnly today)
    {
        if (party?.Id is not { } id) return;
        var (legalAge, who) = id.Sex == Sex.Male ? (LegalMarriageAgeMan, "a man") : (LegalMarriageAgeWoman, "a woman");
        if (id.AgeOn(today) < legalAge)
        {
            read.Errors.Add(path, $"The person must have reached the legal marriage age ({legalAge} for {who}) on the day the case opens.");
        }
    }

    private NewbornDetails? ReadNewborn(JsonFieldReader read, JsonElement details, string? handling, DateOnly today)
    {
        var child = ReadChild(read, details, today);

        const string certificatePath = "details.birthCertificateNo";
        var certificateNo = read.String(details, "birthCertificateNo", certificatePath);
        if (certificateNo is not null && !(certificateNo.Length == 10 && char.IsAsciiLetterUpper(certificateNo[0]) && JsonFieldReader.IsDigits(certificateNo[1..], 9)))
        {
            read.Errors.Add(certificatePath, "birthCertificateNo must be one capital letter followed by 9 digits.");
            certificateNo = null;
        }

        var birthProvince = read.MemberProvince(details, "birthProvince", "details.birthProvince", members);
        if (birthProvince is not null && birthProvince == handling)
        {
            read.Errors.Add("details.birthProvince", "birthProvince must differ from handlingProvince (the province registering the child).");
        }

        var registerWith = read.OneOf(details, "registerWith", "details.registerWith", Parents);
        var mother = ReadParty(read, details, "mother", "details.mother", today, required: registerWith == "mother");
        var father = ReadParty(read, details, "father", "details.father", today, required: registerWith == "father");
        CheckParentSex(read, mother, "details.mother.idNumber", Sex.Female, "mother", "a woman");
        CheckParentSex(read, father, "details.father.idNumber", Sex.Male, "father", "a man");

        var registering = registerWith == "father" ? father : mother;
        if (registerWith is not null && handling is not null && registering?.HukouProvince is { } hukou && hukou != handling)
        {
            read.Errors.Add(
                $"details.{registerWith}.hukouProvince",
                $"The {registerWith}'s hukouProvince is where the child is registered and must equal handlingProvince.");
        }

        var household = ReadCountyCode(read, details, "householdDivision", "details.householdDivision", handling, "handlingProvince");

        return child is not null && certificateNo is not null && birthProvince is not null && registerWith is not null && household is not null
            ? new NewbornDetails(child, certificateNo, birthProvince, registerWith, mother?.Party, father?.Party, household)
            : null;
    }

    private static void CheckParentSex(JsonFieldReader read, PartyReading? parent, string path, Sex expected, string role, string who)
    {
        if (parent?.Id is { } id && id.Sex != expected)
        {
            read.Errors.Add(path, $"The {role}'s ID number must be that of {who}.");
        }
    }

    private static NewbornChild? ReadChild(JsonFieldReader read, JsonElement details, DateOnly today)
    {
        if (read.Object(details, "child", "details.child") is not { } child) return null;
        var name = read.Text(child, "name", "details.child.name", 1, NameMaxLength);
        var sexText = read.OneOf(child, "sex", "details.child.sex", Sexes);
        Sex? sex = sexText switch { "male" => Sex.Male, "female" => Sex.Female, _ => null };

        const string birthDatePath = "details.child.birthDate";
        DateOnly? birthDate = null;
        var birthDateText = read.String(child, "birthDate", birthDatePath);
        if (birthDateText is not null)
        {
            if (!DateOnly.TryParseExact(birthDateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                read.Errors.Add(birthDatePath, "birthDate must be a real date written yyyy-MM-dd.");
            }
            else if (parsed > today)
            {
                read.Errors.Add(birthDatePath, "birthDate must not be in the future.");
            }
            else if (parsed < today.AddYears(-1))
            {
                read.Errors.Add(birthDatePath, "birthDate must not be more than one year ago.");
            }
            else
            {
                birthDate = parsed;
            }
        }

        return name is not null && sex is not null && birthDate is not null ? new NewbornChild(name, sex.Value, birthDate.Value) : null;
    }

    private SchoolTransferDetails? ReadSchoolTransfer(JsonFieldReader read, JsonElement details, string? handling, DateOnly today)
    {
        var student = ReadStudent(read, details, today);

        var source = read.MemberProvince(details, "sourceProvince", "details.sourceProvince", members);
        if (source is not null && source == handling)
        {
            read.Errors.Add("details.sourceProvince", "sourceProvince must differ from handlingProvince.");
        }

        var sourceSchool = ReadSchoolCode(read, details, "sourceSchoolCode", "details.sourceSchoolCode", source, "sourceProvince");
        var targetSchool = ReadSchoolCode(read, details, "targetSchoolCode", "details.targetSchoolCode", handling, "handlingProvince");
        var grade = read.Integer(details, "targetGrade", "details.targetGrade", 1, 12);
        var reason = read.Text(details, "reason", "details.reason", 1, ReasonMaxLength);

        return student is not null && source is not null && sourceSchool is not null && targetSchool is not null && grade is not null && reason is not null
            ? new SchoolTransferDetails(student, source, sourceSchool, targetSchool, grade.Value, reason)
            : null;
    }

    private static Student? ReadStudent(JsonFieldReader read, JsonElement details, DateOnly today)
    {
        if (read.Object(details, "student", "details.student") is not { } student) return null;
        const string studentNoPath = "details.student.studentNo";
        var studentNo = read.String(student, "studentNo", studentNoPath);
        var name = read.Text(student, "name", "details.student.name", 1, NameMaxLength);
        var id = ReadIdNumber(read, student, "details.student.idNumber", today);

        if (studentNo is not null)
        {
            if (studentNo.Length == 19 && studentNo[0] == 'G')
            {
                // The G form embeds the ID number; compare with the normalised one (check character upper-case).
                if (id is not null)
                {
                    if (string.Equals(studentNo[1..], id.Value, StringComparison.OrdinalIgnoreCase)) studentNo = "G" + id.Value;
                    else
                    {
                        read.Errors.Add(studentNoPath, "A studentNo starting with G must be G followed by the student's idNumber.");
                        studentNo = null;
                    }
                }
            }
            else if (!(studentNo.Length == 19 && studentNo[0] is 'J' or 'L' && studentNo.Skip(1).All(char.IsAsciiLetterOrDigit)))
            {
                read.Errors.Add(studentNoPath, "studentNo must be G followed by the student's 18-character ID number, or J or L followed by 18 letters or digits.");
                studentNo = null;
            }
        }

        return studentNo is not null && name is not null && id is not null ? new Student(studentNo, name, id.Value) : null;
    }

    private string? ReadSchoolCode(JsonFieldReader read, JsonElement details, string name, string path, string? province, string provinceField)
    {
        var code = read.String(details, name, path);
        if (code is null) return null;
        if (!JsonFieldReader.IsDigits(code, 10))
        {
            read.Errors.Add(path, $"{name} must be 10 digits.");
            return null;
        }

        return CheckCountyIn(read, code[..6], name, path, province, provinceField, "The first 6 digits of " + name) ? code : null;
    }

    private string? ReadCountyCode(JsonFieldReader read, JsonElement details, string name, string path, string? province, string provinceField)
    {
        var code = read.String(details, name, path);
        if (code is null) return null;
        if (!JsonFieldReader.IsDigits(code, 6))
        {
            read.Errors.Add(path, $"{name} must be a 6-digit GB/T 2260 county-level code.");
            return null;
        }

        return CheckCountyIn(read, code, name, path, province, provinceField, name) ? code : null;
    }

    private bool CheckCountyIn(JsonFieldReader read, string county, string name, string path, string? province, string provinceField, string subject)
    {
        if (!divisions.IsCountyLevel(county))
        {
            read.Errors.Add(path, $"{subject} must be a current county-level GB/T 2260 code.");
            return false;
        }

        // When the province itself is invalid it has its own error; the code cannot be placed, so it is not blamed.
        if (province is not null && !divisions.IsCountyIn(county, province))
        {
            read.Errors.Add(path, $"{name} must lie inside the province named by {provinceField}.");
            return false;
        }

        return province is not null;
    }

    private PartyReading? ReadParty(JsonFieldReader read, JsonElement details, string name, string path, DateOnly today, bool required)
    {
        if (read.Object(details, name, path, required) is not { } party) return null;

        var id = ReadIdNumber(read, party, path + ".idNumber", today);
        var personName = read.Text(party, "name", path + ".name", 1, NameMaxLength);
        var hukou = read.MemberProvince(party, "hukouProvince", path + ".hukouProvince", members);
        return new PartyReading(id, personName, hukou);
    }

    internal static ResidentIdNumber? ReadIdNumber(JsonFieldReader read, JsonElement parent, string path, DateOnly today)
    {
        var text = read.String(parent, "idNumber", path);
        if (text is null) return null;
        var problem = ResidentIdNumber.Check(text, today, out var id);
        var message = problem switch
        {
            ResidentIdProblem.None => null,
            ResidentIdProblem.Missing => "idNumber is required.",
            ResidentIdProblem.WrongFormat => "idNumber must be 18 characters: 17 digits and a check character (a digit or X).",
            ResidentIdProblem.ImpossibleBirthDate => "idNumber does not hold a real birth date.",
            ResidentIdProblem.FutureBirthDate => "idNumber holds a birth date in the future.",
            ResidentIdProblem.WrongCheckDigit => "idNumber is not a valid resident ID number: its check character does not match.",
            _ => "idNumber is not a valid resident ID number.",
        };
        if (message is not null) read.Errors.Add(path, message);
        return id;
    }

    /// <summary>What could be read of one person; Party is set only when every field is valid.</summary>
    private sealed record PartyReading(ResidentIdNumber? Id, string? Name, string? HukouProvince)
    {
        public Party? Party => Id is not null && Name is not null && HukouProvince is not null ? new Party(Id.Value, Name, HukouProvince) : null;
    }
}
