using Tongban.Provinces;

namespace Tongban.Cases;

/// <summary>The three cross-province services, with their wire names.</summary>
public enum CaseType { MarriageRegistration, NewbornRegistration, SchoolTransfer }

public static class CaseTypeNames
{
    public const string Marriage = "marriage-registration";
    public const string Newborn = "newborn-registration";
    public const string SchoolTransfer = "school-transfer";

    public static string ToWire(this CaseType type) => type switch
    {
        CaseType.MarriageRegistration => Marriage,
        CaseType.NewbornRegistration => Newborn,
        CaseType.SchoolTransfer => SchoolTransfer,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool TryParse(string? wire, out CaseType type)
    {
        switch (wire)
        {
            case Marriage: type = CaseType.MarriageRegistration; return true;
            case Newborn: type = CaseType.NewbornRegistration; return true;
            case SchoolTransfer: type = CaseType.SchoolTransfer; return true;
            default: type = default; return false;
        }
    }
}

/// <summary>A person as the partner API names them: ID number, name and hukou (household registration) province.</summary>
public sealed record Party(string IdNumber, string Name, string HukouProvince)
{
    public Person ToPerson() => new(IdNumber, Name);
}

public sealed record MarriageDetails(string RegistryCode, Party PartyA, Party PartyB);

public sealed record NewbornChild(string Name, Sex Sex, DateOnly BirthDate);

/// <summary>RegisterWith is "mother" or "father"; that parent is present and their hukou province handles the case.</summary>
public sealed record NewbornDetails(
    NewbornChild Child, string BirthCertificateNo, string BirthProvince, string RegisterWith,
    Party? Mother, Party? Father, string HouseholdDivision)
{
    public Party RegisteringParent => (RegisterWith == "father" ? Father : Mother)
        ?? throw new InvalidOperationException("The registering parent is missing.");
}

public sealed record Student(string StudentNo, string Name, string IdNumber);

public sealed record SchoolTransferDetails(
    Student Student, string SourceProvince, string SourceSchoolCode, string TargetSchoolCode, int TargetGrade, string Reason);

/// <summary>A validated request to open a case. Exactly one of the details is set, matching CaseType.</summary>
public sealed record OpenCaseCommand(
    CaseType CaseType,
    string Reference,
    string HandlingProvince,
    Uri? CallbackUrl,
    MarriageDetails? Marriage = null,
    NewbornDetails? Newborn = null,
    SchoolTransferDetails? SchoolTransfer = null)
{
    /// <summary>Every province the case touches, the handling one first, without repeats.</summary>
    public IReadOnlyList<string> InvolvedProvinces()
    {
        var codes = new List<string> { HandlingProvince };
        void Add(string? code)
        {
            if (code is not null && !codes.Contains(code)) codes.Add(code);
        }

        if (Marriage is not null) { Add(Marriage.PartyA.HukouProvince); Add(Marriage.PartyB.HukouProvince); }
        if (Newborn is not null) { Add(Newborn.BirthProvince); Add(Newborn.RegisteringParent.HukouProvince); }
        if (SchoolTransfer is not null) Add(SchoolTransfer.SourceProvince);
        return codes;
    }
}
