namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>Sandbox citizens (../shared/data/sandbox-population.json) and marriage request bodies built from them.</summary>
public static class Marriages
{
    public sealed record Citizen(string IdNumber, string Name, string Hukou);

    // Zhejiang men and Shanghai women, all normal residents and unmarried in the sandbox.
    public static readonly Citizen ZjMan1 = new("330106200006179053", "邓远晨", "330000");
    public static readonly Citizen ZjMan2 = new("330110198402048375", "马伟雪", "330000");
    public static readonly Citizen ZjMan3 = new("330106199112177419", "程凯", "330000");
    public static readonly Citizen ZjMan4 = new("330106198709265898", "邓雪", "330000");
    public static readonly Citizen ZjMan5 = new("330212199602216911", "石凯萍", "330000");
    public static readonly Citizen ShWoman1 = new("310115199608199825", "闫丽红", "310000");
    public static readonly Citizen ShWoman2 = new("310115198704139828", "朱志静", "310000");
    public static readonly Citizen ShWoman3 = new("310104198708114602", "杜文", "310000");
    public static readonly Citizen ShWoman4 = new("310115198910085605", "卢杰", "310000");
    public static readonly Citizen ShWoman5 = new("31011519991117804X", "方勇", "310000");
    public static readonly Citizen ShMan1 = new("310104199901117076", "严浩", "310000");

    public static readonly Citizen ShDeceasedWoman = new("310104199805157983", "崔建艳", "310000");
    public static readonly Citizen ZjWidower = new("330212198106124335", "孙强欣", "330000");
    public static readonly Citizen ZjDivorcedWoman = new("330212198802144081", "白海红", "330000");

    public static object Body(string handling, string registry, Citizen a, Citizen b, string? reference = null) => new
    {
        caseType = "marriage-registration",
        reference = reference ?? "REF-" + Guid.NewGuid().ToString("N")[..12],
        handlingProvince = handling,
        details = new
        {
            registryCode = registry,
            partyA = new { idNumber = a.IdNumber, name = a.Name, hukouProvince = a.Hukou },
            partyB = new { idNumber = b.IdNumber, name = b.Name, hukouProvince = b.Hukou },
        },
    };

    public static string Key() => "key-" + Guid.NewGuid().ToString("N");
}
