namespace Tongban.Sandbox.State;

// Snapshots of what the simulated provinces have done, for tests and the /_sandbox/state surface.

public sealed record MarriageRecord(
    string ProvinceCode, string HubCaseId, string CertificateNo, string RegistryCode,
    string PartyAIdNumber, string PartyBIdNumber, DateTimeOffset RegisteredAt);

/// <summary>One marital.update per person and certificate: <see cref="Effects"/> stays 1 however often it is delivered.</summary>
public sealed record MaritalUpdateRecord(
    string ProvinceCode, string IdNumber, string CertificateNo, string MaritalStatus,
    string? SpouseIdNumber, string? RegisteredOn, int Effects, int Deliveries);

/// <summary>A birth certificate's usage; <see cref="HeldBy"/> is the hub case that marked it used (or "(before the sandbox)").</summary>
public sealed record CertificateUsage(string CertificateNo, string ProvinceCode, string? HeldBy, int Releases);

public static class TicketTypes
{
    public const string NewbornRegistration = "newborn-registration";
    public const string TransferOut = "transfer-out";
}

public static class TicketStates
{
    public const string Processing = "processing";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
}

public sealed record TicketRecord(
    string Ticket, string ProvinceCode, string Type, string HubCaseId, string State, string? Reason,
    IReadOnlyDictionary<string, string> Data, DateTimeOffset CreatedAt, DateTimeOffset DueAt)
{
    public bool IsFinal => State != TicketStates.Processing;
}

public sealed record EnrollmentRecord(
    string ProvinceCode, string HubCaseId, string StudentNo, string SchoolCode, int Grade, int Deliveries);

public static class TransferStatuses
{
    public const string Approved = "approved";
    public const string Confirmed = "confirmed";
    public const string Cancelled = "cancelled";
}

public sealed record TransferRecord(
    string TransferId, string ProvinceCode, string StudentNo, string TargetSchoolCode, string HubCaseId, string Status);

/// <summary>One attempt to deliver a Shanghai callback; <see cref="StatusCode"/> is null when no answer came.</summary>
public sealed record CallbackDelivery(string Ticket, int Delivery, int Attempt, int? StatusCode, DateTimeOffset At);

public sealed record SandboxStateSnapshot(
    IReadOnlyDictionary<string, string> MaritalStatuses,
    IReadOnlyList<MarriageRecord> Marriages,
    IReadOnlyList<MaritalUpdateRecord> MaritalUpdates,
    IReadOnlyList<CertificateUsage> CertificateUsage,
    IReadOnlyList<TicketRecord> Tickets,
    IReadOnlyList<EnrollmentRecord> Enrollments,
    IReadOnlyList<TransferRecord> Transfers,
    IReadOnlyList<CallbackDelivery> CallbackDeliveries);
