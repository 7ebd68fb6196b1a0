using System.Text.Json.Nodes;
using Tongban.Sandbox;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>Birth certificates of the sandbox population (../shared/data/sandbox-population.json) and newborn request bodies.</summary>
public static class Newborns
{
    public sealed record Parent(string IdNumber, string Name, string Hukou, string HukouDivision);

    public sealed record Certificate(string No, string BirthProvince, string ChildName, string Sex, string BirthDate, Parent Mother);

    // Mothers (all normal residents, women).
    public static readonly Parent YuHaoxia = new("340104199505021668", "于浩霞", "340000", "340104");
    public static readonly Parent CuiYuming = new("360102200307193641", "崔玉明", "360000", "360102");
    public static readonly Parent LuJie = new("310115198910085605", "卢杰", "310000", "310115");
    public static readonly Parent YaoYingying = new("330110198208222165", "姚英英", "330000", "330110");
    public static readonly Parent CaiJiexuan = new("340102200102267965", "蔡杰轩", "340000", "340102");
    public static readonly Parent HouXinyang = new("330106198109227345", "侯新洋", "330000", "330106");
    public static readonly Parent TaoFanghai = new("330212198605101445", "陶芳海", "330000", "330212");
    public static readonly Parent BaiHaihong = new("330212198802144081", "白海红", "330000", "330212");
    public static readonly Parent XiangQi = new("340102198411163641", "向琪", "340000", "340102");
    public static readonly Parent ZhaoYong = new("360102200309115743", "赵勇", "360000", "360102");
    public static readonly Parent LinFang = new("360111198209138063", "林芳", "360000", "360111");

    // Fathers (normal residents, men), for registering in a province no mother of the population has her hukou in.
    public static readonly Parent ShFather1 = new("310115198910201573", "薛鹏", "310000", "310115");
    public static readonly Parent ShFather2 = new("310104198203055192", "姜婷洋", "310000", "310104");
    public static readonly Parent JxFather = new("360102198402041291", "方怡子", "360000", "360102");
    public static readonly Parent ZjFather = new("330110198402048375", "马伟雪", "330000", "330110");

    // Unused certificates: the mother-registered matrix (birth province -> mother's hukou province).
    public static readonly Certificate ZjToAh = new("P330298434", "330000", "于思娟", "female", "2026-10-11", YuHaoxia);
    public static readonly Certificate ZjToJx = new("Q336198079", "330000", "崔丽凯", "male", "2026-10-20", CuiYuming);
    public static readonly Certificate ShToZj = new("P317038640", "310000", "姚娜艳", "male", "2026-08-09", YaoYingying);
    public static readonly Certificate ShToAh = new("Q315763948", "310000", "蔡英刚", "female", "2026-11-11", CaiJiexuan);
    public static readonly Certificate JxToZj = new("P368594862", "360000", "白梅琪", "female", "2026-10-09", BaiHaihong);
    public static readonly Certificate JxToAh = new("R361522000", "360000", "向海斌", "female", "2026-10-16", XiangQi);
    public static readonly Certificate AhToJx = new("P348733249", "340000", "赵燕玉", "male", "2026-10-17", ZhaoYong);
    public static readonly Certificate AhToSh = new("R343544661", "340000", "卢远燕", "female", "2026-09-17", LuJie);

    // Unused certificates whose mother's hukou is not where these tests register: registered with the father.
    public static readonly Certificate ZjMotherJx = new("R332614343", "330000", "崔桂涛", "female", "2026-08-04", CuiYuming);
    public static readonly Certificate ShMotherZj = new("R314196018", "310000", "侯娜子", "female", "2026-11-11", HouXinyang);
    public static readonly Certificate JxMotherZj = new("Q360909118", "360000", "侯雪红", "male", "2026-09-19", HouXinyang);
    public static readonly Certificate AhMotherJx = new("Q347781431", "340000", "林明娟", "female", "2026-09-01", LinFang);

    // Certificates the population already marks used.
    public static readonly Certificate UsedShMotherZj = new("S316143605", "310000", "陶超梅", "female", "2026-08-16", TaoFanghai);

    /// <summary>A registration with the mother: handled by her hukou province, household in her hukou division.</summary>
    public static JsonObject WithMother(Certificate c) => Body(c, "mother", null);

    /// <summary>A registration with <paramref name="father"/>: handled by his hukou province.</summary>
    public static JsonObject WithFather(Certificate c, Parent father) => Body(c, "father", father);

    private static JsonObject Body(Certificate c, string registerWith, Parent? father)
    {
        var registering = father ?? c.Mother;
        var details = new JsonObject
        {
            ["child"] = new JsonObject { ["name"] = c.ChildName, ["sex"] = c.Sex, ["birthDate"] = c.BirthDate },
            ["birthCertificateNo"] = c.No,
            ["birthProvince"] = c.BirthProvince,
            ["registerWith"] = registerWith,
            ["mother"] = Person(c.Mother),
            ["householdDivision"] = registering.HukouDivision,
        };
        if (father is not null) details["father"] = Person(father);
        return new JsonObject
        {
            ["caseType"] = "newborn-registration",
            ["reference"] = "NB-" + Guid.NewGuid().ToString("N")[..12],
            ["handlingProvince"] = registering.Hukou,
            ["details"] = details,
        };
    }

    private static JsonObject Person(Parent p) => new() { ["idNumber"] = p.IdNumber, ["name"] = p.Name, ["hukouProvince"] = p.Hukou };

    /// <summary>Sets every province's slow-work delay; returns the previous ones for <see cref="RestoreSlowWork"/>.</summary>
    public static Dictionary<string, TimeSpan> FastSlowWork(ProvinceSandbox sandbox, TimeSpan delay)
    {
        var previous = new Dictionary<string, TimeSpan>();
        foreach (var code in sandbox.Knobs.ProvinceCodes)
        {
            previous[code] = sandbox.Knobs[code].SlowWorkDelay;
            sandbox.Knobs[code].SlowWorkDelay = delay;
        }
        return previous;
    }

    public static void RestoreSlowWork(ProvinceSandbox sandbox, Dictionary<string, TimeSpan> previous)
    {
        foreach (var (code, delay) in previous) sandbox.Knobs[code].SlowWorkDelay = delay;
    }
}
