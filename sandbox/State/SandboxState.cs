using Tongban.Sandbox.Population;

namespace Tongban.Sandbox.State;

/// <summary>
/// The simulated provinces' shared world: the population as it changes, and a record of every effect,
/// so tests can prove what happened and that it happened once. One lock guards it all; a sandbox
/// is not a throughput test.
/// </summary>
public sealed class SandboxState
{
    internal SandboxState(SandboxPopulation population, TimeProvider time)
    {
        Population = population;
        Time = time;
        foreach (var citizen in population.Citizens) MaritalStatuses[citizen.IdNumber] = citizen.MaritalStatus;
        foreach (var certificate in population.BirthCertificates)
        {
            CertificateHolders[certificate.CertificateNo] = certificate.Used ? PreexistingHolder : null;
        }
        foreach (var student in population.Students) StudentStatuses[student.StudentNo] = student.Status;
    }

    /// <summary>Holder of certificates the population file already marks used.</summary>
    public const string PreexistingHolder = "(before the sandbox)";

    internal Lock Gate { get; } = new();
    internal SandboxPopulation Population { get; }
    internal TimeProvider Time { get; }

    internal Dictionary<string, string> MaritalStatuses { get; } = new(StringComparer.Ordinal);
    internal Dictionary<(string Province, string HubCaseId), MarriageRecord> MarriagesByCase { get; } = [];
    internal Dictionary<(string IdNumber, string CertificateNo), MaritalUpdateRecord> MaritalUpdatesByKey { get; } = [];
    internal Dictionary<string, string?> CertificateHolders { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, int> CertificateReleases { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, TicketRecord> TicketsById { get; } = new(StringComparer.Ordinal);
    internal Dictionary<(string Province, string Type, string HubCaseId), string> TicketsByCase { get; } = [];
    internal Dictionary<(string Province, string HubCaseId), EnrollmentRecord> EnrollmentsByCase { get; } = [];
    internal Dictionary<string, TransferRecord> TransfersById { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, string> StudentStatuses { get; } = new(StringComparer.Ordinal);
    internal HashSet<string> IssuedIdNumbers { get; } = new(StringComparer.Ordinal);
    /// <summary>How each processing ticket decides once due (runs under <see cref="Gate"/>).</summary>
    internal Dictionary<string, Func<TicketRecord, TicketRecord>> PendingDecisions { get; } = new(StringComparer.Ordinal);
    internal List<CallbackDelivery> Deliveries { get; } = [];
    internal Dictionary<string, int> Sequences { get; } = new(StringComparer.Ordinal);

    internal int Next(string sequence)
    {
        var next = Sequences.GetValueOrDefault(sequence) + 1;
        Sequences[sequence] = next;
        return next;
    }

    /// <summary>The person's current marital status, or null when no province knows the ID.</summary>
    public string? MaritalStatusOf(string idNumber)
    {
        lock (Gate) return MaritalStatuses.GetValueOrDefault(idNumber);
    }

    public IReadOnlyList<MarriageRecord> Marriages
    {
        get { lock (Gate) return [.. MarriagesByCase.Values.OrderBy(m => m.CertificateNo, StringComparer.Ordinal)]; }
    }

    public MarriageRecord? MarriageForCase(string provinceCode, string hubCaseId)
    {
        lock (Gate) return MarriagesByCase.GetValueOrDefault((provinceCode, hubCaseId));
    }

    public IReadOnlyList<MaritalUpdateRecord> MaritalUpdates
    {
        get { lock (Gate) return [.. MaritalUpdatesByKey.Values]; }
    }

    /// <summary>The marital.update applied for this person and certificate, or null if none arrived.</summary>
    public MaritalUpdateRecord? MaritalUpdate(string idNumber, string certificateNo)
    {
        lock (Gate) return MaritalUpdatesByKey.GetValueOrDefault((idNumber, certificateNo));
    }

    /// <summary>The hub case holding the certificate, or null when it is unused (or unknown).</summary>
    public string? CertificateHolder(string certificateNo)
    {
        lock (Gate) return CertificateHolders.GetValueOrDefault(certificateNo);
    }

    public IReadOnlyList<TicketRecord> Tickets
    {
        get
        {
            lock (Gate)
            {
                TicketResolution.ResolveDue(this);
                return [.. TicketsById.Values.OrderBy(t => t.CreatedAt)];
            }
        }
    }

    /// <summary>The ticket as it stands now: final once its slow-work delay has passed.</summary>
    public TicketRecord? Ticket(string ticket)
    {
        lock (Gate)
        {
            TicketResolution.ResolveDue(this);
            return TicketsById.GetValueOrDefault(ticket);
        }
    }

    public IReadOnlyList<EnrollmentRecord> Enrollments
    {
        get { lock (Gate) return [.. EnrollmentsByCase.Values]; }
    }

    public IReadOnlyList<TransferRecord> Transfers
    {
        get { lock (Gate) return [.. TransfersById.Values]; }
    }

    public string? StudentStatus(string studentNo)
    {
        lock (Gate) return StudentStatuses.GetValueOrDefault(studentNo);
    }

    public IReadOnlyList<CallbackDelivery> CallbackDeliveries
    {
        get { lock (Gate) return [.. Deliveries]; }
    }

    internal void RecordDelivery(CallbackDelivery delivery)
    {
        lock (Gate) Deliveries.Add(delivery);
    }

    public SandboxStateSnapshot Snapshot()
    {
        lock (Gate)
        {
            TicketResolution.ResolveDue(this);
            return new SandboxStateSnapshot(
                new Dictionary<string, string>(MaritalStatuses, StringComparer.Ordinal),
                [.. MarriagesByCase.Values],
                [.. MaritalUpdatesByKey.Values],
                [.. CertificateHolders.Select(c => new CertificateUsage(
                    c.Key,
                    Population.BirthCertificates.First(b => b.CertificateNo == c.Key).Province,
                    c.Value,
                    CertificateReleases.GetValueOrDefault(c.Key)))],
                [.. TicketsById.Values.OrderBy(t => t.CreatedAt)],
                [.. EnrollmentsByCase.Values],
                [.. TransfersById.Values],
                [.. Deliveries]);
        }
    }
}
