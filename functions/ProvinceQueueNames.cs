namespace Tongban.Functions;

/// <summary>
/// Queue names as attribute constants (attributes need compile-time values); a test checks each equals
/// StorageNames.ProvinceQueue(code) and its poison twin.
/// </summary>
public static class ProvinceQueueNames
{
    public const string Zhejiang = "province-330000";
    public const string ZhejiangPoison = Zhejiang + "-poison";
    public const string Shanghai = "province-310000";
    public const string ShanghaiPoison = Shanghai + "-poison";
    public const string Jiangxi = "province-360000";
    public const string JiangxiPoison = Jiangxi + "-poison";
    public const string Anhui = "province-340000";
    public const string AnhuiPoison = Anhui + "-poison";

    /// <summary>Member code → (queue, poison queue), for the test.</summary>
    public static readonly IReadOnlyDictionary<string, (string Queue, string Poison)> ByProvince = new Dictionary<string, (string, string)>
    {
        ["330000"] = (Zhejiang, ZhejiangPoison),
        ["310000"] = (Shanghai, ShanghaiPoison),
        ["360000"] = (Jiangxi, JiangxiPoison),
        ["340000"] = (Anhui, AnhuiPoison),
    };
}
