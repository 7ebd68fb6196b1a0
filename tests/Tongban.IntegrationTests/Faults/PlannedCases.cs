using System.Text.Json.Nodes;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Sandbox.Population;
using Tongban.Sandbox.State;
using CaseTypeNames = Tongban.Cases.CaseTypeNames;

namespace Tongban.IntegrationTests.Faults;

/// <summary>Why a planned marriage is refused (None: it completes).</summary>
public enum Refusal { None, Deceased, Married, Officer }

/// <summary>One case of a fault run: how to open it, how it must end, and what the provinces must show for it.</summary>
public abstract class PlannedCase
{
    public int Number { get; set; }

    public abstract string CaseType { get; }

    /// <summary>The province that handles the case and signs as its partner.</summary>
    public abstract string Handling { get; }

    /// <summary>Completed or Rejected.</summary>
    public abstract string Expected { get; }

    /// <summary>For a rejection: the reasons (prefixes) it may end with.</summary>
    public abstract IReadOnlyList<string> ExpectedReasons { get; }

    /// <summary>For a marriage: what the officer decides once its review waits.</summary>
    public virtual string? OfficerDecision => null;

    public string Key { get; } = Marriages.Key();

    /// <summary>The hub answered the officer's decision (202 or 409); until then a decision cut off by a fault is sent again.</summary>
    public bool DecisionAnswered { get; set; }

    /// <summary>The officer's decision was sent at least once (its answer may have been lost with the hub).</summary>
    public bool DecisionSent { get; set; }

    public string? CaseId { get; set; }

    public JsonNode? Final { get; set; }

    public DateTime? FinalAt { get; set; }

    public JsonNode? LastSeen { get; set; }

    /// <summary>What the watcher saw that a case should never show.</summary>
    public List<string> Anomalies { get; } = [];

    public abstract object Body();

    /// <summary>Checks the provinces' side of this final case; adds what is wrong to <paramref name="findings"/>.</summary>
    public abstract void CheckEffects(SandboxStateSnapshot state, Func<string, string?> studentStatus, Findings findings);

    public override string ToString() => $"case {Number} {CaseType} ({CaseId ?? "never opened"}, {Handling}, expected {Expected})";

    protected string? Outcome(string field) => Final?["outcome"]?[field]?.ToString();
}

/// <summary>A man and a woman of different provinces; <paramref name="manMayMarry"/>: he is also in a completing couple.</summary>
public sealed class PlannedMarriage(Citizen man, Citizen woman, bool byMan, Refusal refusal, bool manMayMarry) : PlannedCase
{
    private Citizen Handler => byMan ? man : woman;

    public Marriages.Citizen Man => Party(man);

    public Marriages.Citizen Woman => Party(woman);

    public override string CaseType => CaseTypeNames.Marriage;

    public override string Handling => Handler.HukouProvince;

    public override string Expected => refusal == Refusal.None ? "Completed" : "Rejected";

    public override IReadOnlyList<string> ExpectedReasons => refusal switch
    {
        Refusal.None => [],
        // A woman who is also in a completing couple may be married by the time this case verifies her; so may the man.
        Refusal.Deceased => [.. Reasons("partyB.deceased", woman.MaritalStatus == "married")],
        Refusal.Married => [.. Reasons("partyB.married", false)],
        _ => [.. Reasons("review-rejected", false), "partyB.married"],
    };

    private IEnumerable<string> Reasons(string reason, bool womanMarried)
    {
        yield return reason;
        if (womanMarried) yield return "partyB.married";
        if (manMayMarry) yield return "partyA.married";
    }

    public override string? OfficerDecision => refusal == Refusal.Officer ? "reject" : "approve";

    public override object Body() => Marriages.Body(Handling, Handler.HukouDivision, Party(man), Party(woman), "FAULT-" + Number);

    private static Marriages.Citizen Party(Citizen c) => new(c.IdNumber, c.Name, c.HukouProvince);

    public override void CheckEffects(SandboxStateSnapshot state, Func<string, string?> studentStatus, Findings findings)
    {
        var marriages = state.Marriages.Where(m => m.HubCaseId == CaseId).ToList();
        if (Expected != "Completed")
        {
            if (marriages.Count > 0) findings.Incorrect(this, $"rejected but {marriages.Count} marriages registered");
            return;
        }

        if (marriages.Count > 1) findings.Duplicate(this, $"{marriages.Count} marriages registered", marriages.Count - 1);
        if (marriages.Count == 0) { findings.Incorrect(this, "no marriage registered"); return; }
        var marriage = marriages[0];
        if (marriage.ProvinceCode != Handling) findings.Incorrect(this, $"registered at {marriage.ProvinceCode}");
        if ((marriage.PartyAIdNumber, marriage.PartyBIdNumber) != (man.IdNumber, woman.IdNumber)) findings.Incorrect(this, "registered another couple");
        if (Outcome("certificateNo") != marriage.CertificateNo) findings.Incorrect(this, $"outcome certificate {Outcome("certificateNo")}, registered {marriage.CertificateNo}");
        foreach (var person in new[] { man, woman })
        {
            var updates = state.MaritalUpdates.Where(u => u.IdNumber == person.IdNumber && u.CertificateNo == marriage.CertificateNo).ToList();
            if (updates.Count == 0) findings.Incorrect(this, $"no marital update at {person.HukouProvince}");
            foreach (var update in updates.Where(u => u.Effects != 1)) findings.Duplicate(this, $"marital update effects {update.Effects} at {person.HukouProvince}", update.Effects - 1);
        }
    }
}

public sealed class PlannedNewborn(BirthCertificate certificate, Citizen mother) : PlannedCase
{
    public override string CaseType => CaseTypeNames.Newborn;

    /// <summary>Registered with the mother, in her hukou province (every certificate's mother lives outside its birth province).</summary>
    public override string Handling => mother.HukouProvince;

    public override string Expected => certificate.Used ? "Rejected" : "Completed";

    public override IReadOnlyList<string> ExpectedReasons => certificate.Used ? ["birth-certificate.used", "birth-certificate.held"] : [];

    public override object Body() => Newborns.WithMother(new Newborns.Certificate(
        certificate.CertificateNo, certificate.Province, certificate.ChildName, certificate.Sex, certificate.BirthDate,
        new Newborns.Parent(mother.IdNumber, mother.Name, mother.HukouProvince, mother.HukouDivision)));

    public override void CheckEffects(SandboxStateSnapshot state, Func<string, string?> studentStatus, Findings findings)
    {
        var usage = state.CertificateUsage.Single(u => u.CertificateNo == certificate.CertificateNo);
        if (usage.Releases != 0) findings.Incorrect(this, $"certificate released {usage.Releases} times");
        var tickets = state.Tickets.Where(t => t.HubCaseId == CaseId).ToList();
        if (certificate.Used)
        {
            if (usage.HeldBy != SandboxState.PreexistingHolder) findings.Incorrect(this, $"the used certificate is now held by {usage.HeldBy}");
            if (tickets.Count > 0) findings.Incorrect(this, $"rejected but {tickets.Count} registrations asked for");
            return;
        }

        if (usage.HeldBy != CaseId) findings.Incorrect(this, $"certificate held by {usage.HeldBy ?? "nobody"}");
        if (tickets.Count > 1) findings.Duplicate(this, $"{tickets.Count} registrations at the police", tickets.Count - 1);
        if (tickets.Count == 0) { findings.Incorrect(this, "no registration at the police"); return; }
        var ticket = tickets[0];
        if ((ticket.ProvinceCode, ticket.Type, ticket.State) != (Handling, TicketTypes.NewbornRegistration, TicketStates.Approved))
        {
            findings.Incorrect(this, $"registration {ticket.ProvinceCode}/{ticket.Type}/{ticket.State}");
        }
        else if (ticket.Data.GetValueOrDefault("householdNo") != Outcome("householdNo"))
        {
            findings.Incorrect(this, $"outcome household {Outcome("householdNo")}, registered {ticket.Data.GetValueOrDefault("householdNo")}");
        }
    }
}

public sealed class PlannedTransfer(Student student, string target) : PlannedCase
{
    public override string CaseType => CaseTypeNames.SchoolTransfer;

    public override string Handling => target;

    public override string Expected => student.Status == "enrolled" && student.TransferOutDecision == "approve" ? "Completed" : "Rejected";

    public override IReadOnlyList<string> ExpectedReasons => student.Status != "enrolled" ? ["student.graduated"]
        : student.TransferOutDecision != "approve" ? ["transfer-refused"] : [];

    public override object Body() => Students.Body(new Students.Student(student.IdNumber, student.Name, student.Province, student.SchoolCode, student.Grade), target);

    public override void CheckEffects(SandboxStateSnapshot state, Func<string, string?> studentStatus, Findings findings)
    {
        var enrollments = state.Enrollments.Where(e => e.HubCaseId == CaseId).ToList();
        var transfers = state.Transfers.Where(t => t.HubCaseId == CaseId).ToList();
        var tickets = state.Tickets.Where(t => t.HubCaseId == CaseId).ToList();
        var status = studentStatus(student.StudentNo);
        if (tickets.Count > 1) findings.Duplicate(this, $"{tickets.Count} transfer-out requests", tickets.Count - 1);
        if (Expected != "Completed")
        {
            if (enrollments.Count + transfers.Count > 0) findings.Incorrect(this, $"rejected but {enrollments.Count} enrolments, {transfers.Count} transfers-out");
            if (status != student.Status) findings.Incorrect(this, $"student now {status}");
            if (student.Status != "enrolled" && tickets.Count > 0) findings.Incorrect(this, "a transfer-out asked for a graduate");
            return;
        }

        if (enrollments.Count > 1) findings.Duplicate(this, $"{enrollments.Count} enrolments", enrollments.Count - 1);
        if (transfers.Count > 1) findings.Duplicate(this, $"{transfers.Count} transfers-out", transfers.Count - 1);
        if (enrollments.Count == 0 || transfers.Count == 0) { findings.Incorrect(this, $"{enrollments.Count} enrolments, {transfers.Count} transfers-out"); return; }
        var (enrollment, transfer) = (enrollments[0], transfers[0]);
        if ((enrollment.ProvinceCode, enrollment.StudentNo, enrollment.SchoolCode) != (target, student.StudentNo, Students.TargetSchool(target)))
        {
            findings.Incorrect(this, $"enrolled {enrollment.StudentNo} at {enrollment.ProvinceCode}/{enrollment.SchoolCode}");
        }

        if ((transfer.ProvinceCode, transfer.Status, transfer.TransferId) != (student.Province, TransferStatuses.Confirmed, Outcome("transferId")))
        {
            findings.Incorrect(this, $"transfer-out {transfer.TransferId} at {transfer.ProvinceCode} {transfer.Status}, outcome {Outcome("transferId")}");
        }

        if (status != "transferred") findings.Incorrect(this, $"student {status}, not transferred");
    }
}
