namespace Tongban.Provinces;

/// <summary>How a province finishes slow work.</summary>
public enum SlowWorkCompletion
{
    /// <summary>The hub polls <see cref="IProvinceAdapter.QueryTicketAsync"/> (Zhejiang, Jiangxi, Anhui).</summary>
    Polling,
    /// <summary>The province calls the hub back (Shanghai).</summary>
    Callback,
}

/// <summary>
/// One province's systems, spoken in the hub's canonical operations. Business answers come back as
/// <see cref="ProvinceAnswer{T}"/>; transient faults throw <see cref="ProvinceTransientException"/>;
/// defects throw <see cref="ProvinceDefectException"/>. Every call may be sent more than once:
/// changes carry hubCaseId (or another key) so the province deduplicates.
/// </summary>
public interface IProvinceAdapter
{
    string ProvinceCode { get; }

    SlowWorkCompletion SlowWork { get; }

    Task<ProvinceAnswer<ResidentVerification>> VerifyResidentAsync(Person person, CancellationToken ct);

    Task<ProvinceAnswer<MaritalStatusRecord>> GetMaritalStatusAsync(Person person, CancellationToken ct);

    Task<ProvinceAnswer<MarriageCertificate>> RegisterMarriageAsync(MarriageRegistration request, CancellationToken ct);

    Task<ProvinceAnswer<Acknowledged>> UpdateMaritalStatusAsync(MaritalUpdate request, CancellationToken ct);

    Task<ProvinceAnswer<BirthVerification>> VerifyBirthAsync(BirthVerifyRequest request, CancellationToken ct);

    Task<ProvinceAnswer<Acknowledged>> MarkBirthCertificateUsedAsync(BirthCertificateUse request, CancellationToken ct);

    Task<ProvinceAnswer<Acknowledged>> ReleaseBirthCertificateAsync(BirthCertificateUse request, CancellationToken ct);

    Task<ProvinceAnswer<SlowTicket>> RegisterNewbornAsync(NewbornRegistration request, CancellationToken ct);

    Task<ProvinceAnswer<StudentRecord>> GetStudentRecordAsync(string studentNo, CancellationToken ct);

    Task<ProvinceAnswer<SlowTicket>> RequestTransferOutAsync(TransferOutRequest request, CancellationToken ct);

    Task<ProvinceAnswer<Acknowledged>> EnrollStudentAsync(StudentEnrollment request, CancellationToken ct);

    Task<ProvinceAnswer<Acknowledged>> ConfirmTransferOutAsync(TransferOutReference request, CancellationToken ct);

    Task<ProvinceAnswer<Acknowledged>> CancelTransferOutAsync(TransferOutReference request, CancellationToken ct);

    /// <summary>Polls slow work (Polling provinces only; a Callback province throws NotSupportedException).</summary>
    Task<ProvinceAnswer<SlowWorkResult>> QueryTicketAsync(SlowTicket ticket, CancellationToken ct);
}
