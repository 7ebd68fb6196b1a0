using Tongban.Sandbox.Population;
using Tongban.Sandbox.State;

namespace Tongban.Sandbox.Departments;

/// <summary>How a department answered: the wire layer of each province maps this to its own codes.</summary>
internal enum Outcome { Ok, Created, NotFound, Conflict }

internal readonly record struct Answer<T>(Outcome Outcome, T? Value)
{
    public static Answer<T> NotFound => new(Outcome.NotFound, default);
}

internal sealed record ResidentAnswer(bool Match, string HukouDivision, string ResidentStatus);

internal sealed record BirthAnswer(bool Valid, string BirthDate, string Sex, bool Used);

internal sealed record NewbornApplication(
    string ChildName, string ChildSex, DateOnly ChildBirthDate, string ParentIdNumber, string ParentName,
    string HouseholdDivision, string BirthCertificateNo, string HubCaseId);

/// <summary>
/// The canonical operations (contracts/provinces/README.md) as one province's departments perform them,
/// independent of that province's wire format. A province answers only about its own people.
/// </summary>
internal sealed class ProvinceDepartments(SandboxState state, string provinceCode)
{
    private Citizen? OwnCitizen(string idNumber) =>
        state.Population.Citizens.FirstOrDefault(c => c.IdNumber == idNumber && c.HukouProvince == provinceCode);

    private Student? OwnStudent(string studentNo) =>
        state.Population.Students.FirstOrDefault(s => s.StudentNo == studentNo && s.Province == provinceCode);

    private BirthCertificate? OwnCertificate(string certificateNo) =>
        state.Population.BirthCertificates.FirstOrDefault(b => b.CertificateNo == certificateNo && b.Province == provinceCode);

    // Divisions and school codes start with the province's two digits.
    private bool InProvince(string code) => code.Length >= 2 && code.AsSpan(0, 2).SequenceEqual(provinceCode.AsSpan(0, 2));

    public ResidentAnswer? VerifyResident(string idNumber, string name)
    {
        var citizen = OwnCitizen(idNumber);
        return citizen is null ? null : new ResidentAnswer(citizen.Name == name, citizen.HukouDivision, citizen.ResidentStatus);
    }

    /// <summary>Null when the ID is not this province's or the name does not go with it.</summary>
    public string? MaritalStatus(string idNumber, string name)
    {
        var citizen = OwnCitizen(idNumber);
        if (citizen is null || citizen.Name != name) return null;
        lock (state.Gate) return state.MaritalStatuses[idNumber];
    }

    /// <summary>Created with a new number, or Ok with the number already issued to this hub case.</summary>
    public Answer<string> RegisterMarriage(string registryCode, string partyAIdNumber, string partyBIdNumber, string hubCaseId)
    {
        lock (state.Gate)
        {
            if (state.MarriagesByCase.TryGetValue((provinceCode, hubCaseId), out var existing))
            {
                return new(Outcome.Ok, existing.CertificateNo);
            }
            var now = state.Time.GetUtcNow();
            var year = now.ToOffset(TimeSpan.FromHours(8)).Year;
            var certificateNo = $"J{provinceCode}-{year}-{state.Next($"marriage:{provinceCode}:{year}"):000000}";
            state.MarriagesByCase[(provinceCode, hubCaseId)] =
                new MarriageRecord(provinceCode, hubCaseId, certificateNo, registryCode, partyAIdNumber, partyBIdNumber, now);
            return new(Outcome.Created, certificateNo);
        }
    }

    /// <summary>Sets the status once per certificate; a repeat is acknowledged and only counted as a delivery.</summary>
    public Outcome UpdateMaritalStatus(
        string idNumber, string name, string maritalStatus, string certificateNo, string? spouseIdNumber, string? registeredOn)
    {
        var citizen = OwnCitizen(idNumber);
        if (citizen is null || citizen.Name != name) return Outcome.NotFound;
        lock (state.Gate)
        {
            var key = (idNumber, certificateNo);
            if (state.MaritalUpdatesByKey.TryGetValue(key, out var seen))
            {
                state.MaritalUpdatesByKey[key] = seen with { Deliveries = seen.Deliveries + 1 };
                return Outcome.Ok;
            }
            state.MaritalStatuses[idNumber] = maritalStatus;
            state.MaritalUpdatesByKey[key] = new MaritalUpdateRecord(
                provinceCode, idNumber, certificateNo, maritalStatus, spouseIdNumber, registeredOn, Effects: 1, Deliveries: 1);
            return Outcome.Ok;
        }
    }

    public BirthAnswer? VerifyBirth(string certificateNo, string childName, string motherIdNumber)
    {
        var certificate = OwnCertificate(certificateNo);
        if (certificate is null) return null;
        lock (state.Gate)
        {
            var valid = certificate.ChildName == childName && certificate.MotherIdNumber == motherIdNumber;
            return new BirthAnswer(valid, certificate.BirthDate, certificate.Sex, state.CertificateHolders[certificateNo] is not null);
        }
    }

    public Outcome MarkBirthUsed(string certificateNo, string hubCaseId)
    {
        if (OwnCertificate(certificateNo) is null) return Outcome.NotFound;
        lock (state.Gate)
        {
            var holder = state.CertificateHolders[certificateNo];
            if (holder is not null && holder != hubCaseId) return Outcome.Conflict;
            state.CertificateHolders[certificateNo] = hubCaseId;
            return Outcome.Ok;
        }
    }

    /// <summary>Frees the certificate only if this hub case holds it; otherwise a harmless acknowledgement.</summary>
    public Outcome ReleaseBirth(string certificateNo, string hubCaseId)
    {
        if (OwnCertificate(certificateNo) is null) return Outcome.NotFound;
        lock (state.Gate)
        {
            if (state.CertificateHolders[certificateNo] == hubCaseId)
            {
                state.CertificateHolders[certificateNo] = null;
                state.CertificateReleases[certificateNo] = state.CertificateReleases.GetValueOrDefault(certificateNo) + 1;
            }
            return Outcome.Ok;
        }
    }

    /// <summary>A ticket decided after <paramref name="delay"/>: approved with a new ID, or rejected.</summary>
    public Answer<TicketRecord> ApplyNewborn(NewbornApplication application, TimeSpan delay) =>
        OpenTicket(TicketTypes.NewbornRegistration, application.HubCaseId, delay, ticket =>
        {
            var parent = OwnCitizen(application.ParentIdNumber);
            if (parent is null) return Reject(ticket, "the parent has no hukou in this province");
            if (parent.Name != application.ParentName) return Reject(ticket, "the parent's name does not match the ID number");
            if (parent.ResidentStatus != "normal") return Reject(ticket, $"the parent's residence is {parent.ResidentStatus}");
            if (!InProvince(application.HouseholdDivision)) return Reject(ticket, "the household division is not in this province");
            var idNumber = IssueChildId(application);
            var householdNo = $"H{application.HouseholdDivision}{state.Next($"household:{provinceCode}"):000000}";
            return ticket with
            {
                State = TicketStates.Approved,
                Data = new Dictionary<string, string> { ["idNumber"] = idNumber, ["householdNo"] = householdNo },
            };
        });

    private string IssueChildId(NewbornApplication application)
    {
        var male = application.ChildSex == "male";
        for (var ordinal = 0; ; ordinal++)
        {
            var id = ResidentIdNumber.Issue(application.HouseholdDivision, application.ChildBirthDate, male, ordinal);
            if (state.MaritalStatuses.ContainsKey(id) || !state.IssuedIdNumbers.Add(id)) continue;
            return id;
        }
    }

    public Student? StudentRecord(string studentNo)
    {
        var student = OwnStudent(studentNo);
        if (student is null) return null;
        lock (state.Gate) return student with { Status = state.StudentStatuses[studentNo] };
    }

    /// <summary>Null result when the student is not this province's; else a ticket decided per the student's file.</summary>
    public Answer<TicketRecord> RequestTransferOut(string studentNo, string targetSchoolCode, string hubCaseId, TimeSpan delay)
    {
        var student = OwnStudent(studentNo);
        if (student is null) return Answer<TicketRecord>.NotFound;
        return OpenTicket(TicketTypes.TransferOut, hubCaseId, delay, ticket =>
        {
            if (state.StudentStatuses[studentNo] != "enrolled") return Reject(ticket, $"the student is {state.StudentStatuses[studentNo]}, not enrolled");
            if (student.TransferOutDecision != "approve") return Reject(ticket, "the source school declined the transfer");
            var transferId = $"T{provinceCode}-{state.Next($"transfer:{provinceCode}"):000000}";
            state.TransfersById[transferId] = new TransferRecord(
                transferId, provinceCode, studentNo, targetSchoolCode, hubCaseId, TransferStatuses.Approved);
            return ticket with { State = TicketStates.Approved, Data = new Dictionary<string, string> { ["transferId"] = transferId } };
        });
    }

    /// <summary>Records the enrolment at a school of this province; the same hub case again changes nothing.</summary>
    public Outcome Enroll(string studentNo, string schoolCode, int grade, string hubCaseId)
    {
        if (!InProvince(schoolCode)) return Outcome.NotFound;
        lock (state.Gate)
        {
            var key = (provinceCode, hubCaseId);
            if (state.EnrollmentsByCase.TryGetValue(key, out var seen))
            {
                if (seen.StudentNo != studentNo) return Outcome.Conflict;
                state.EnrollmentsByCase[key] = seen with { Deliveries = seen.Deliveries + 1 };
                return Outcome.Ok;
            }
            state.EnrollmentsByCase[key] = new EnrollmentRecord(provinceCode, hubCaseId, studentNo, schoolCode, grade, Deliveries: 1);
            return Outcome.Ok;
        }
    }

    public Outcome ConfirmTransfer(string studentNo, string transferId) =>
        MoveTransfer(studentNo, transferId, TransferStatuses.Confirmed, TransferStatuses.Cancelled);

    public Outcome CancelTransfer(string studentNo, string transferId) =>
        MoveTransfer(studentNo, transferId, TransferStatuses.Cancelled, TransferStatuses.Confirmed);

    private Outcome MoveTransfer(string studentNo, string transferId, string to, string incompatible)
    {
        lock (state.Gate)
        {
            if (!state.TransfersById.TryGetValue(transferId, out var transfer)
                || transfer.ProvinceCode != provinceCode || transfer.StudentNo != studentNo)
            {
                return Outcome.NotFound;
            }
            if (transfer.Status == incompatible) return Outcome.Conflict;
            if (transfer.Status == to) return Outcome.Ok;
            state.TransfersById[transferId] = transfer with { Status = to };
            if (to == TransferStatuses.Confirmed) state.StudentStatuses[studentNo] = "transferred";
            return Outcome.Ok;
        }
    }

    /// <summary>This province's ticket as it stands now, or null.</summary>
    public TicketRecord? Ticket(string ticket)
    {
        var found = state.Ticket(ticket);
        return found?.ProvinceCode == provinceCode ? found : null;
    }

    private Answer<TicketRecord> OpenTicket(string type, string hubCaseId, TimeSpan delay, Func<TicketRecord, TicketRecord> decide)
    {
        lock (state.Gate)
        {
            if (state.TicketsByCase.TryGetValue((provinceCode, type, hubCaseId), out var existingId))
            {
                TicketResolution.ResolveDue(state);
                return new(Outcome.Ok, state.TicketsById[existingId]);
            }
            var now = state.Time.GetUtcNow();
            var id = $"TK{provinceCode}-{state.Next($"ticket:{provinceCode}"):000000}";
            var ticket = new TicketRecord(id, provinceCode, type, hubCaseId, TicketStates.Processing, Reason: null,
                new Dictionary<string, string>(), now, now + delay);
            state.TicketsById[id] = ticket;
            state.TicketsByCase[(provinceCode, type, hubCaseId)] = id;
            state.PendingDecisions[id] = decide;
            TicketResolution.ResolveDue(state);
            return new(Outcome.Created, state.TicketsById[id]);
        }
    }

    private static TicketRecord Reject(TicketRecord ticket, string reason) =>
        ticket with { State = TicketStates.Rejected, Reason = reason };
}
