using System.Globalization;

namespace Tongban.Provinces.Jiangxi;

/// <summary>
/// The one place where Jiangxi's service codes, pinyin field names and GB/T 2261 codes meet the
/// canonical model, both ways (contracts/provinces/jiangxi.md). Anything the province sends that the
/// contract does not allow throws <see cref="FormatException"/> naming the field (never its value,
/// which may be an ID number); the adapter turns that into a defect.
/// </summary>
public static class JiangxiCodes
{
    public static class Services
    {
        public const string ResidentVerify = "JX_GA_RKHC";
        public const string MaritalStatus = "JX_MZ_HYZKCX";
        public const string MarriageRegister = "JX_MZ_HYDJ";
        public const string MaritalUpdate = "JX_MZ_HYZKGX";
        public const string BirthVerify = "JX_WJ_CSZMHC";
        public const string BirthMarkUsed = "JX_WJ_CSZMSY";
        public const string BirthRelease = "JX_WJ_CSZMSF";
        public const string NewbornRegister = "JX_GA_XSEDJ";
        public const string StudentRecord = "JX_JY_XJCX";
        public const string TransferOutRequest = "JX_JY_ZCSQ";
        public const string StudentEnroll = "JX_JY_RXDJ";
        public const string TransferOutConfirm = "JX_JY_ZCQR";
        public const string TransferOutCancel = "JX_JY_ZCCX";
        public const string SlowWorkResult = "JX_TY_BLJGCX";
    }

    private const string DateFormat = "yyyyMMdd";

    // ---- codes ----

    /// <summary>xb (GB/T 2261.1): 1 male, 2 female.</summary>
    public static string ToXb(Sex sex) => sex switch
    {
        Sex.Male => "1",
        Sex.Female => "2",
        _ => throw new ArgumentOutOfRangeException(nameof(sex)),
    };

    public static Sex FromXb(string xb) => xb switch
    {
        "1" => Sex.Male,
        "2" => Sex.Female,
        _ => throw Unexpected("xb"),
    };

    /// <summary>rkzt: 1 normal, 2 deceased, 3 cancelled.</summary>
    public static string ToRkzt(ResidentStatus status) => status switch
    {
        ResidentStatus.Normal => "1",
        ResidentStatus.Deceased => "2",
        ResidentStatus.Cancelled => "3",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static ResidentStatus FromRkzt(string rkzt) => rkzt switch
    {
        "1" => ResidentStatus.Normal,
        "2" => ResidentStatus.Deceased,
        "3" => ResidentStatus.Cancelled,
        _ => throw Unexpected("rkzt"),
    };

    /// <summary>hyzk (GB/T 2261.2): 10 unmarried, 20 married, 30 widowed, 40 divorced.</summary>
    public static string ToHyzk(MaritalStatus status) => status switch
    {
        MaritalStatus.Unmarried => "10",
        MaritalStatus.Married => "20",
        MaritalStatus.Widowed => "30",
        MaritalStatus.Divorced => "40",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static MaritalStatus FromHyzk(string hyzk) => hyzk switch
    {
        "10" => MaritalStatus.Unmarried,
        "20" => MaritalStatus.Married,
        "30" => MaritalStatus.Widowed,
        "40" => MaritalStatus.Divorced,
        _ => throw Unexpected("hyzk"),
    };

    /// <summary>yxbz / sybz / ppjg: 1 yes, 0 no.</summary>
    public static string ToFlag(bool value) => value ? "1" : "0";

    public static bool FromFlag(string flag, string field) => flag switch
    {
        "1" => true,
        "0" => false,
        _ => throw Unexpected(field),
    };

    /// <summary>xjzt: 1 enrolled, 2 graduated, 3 transferred.</summary>
    public static string ToXjzt(StudentStatus status) => status switch
    {
        StudentStatus.Enrolled => "1",
        StudentStatus.Graduated => "2",
        StudentStatus.Transferred => "3",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static StudentStatus FromXjzt(string xjzt) => xjzt switch
    {
        "1" => StudentStatus.Enrolled,
        "2" => StudentStatus.Graduated,
        "3" => StudentStatus.Transferred,
        _ => throw Unexpected("xjzt"),
    };

    /// <summary>blzt: 01 processing, 02 approved, 03 refused.</summary>
    public static string ToBlzt(SlowWorkState state) => state switch
    {
        SlowWorkState.Processing => "01",
        SlowWorkState.Approved => "02",
        SlowWorkState.Rejected => "03",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static SlowWorkState FromBlzt(string blzt) => blzt switch
    {
        "01" => SlowWorkState.Processing,
        "02" => SlowWorkState.Approved,
        "03" => SlowWorkState.Rejected,
        _ => throw Unexpected("blzt"),
    };

    public static string ToDate(DateOnly date) => date.ToString(DateFormat, CultureInfo.InvariantCulture);

    public static DateOnly FromDate(string value, string field) =>
        DateOnly.TryParseExact(value, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw Unexpected(field);

    /// <summary>
    /// The sex an ID number encodes: the 17th character of an 18-digit number (15th of an old
    /// 15-digit one), odd = male.
    /// </summary>
    public static Sex SexOfIdNumber(string idNumber)
    {
        var digit = idNumber.Length switch
        {
            18 => idNumber[16],
            15 => idNumber[14],
            _ => '\0',
        };
        if (!char.IsAsciiDigit(digit)) throw new FormatException("Not an 18- or 15-digit ID number; its sex cannot be read.");
        return (digit - '0') % 2 == 1 ? Sex.Male : Sex.Female;
    }

    // ---- bizContent per operation: canonical -> Jiangxi ----

    public static Dictionary<string, string> PersonQuery(Person person) => new() { ["sfzhm"] = person.IdNumber, ["xm"] = person.Name };

    /// <summary>JX_MZ_HYDJ names the parties 男方 (nf) and 女方 (nv); which is which comes from each ID number's sex digit.</summary>
    public static Dictionary<string, string> MarriageRegister(MarriageRegistration request)
    {
        var sexA = SexOfIdNumber(request.PartyA.IdNumber);
        var sexB = SexOfIdNumber(request.PartyB.IdNumber);
        if (sexA == sexB) throw new FormatException("JX_MZ_HYDJ needs one male and one female party; both ID numbers give the same sex.");
        var (husband, wife) = sexA == Sex.Male ? (request.PartyA, request.PartyB) : (request.PartyB, request.PartyA);
        return new()
        {
            ["djjg"] = request.RegistryCode,
            ["nfsfzhm"] = husband.IdNumber,
            ["nfxm"] = husband.Name,
            ["nvsfzhm"] = wife.IdNumber,
            ["nvxm"] = wife.Name,
            ["ywbh"] = request.HubCaseId,
        };
    }

    public static Dictionary<string, string> MaritalUpdate(MaritalUpdate request) => new()
    {
        ["sfzhm"] = request.IdNumber,
        ["xm"] = request.Name,
        ["hyzk"] = ToHyzk(request.MaritalStatus),
        ["jhzh"] = request.CertificateNo,
        ["pozjhm"] = request.SpouseIdNumber,
        ["djrq"] = ToDate(request.RegisteredOn),
    };

    public static Dictionary<string, string> BirthVerify(BirthVerifyRequest request) => new()
    {
        ["cszmbh"] = request.CertificateNo,
        ["xsexm"] = request.ChildName,
        ["mqsfzhm"] = request.MotherIdNumber,
    };

    public static Dictionary<string, string> BirthCertificateUse(BirthCertificateUse request) => new()
    {
        ["cszmbh"] = request.CertificateNo,
        ["ywbh"] = request.HubCaseId,
    };

    public static Dictionary<string, string> NewbornRegister(NewbornRegistration request) => new()
    {
        ["xsexm"] = request.Child.Name,
        ["xb"] = ToXb(request.Child.Sex),
        ["csrq"] = ToDate(request.Child.BirthDate),
        ["sfzhm"] = request.Parent.IdNumber,
        ["xm"] = request.Parent.Name,
        ["hzxzqh"] = request.HouseholdDivision,
        ["cszmbh"] = request.BirthCertificateNo,
        ["ywbh"] = request.HubCaseId,
    };

    public static Dictionary<string, string> StudentQuery(string studentNo) => new() { ["xjh"] = studentNo };

    public static Dictionary<string, string> TransferOutRequest(TransferOutRequest request) => new()
    {
        ["xjh"] = request.StudentNo,
        ["xxdm"] = request.TargetSchoolCode,
        ["zcyy"] = request.Reason,
        ["ywbh"] = request.HubCaseId,
    };

    public static Dictionary<string, string> StudentEnroll(StudentEnrollment request) => new()
    {
        ["xjh"] = request.StudentNo,
        ["xxdm"] = request.SchoolCode,
        ["nj"] = request.Grade.ToString(CultureInfo.InvariantCulture),
        ["ywbh"] = request.HubCaseId,
    };

    public static Dictionary<string, string> TransferOutReference(TransferOutReference request) => new()
    {
        ["xjh"] = request.StudentNo,
        ["zcbh"] = request.TransferId,
    };

    public static Dictionary<string, string> SlowWorkQuery(SlowTicket ticket) => new() { ["slbh"] = ticket.Ticket };

    // ---- bizContent per operation: Jiangxi -> canonical ----

    /// <summary>
    /// ppjg, hjxzqh, rkzt. When the ID and name do not match the province may leave rkzt out; the
    /// status then means nothing and is reported as Normal (the hub rejects on Match first).
    /// </summary>
    public static ResidentVerification ResidentVerification(IReadOnlyDictionary<string, string> biz)
    {
        var match = FromFlag(Required(biz, "ppjg"), "ppjg");
        var rkzt = Optional(biz, "rkzt");
        var status = rkzt is not null ? FromRkzt(rkzt) : match ? throw Missing("rkzt") : ResidentStatus.Normal;
        return new ResidentVerification(match, Optional(biz, "hjxzqh"), status);
    }

    public static MaritalStatusRecord MaritalStatusRecord(IReadOnlyDictionary<string, string> biz) =>
        new(FromHyzk(Required(biz, "hyzk")));

    public static MarriageCertificate MarriageCertificate(IReadOnlyDictionary<string, string> biz) =>
        new(Required(biz, "jhzh"));

    public static BirthVerification BirthVerification(IReadOnlyDictionary<string, string> biz)
    {
        var csrq = Optional(biz, "csrq");
        var xb = Optional(biz, "xb");
        return new BirthVerification(
            FromFlag(Required(biz, "yxbz"), "yxbz"),
            csrq is null ? null : FromDate(csrq, "csrq"),
            xb is null ? null : FromXb(xb),
            FromFlag(Required(biz, "sybz"), "sybz"));
    }

    public static SlowTicket SlowTicket(IReadOnlyDictionary<string, string> biz) => new(Required(biz, "slbh"));

    public static StudentRecord StudentRecord(IReadOnlyDictionary<string, string> biz)
    {
        var nj = Required(biz, "nj");
        if (!int.TryParse(nj, NumberStyles.None, CultureInfo.InvariantCulture, out var grade)) throw Unexpected("nj");
        return new StudentRecord(Required(biz, "xm"), Required(biz, "sfzhm"), Required(biz, "xxdm"), grade, FromXjzt(Required(biz, "xjzt")));
    }

    /// <summary>blzt, bljg, and on approval sfzhm + hh (newborn) or zcbh (transfer).</summary>
    public static SlowWorkResult SlowWorkResult(IReadOnlyDictionary<string, string> biz) => new(
        FromBlzt(Required(biz, "blzt")),
        Reason: Optional(biz, "bljg"),
        IdNumber: Optional(biz, "sfzhm"),
        HouseholdNo: Optional(biz, "hh"),
        TransferId: Optional(biz, "zcbh"));

    private static string Required(IReadOnlyDictionary<string, string> biz, string field) =>
        Optional(biz, field) ?? throw Missing(field);

    private static string? Optional(IReadOnlyDictionary<string, string> biz, string field) =>
        biz.TryGetValue(field, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    private static FormatException Missing(string field) => new($"Jiangxi bizContent lacks '{field}'.");

    private static FormatException Unexpected(string field) => new($"Jiangxi field '{field}' holds a value outside the contract.");
}
