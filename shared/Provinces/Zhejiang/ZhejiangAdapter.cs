using static Tongban.Provinces.Zhejiang.ZhejiangMessages;

namespace Tongban.Provinces.Zhejiang;

/// <summary>
/// Zhejiang (330000): form posts to a token gateway, MD5 signs, a <c>code</c> in every body (zhejiang.md). Each
/// operation is one service call of the gateway (<see cref="ZhejiangGateway"/>), its form fields named as the spec
/// names them and its data read by <see cref="ZhejiangMessages"/>. The requestSecret is cached per instance.
/// </summary>
public sealed class ZhejiangAdapter : IProvinceAdapter, IDisposable
{
    public const string SchemeName = "zj-gateway";

    private readonly ZhejiangGateway gateway;

    public ZhejiangAdapter(ProvinceEndpoint endpoint, HttpClient http, TimeProvider time)
    {
        gateway = new ZhejiangGateway(endpoint, http, time);
        ProvinceCode = endpoint.Code;
    }

    public string ProvinceCode { get; }

    public SlowWorkCompletion SlowWork => SlowWorkCompletion.Polling;

    public Task<ProvinceAnswer<ResidentVerification>> VerifyResidentAsync(Person person, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.ResidentVerify, PersonForm(person), ZhejiangMessages.ResidentVerification, ct);

    public Task<ProvinceAnswer<MaritalStatusRecord>> GetMaritalStatusAsync(Person person, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.MaritalStatusQuery, PersonForm(person), ZhejiangMessages.MaritalStatusRecord, ct);

    public Task<ProvinceAnswer<MarriageCertificate>> RegisterMarriageAsync(MarriageRegistration request, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.MarriageRegister,
            [
                new("registryCode", request.RegistryCode),
                new("partyAIdNumber", request.PartyA.IdNumber), new("partyAName", request.PartyA.Name),
                new("partyBIdNumber", request.PartyB.IdNumber), new("partyBName", request.PartyB.Name),
                new("hubCaseId", request.HubCaseId),
            ],
            ZhejiangMessages.MarriageCertificate, ct);

    public Task<ProvinceAnswer<Acknowledged>> UpdateMaritalStatusAsync(MaritalUpdate request, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.MaritalStatusUpdate,
            [
                new("idNumber", request.IdNumber), new("name", request.Name),
                new("maritalStatus", Wire(request.MaritalStatus)), new("certificateNo", request.CertificateNo),
                new("spouseIdNumber", request.SpouseIdNumber), new("registeredOn", Wire(request.RegisteredOn)),
            ],
            Ack, ct);

    public Task<ProvinceAnswer<BirthVerification>> VerifyBirthAsync(BirthVerifyRequest request, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.BirthVerify,
            [new("certificateNo", request.CertificateNo), new("childName", request.ChildName), new("motherIdNumber", request.MotherIdNumber)],
            ZhejiangMessages.BirthVerification, ct);

    public Task<ProvinceAnswer<Acknowledged>> MarkBirthCertificateUsedAsync(BirthCertificateUse request, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.BirthMarkUsed, CertificateUseForm(request), Ack, ct);

    public Task<ProvinceAnswer<Acknowledged>> ReleaseBirthCertificateAsync(BirthCertificateUse request, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.BirthRelease, CertificateUseForm(request), Ack, ct);

    public Task<ProvinceAnswer<SlowTicket>> RegisterNewbornAsync(NewbornRegistration request, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.NewbornApply,
            [
                new("childName", request.Child.Name), new("childSex", Wire(request.Child.Sex)),
                new("childBirthDate", Wire(request.Child.BirthDate)),
                new("parentIdNumber", request.Parent.IdNumber), new("parentName", request.Parent.Name),
                new("householdDivision", request.HouseholdDivision), new("birthCertificateNo", request.BirthCertificateNo),
                new("hubCaseId", request.HubCaseId),
            ],
            ZhejiangMessages.SlowTicket(ZhejiangServiceCodes.NewbornApply), ct);

    public Task<ProvinceAnswer<StudentRecord>> GetStudentRecordAsync(string studentNo, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.StudentQuery, [new("studentNo", studentNo)], ZhejiangMessages.StudentRecord, ct);

    public Task<ProvinceAnswer<SlowTicket>> RequestTransferOutAsync(TransferOutRequest request, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.TransferOutApply,
            [
                new("studentNo", request.StudentNo), new("targetSchoolCode", request.TargetSchoolCode),
                new("reason", request.Reason), new("hubCaseId", request.HubCaseId),
            ],
            ZhejiangMessages.SlowTicket(ZhejiangServiceCodes.TransferOutApply), ct);

    public Task<ProvinceAnswer<Acknowledged>> EnrollStudentAsync(StudentEnrollment request, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.StudentEnroll,
            [
                new("studentNo", request.StudentNo), new("schoolCode", request.SchoolCode),
                new("grade", Wire(request.Grade)), new("hubCaseId", request.HubCaseId),
            ],
            Ack, ct);

    public Task<ProvinceAnswer<Acknowledged>> ConfirmTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.TransferOutConfirm, TransferOutForm(request), Ack, ct);

    public Task<ProvinceAnswer<Acknowledged>> CancelTransferOutAsync(TransferOutReference request, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.TransferOutCancel, TransferOutForm(request), Ack, ct);

    public Task<ProvinceAnswer<SlowWorkResult>> QueryTicketAsync(SlowTicket ticket, CancellationToken ct) =>
        gateway.CallAsync(ZhejiangServiceCodes.TicketQuery, [new("ticket", ticket.Ticket)], ZhejiangMessages.SlowWorkResult, ct);

    public void Dispose() => gateway.Dispose();

    private static List<KeyValuePair<string, string>> PersonForm(Person person) =>
        [new("idNumber", person.IdNumber), new("name", person.Name)];

    private static List<KeyValuePair<string, string>> CertificateUseForm(BirthCertificateUse request) =>
        [new("certificateNo", request.CertificateNo), new("hubCaseId", request.HubCaseId)];

    private static List<KeyValuePair<string, string>> TransferOutForm(TransferOutReference request) =>
        [new("studentNo", request.StudentNo), new("transferId", request.TransferId)];
}
