namespace Tongban.Provinces;

/// <summary>The canonical province operations (contracts/provinces/README.md).</summary>
public static class CanonicalOperations
{
    public const string ResidentVerify = "resident.verify";
    public const string MaritalStatus = "marital.status";
    public const string MarriageRegister = "marriage.register";
    public const string MaritalUpdate = "marital.update";
    public const string BirthVerify = "birth.verify";
    public const string BirthMarkUsed = "birth.mark-used";
    public const string BirthRelease = "birth.release";
    public const string NewbornRegister = "newborn.register";
    public const string StudentRecord = "student.record";
    public const string TransferOutRequest = "transfer-out.request";
    public const string StudentEnroll = "student.enroll";
    public const string TransferOutConfirm = "transfer-out.confirm";
    public const string TransferOutCancel = "transfer-out.cancel";

    /// <summary>A poll of slow work's ticket (not a step's operation: the ticket poller's call).</summary>
    public const string TicketQuery = "ticket.query";

    /// <summary>Operations whose work is slow: they answer with a ticket, and the result comes later.</summary>
    public static bool IsSlow(string operation) => operation is NewbornRegister or TransferOutRequest;

    /// <summary>Operations that only read a province's records: calling one again, or for a case that has just ended, changes nothing there.</summary>
    public static bool IsQuery(string operation) => operation is ResidentVerify or MaritalStatus or BirthVerify or StudentRecord;

    /// <summary>
    /// Operations that, besides the queries, nothing the hub does to a case after sending them withholds or undoes, and that change
    /// nothing when called again: the registration of a marriage (sent once its irreversible step is entered) and the must-succeed
    /// steps after an irreversible one. The step handler calls them from the case row as this process last wrote it, without
    /// reading it, when that row carries what the call needs.
    /// </summary>
    public static bool NeverWithheld(string operation) => IsQuery(operation) || operation is MarriageRegister or MaritalUpdate or TransferOutConfirm;
}
