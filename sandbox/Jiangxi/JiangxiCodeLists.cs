namespace Tongban.Sandbox.Jiangxi;

/// <summary>
/// Jiangxi's service codes and code lists (jiangxi.md), each code against the canonical word the sandbox's
/// departments speak ("male", "normal", "married", ...). Written from the contract, not taken from the hub.
/// </summary>
internal static class JiangxiCodeLists
{
    public static class Services
    {
        public const string ResidentVerify = "JX_GA_RKHC";
        public const string MaritalStatus = "JX_MZ_HYZKCX";
        public const string MarriageRegister = "JX_MZ_HYDJ";
        public const string MaritalUpdate = "JX_MZ_HYZKGX";
        public const string BirthVerify = "JX_WJ_CSZMHC";
        public const string BirthMarkUsed = "JX_WJ_CSZMSY";
        public const string BirthRelease = "JX_WJ_CSZMSF";
        public const string NewbornRegister = "JX_GA_XSEDJ";
        public const string StudentRecord = "JX_JY_XJCX";
        public const string TransferOutRequest = "JX_JY_ZCSQ";
        public const string StudentEnroll = "JX_JY_RXDJ";
        public const string TransferOutConfirm = "JX_JY_ZCQR";
        public const string TransferOutCancel = "JX_JY_ZCCX";
        public const string SlowWorkResult = "JX_TY_BLJGCX";
    }

    /// <summary>xb, GB/T 2261.1.</summary>
    public static readonly JiangxiCodeList Sex = new(("male", "1"), ("female", "2"));

    /// <summary>rkzt.</summary>
    public static readonly JiangxiCodeList ResidentStatus = new(("normal", "1"), ("deceased", "2"), ("cancelled", "3"));

    /// <summary>hyzk, GB/T 2261.2.</summary>
    public static readonly JiangxiCodeList MaritalStatus = new(("unmarried", "10"), ("married", "20"), ("widowed", "30"), ("divorced", "40"));

    /// <summary>xjzt.</summary>
    public static readonly JiangxiCodeList StudentStatus = new(("enrolled", "1"), ("graduated", "2"), ("transferred", "3"));

    /// <summary>blzt: the state of a slow call, from the sandbox's ticket states.</summary>
    public static readonly JiangxiCodeList SlowWorkState = new(("processing", "01"), ("approved", "02"), ("rejected", "03"));

    /// <summary>ppjg, yxbz, sybz: 1 yes, 0 no.</summary>
    public static string Flag(bool value) => value ? "1" : "0";
}

/// <summary>One code list: canonical word to Jiangxi code and back.</summary>
internal sealed class JiangxiCodeList(params (string Word, string Code)[] entries)
{
    /// <exception cref="ArgumentOutOfRangeException">A word the list does not have (a sandbox defect).</exception>
    public string CodeOf(string word) =>
        entries.FirstOrDefault(e => e.Word == word).Code ?? throw new ArgumentOutOfRangeException(nameof(word), word, "not in the code list");

    /// <summary>The canonical word of <paramref name="code"/>; false when the code is outside the list.</summary>
    public bool TryWordOf(string code, out string word)
    {
        word = entries.FirstOrDefault(e => e.Code == code).Word ?? "";
        return word.Length > 0;
    }
}
