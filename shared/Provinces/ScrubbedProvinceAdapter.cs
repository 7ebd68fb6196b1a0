namespace Tongban.Provinces;

/// <summary>
/// Every adapter as <see cref="ProvinceRegistry"/> hands it out: the one place where text a province wrote is scrubbed
/// of ID numbers (<see cref="ProvinceText"/>) before anything else sees it: answer reasons, slow-work reasons, and the
/// messages of transient and defect faults (which reach step details, the circuit's log and the poller's log).
/// Names cannot be masked here, since the adapter does not know whose case it serves: the step layer
/// (<see cref="Workflows.Dispatch.ProvinceStepInvoker"/>), which holds the decrypted case, masks its people's names.
/// </summary>
public sealed class ScrubbedProvinceAdapter(IProvinceAdapter inner) : IProvinceAdapter
{
    public string ProvinceCode => inner.ProvinceCode;

    public SlowWorkCompletion SlowWork => inner.SlowWork;

    public Task<ProvinceAnswer<ResidentVerification>> VerifyResidentAsync(Person person, CancellationToken ct) =>
        ScrubAsync(() => inner.VerifyResidentAsync(person, ct));

    public Task<ProvinceAnswer<MaritalStatusRecord>> GetMaritalStatusAsync(Person person, CancellationToken ct) =>
        ScrubAsync(() => inner.GetMaritalStatusAsync(person, ct));

    public Task<ProvinceAnswer<MarriageCertificate>> RegisterMarriageAsync(MarriageRegistration request, CancellationToken ct) =>
        ScrubAsync(() => inner.RegisterMarriageAsync(request, ct));

    public Task<ProvinceAnswer<Acknowledged>> UpdateMaritalStatusAsync(MaritalUpdate request, CancellationToken ct) =>
        ScrubAsync(() => inner.UpdateMaritalStatusAsync(request, ct));

    public Task<ProvinceAnswer<BirthVerification>> VerifyBirthAsync(BirthVerifyRequest request, CancellationToken ct) =>
        ScrubAsync(() => inner.VerifyBirthAsync(request, ct));

    public Task<ProvinceAnswer<Acknowledged>> MarkBirthCertificateUsedAsync(BirthCertificateUse request, CancellationToken ct) =>
        ScrubAsync(() => inner.MarkBirthCertificateUsedAsync(request, ct));

    public Task<ProvinceAnswer<Acknowledged>> ReleaseBirthCertificateAsync(BirthCertificateUse request, CancellationToken ct) =>
        ScrubAsync(() => inner.ReleaseBirthCertificateAsync(request, ct));

    public Task<ProvinceAnswer<SlowTicket>> RegisterNewbornAsync(NewbornRegistration request, CancellationToken ct) =>
        ScrubAsync(() => inner.RegisterNewbornAsync(request, ct));

    public Task<ProvinceAnswer<StudentRecord>> GetStudentRecordAsync(string studentNo, CancellationToken ct) =>
        ScrubAsync(() => inner.GetStudentRecordAsync(studentNo, ct));

    public Task<ProvinceAnswer<SlowTicket>> RequestTransferOutAsync(TransferOutRequest request, CancellationToken ct) =>
        ScrubAsync(() => inner.RequestTransferOutAsync(request, ct));

    public Task<ProvinceAnswer<Acknowledged>> EnrollStudentAsync(StudentEnrollment request, CancellationToken ct) =>
        ScrubAsync(() => inner.EnrollStudentAsync(request, ct));

    public Task<ProvinceAnswer<Acknowledged>> ConfirmTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        ScrubAsync(() => inner.ConfirmTransferOutAsync(request, ct));

    public Task<ProvinceAnswer<Acknowledged>> CancelTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        ScrubAsync(() => inner.CancelTransferOutAsync(request, ct));

    public Task<ProvinceAnswer<SlowWorkResult>> QueryTicketAsync(SlowTicket ticket, CancellationToken ct) =>
        ScrubAsync(() => inner.QueryTicketAsync(ticket, ct), Scrub);

    /// <summary>A slow-work result's reason is the province's text; its ID number and household number are data the case needs.</summary>
    public static SlowWorkResult Scrub(SlowWorkResult result) =>
        result.Reason is null ? result : result with { Reason = ProvinceText.Scrub(result.Reason) };

    private static async Task<ProvinceAnswer<T>> ScrubAsync<T>(Func<Task<ProvinceAnswer<T>>> call, Func<T, T>? scrubValue = null)
    {
        ProvinceAnswer<T> answer;
        try
        {
            answer = await call();
        }
        catch (ProvinceTransientException e) when (ProvinceText.Scrub(e.Message) != e.Message)
        {
            throw e.Reworded(ProvinceText.Scrub(e.Message)!);
        }
        catch (ProvinceDefectException e) when (ProvinceText.Scrub(e.Message) != e.Message)
        {
            throw e.Reworded(ProvinceText.Scrub(e.Message)!);
        }

        var value = answer.Value is { } v && scrubValue is not null ? scrubValue(v) : answer.Value;
        return answer with { Reason = ProvinceText.Scrub(answer.Reason), Value = value };
    }
}
