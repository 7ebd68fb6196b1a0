namespace Tongban.Sandbox.Shanghai;

// Shanghai's JSON request bodies (contracts/provinces/shanghai.md); every field nullable so a missing one is a 400, not a crash.

public sealed record ShanghaiPerson(string? IdNumber, string? Name);

public sealed record ShanghaiMarriageBody(string? RegistryCode, ShanghaiPerson? PartyA, ShanghaiPerson? PartyB, string? HubCaseId);

public sealed record ShanghaiMaritalStatusBody(string? Name, string? Status, string? CertificateNo, string? SpouseIdNumber, string? RegisteredOn);

public sealed record ShanghaiUsageBody(string? HubCaseId);

public sealed record ShanghaiChild(string? Name, string? Sex, string? BirthDate);

public sealed record ShanghaiNewbornBody(
    ShanghaiChild? Child, ShanghaiPerson? Parent, string? HouseholdDivision, string? BirthCertificateNo, string? HubCaseId);

public sealed record ShanghaiTransferOutBody(string? TargetSchoolCode, string? Reason, string? HubCaseId);

public sealed record ShanghaiEnrollmentBody(string? SchoolCode, int? Grade, string? HubCaseId);
