namespace Tongban.Storage;

/// <summary>Every table and queue the hub uses: one list, read by both hosts and by the Bicep tests.</summary>
public static class StorageNames
{
    public const string CasesTable = "TongbanCases";
    public const string CaseIndexTable = "TongbanCaseIndex";
    public const string IdempotencyTable = "TongbanIdempotency";
    public const string NoncesTable = "TongbanNonces";
    public const string TicketsTable = "TongbanTickets";
    public const string AttentionTable = "TongbanAttention";
    public const string ProvinceHealthTable = "TongbanProvinceHealth";
    public const string CitizenIndexTable = "TongbanCitizenIndex";
    public const string OperatorAuditTable = "TongbanOperatorAudit";
    public const string AuditTable = "TongbanAudit";

    public static readonly IReadOnlyList<string> Tables =
        [CasesTable, CaseIndexTable, IdempotencyTable, NoncesTable, TicketsTable, AttentionTable, ProvinceHealthTable,
         CitizenIndexTable, OperatorAuditTable, AuditTable];

    public const string PoisonSuffix = "-poison";

    public static string ProvinceQueue(string provinceCode) => $"province-{provinceCode}";

    public static string PoisonQueue(string queue) => queue + PoisonSuffix;
}
