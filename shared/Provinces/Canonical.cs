namespace Tongban.Provinces;

// The hub's canonical province operations (contracts/provinces/README.md). Every adapter maps
// these to its province's own protocol; nothing outside Provinces/ knows a province's wire format.

public enum Sex { Male, Female }

public enum ResidentStatus { Normal, Deceased, Cancelled }

public enum MaritalStatus { Unmarried, Married, Divorced, Widowed }

public enum StudentStatus { Enrolled, Graduated, Transferred }

public sealed record Person(string IdNumber, string Name);

public sealed record ResidentVerification(bool Match, string? HukouDivision, ResidentStatus ResidentStatus);

public sealed record MaritalStatusRecord(MaritalStatus MaritalStatus);

public sealed record MarriageRegistration(string RegistryCode, Person PartyA, Person PartyB, string HubCaseId);

public sealed record MarriageCertificate(string CertificateNo);

/// <summary>marital.update; RegisteredOn is the registration's date in Beijing time.</summary>
public sealed record MaritalUpdate(
    string IdNumber, string Name, MaritalStatus MaritalStatus, string CertificateNo,
    string SpouseIdNumber, DateOnly RegisteredOn);

public sealed record BirthVerifyRequest(string CertificateNo, string ChildName, string MotherIdNumber);

public sealed record BirthVerification(bool Valid, DateOnly? BirthDate, Sex? Sex, bool Used);

public sealed record BirthCertificateUse(string CertificateNo, string HubCaseId);

public sealed record Newborn(string Name, Sex Sex, DateOnly BirthDate);

public sealed record NewbornRegistration(
    Newborn Child, Person Parent, string HouseholdDivision, string BirthCertificateNo, string HubCaseId);

public sealed record StudentRecord(
    string Name, string IdNumber, string SchoolCode, int Grade, StudentStatus StudentStatus);

public sealed record TransferOutRequest(string StudentNo, string TargetSchoolCode, string Reason, string HubCaseId);

public sealed record StudentEnrollment(string StudentNo, string SchoolCode, int Grade, string HubCaseId);

public sealed record TransferOutReference(string StudentNo, string TransferId);

/// <summary>The answer to a slow call: a province-issued ticket (Zhejiang ticket, Shanghai ticket, Jiangxi slbh, Anhui taskId).</summary>
public sealed record SlowTicket(string Ticket);

public enum SlowWorkState { Processing, Approved, Rejected }

/// <summary>
/// The result of slow work (ticket query or callback). Approved newborn registrations carry
/// IdNumber and HouseholdNo; approved transfers carry TransferId.
/// </summary>
/// <param name="IdNumberLookup">
/// The new ID number's keyed hash (the citizen index's), set where a result is kept with its number masked (a callback that
/// came before its ticket was recorded), so the child can still be indexed when the step completes. Never the number.
/// </param>
public sealed record SlowWorkResult(
    SlowWorkState State, string? Reason = null, string? IdNumber = null, string? HouseholdNo = null, string? TransferId = null,
    string? IdNumberLookup = null);

/// <summary>An acknowledgement with no data.</summary>
public sealed record Acknowledged
{
    public static readonly Acknowledged Instance = new();
}
