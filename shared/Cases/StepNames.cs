namespace Tongban.Cases;

/// <summary>Step names as the case timeline shows them.</summary>
public static class StepNames
{
    public const string VerifyResident = "verify-resident";
    public const string CheckMaritalStatus = "check-marital-status";
    public const string OfficerReview = "officer-review";
    public const string RegisterMarriage = "register-marriage";
    public const string UpdateMaritalStatus = "update-marital-status";
    public const string VerifyBirthCertificate = "verify-birth-certificate";
    public const string MarkBirthCertificateUsed = "mark-birth-certificate-used";
    public const string ReleaseBirthCertificate = "release-birth-certificate";
    public const string RegisterNewborn = "register-newborn";
    public const string CheckStudentRecord = "check-student-record";
    public const string RequestTransferOut = "request-transfer-out";
    public const string EnrollStudent = "enroll-student";
    public const string ConfirmTransferOut = "confirm-transfer-out";
    public const string CancelTransferOut = "cancel-transfer-out";
}
