namespace Tongban.Provinces.Resilience;

/// <summary>
/// An adapter whose every call goes through its province's circuit (<see cref="ProvinceCircuit"/>): the
/// breaker counts what the adapter reports as transient, and parks calls while the province is down.
/// </summary>
public sealed class ProtectedProvinceAdapter(IProvinceAdapter inner, ProvinceCircuit circuit) : IProvinceAdapter
{
    public string ProvinceCode => inner.ProvinceCode;

    public SlowWorkCompletion SlowWork => inner.SlowWork;

    public Task<ProvinceAnswer<ResidentVerification>> VerifyResidentAsync(Person person, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.ResidentVerify, t => inner.VerifyResidentAsync(person, t), ct);

    public Task<ProvinceAnswer<MaritalStatusRecord>> GetMaritalStatusAsync(Person person, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.MaritalStatus, t => inner.GetMaritalStatusAsync(person, t), ct);

    public Task<ProvinceAnswer<MarriageCertificate>> RegisterMarriageAsync(MarriageRegistration request, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.MarriageRegister, t => inner.RegisterMarriageAsync(request, t), ct);

    public Task<ProvinceAnswer<Acknowledged>> UpdateMaritalStatusAsync(MaritalUpdate request, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.MaritalUpdate, t => inner.UpdateMaritalStatusAsync(request, t), ct);

    public Task<ProvinceAnswer<BirthVerification>> VerifyBirthAsync(BirthVerifyRequest request, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.BirthVerify, t => inner.VerifyBirthAsync(request, t), ct);

    public Task<ProvinceAnswer<Acknowledged>> MarkBirthCertificateUsedAsync(BirthCertificateUse request, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.BirthMarkUsed, t => inner.MarkBirthCertificateUsedAsync(request, t), ct);

    public Task<ProvinceAnswer<Acknowledged>> ReleaseBirthCertificateAsync(BirthCertificateUse request, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.BirthRelease, t => inner.ReleaseBirthCertificateAsync(request, t), ct);

    public Task<ProvinceAnswer<SlowTicket>> RegisterNewbornAsync(NewbornRegistration request, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.NewbornRegister, t => inner.RegisterNewbornAsync(request, t), ct);

    public Task<ProvinceAnswer<StudentRecord>> GetStudentRecordAsync(string studentNo, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.StudentRecord, t => inner.GetStudentRecordAsync(studentNo, t), ct);

    public Task<ProvinceAnswer<SlowTicket>> RequestTransferOutAsync(TransferOutRequest request, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.TransferOutRequest, t => inner.RequestTransferOutAsync(request, t), ct);

    public Task<ProvinceAnswer<Acknowledged>> EnrollStudentAsync(StudentEnrollment request, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.StudentEnroll, t => inner.EnrollStudentAsync(request, t), ct);

    public Task<ProvinceAnswer<Acknowledged>> ConfirmTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.TransferOutConfirm, t => inner.ConfirmTransferOutAsync(request, t), ct);

    public Task<ProvinceAnswer<Acknowledged>> CancelTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        circuit.ExecuteAsync(CanonicalOperations.TransferOutCancel, t => inner.CancelTransferOutAsync(request, t), ct);

    // Polling provinces only; Shanghai's adapter refuses this at once, before the circuit is consulted.
    public Task<ProvinceAnswer<SlowWorkResult>> QueryTicketAsync(SlowTicket ticket, CancellationToken ct) =>
        inner.SlowWork == SlowWorkCompletion.Polling
            ? circuit.ExecuteAsync(CanonicalOperations.TicketQuery, t => inner.QueryTicketAsync(ticket, t), ct)
            : inner.QueryTicketAsync(ticket, ct);
}
