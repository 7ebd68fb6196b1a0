namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>Students of the sandbox population (../shared/data/sandbox-population.json) and school-transfer request bodies.</summary>
public static class Students
{
    public sealed record Student(string IdNumber, string Name, string Province, string SchoolCode, int Grade)
    {
        public string StudentNo => "G" + IdNumber;
    }

    // Enrolled, transferOutDecision approve: two per province (each can complete one transfer).
    public static readonly Student ZjSongMeiqi = new("33021220180909945X", "宋梅琪", "330000", "3302127851", 2);
    public static readonly Student ZjWangZi = new("330106201308010012", "汪梓", "330000", "3301063258", 7);
    public static readonly Student ShDongQiang = new("310104201612075770", "董强", "310000", "3101044321", 4);
    public static readonly Student ShXueXia = new("310104201711042835", "薛霞", "310000", "3101045155", 3);
    public static readonly Student JxWangXuemei = new("360111201707059151", "王雪梅", "360000", "3601118573", 3);
    public static readonly Student JxWuQiang = new("360102201612097319", "武强", "360000", "3601020301", 4);
    public static readonly Student AhJiangQiangyu = new("340102201501186913", "姜强雨", "340000", "3401028105", 5);
    public static readonly Student AhYeMeisi = new("340102201205181333", "叶梅思", "340000", "3401027798", 8);

    // Enrolled, transferOutDecision reject.
    public static readonly Student ZjMaJunRefused = new("330212201211093803", "马俊", "330000", "3302126739", 8);
    // Graduated.
    public static readonly Student ZjMengXuanjieGraduated = new("330106201302207703", "孟轩杰", "330000", "3301065854", 7);

    /// <summary>A school in each member province (county code + 4 digits), none of them a source school above.</summary>
    public static string TargetSchool(string province) => province switch
    {
        "330000" => "3301060002",
        "310000" => "3101150002",
        "360000" => "3601020002",
        "340000" => "3401040002",
        _ => throw new ArgumentOutOfRangeException(nameof(province)),
    };

    public static object Body(Student s, string target) => new
    {
        caseType = "school-transfer",
        reference = "ST-" + Guid.NewGuid().ToString("N")[..12],
        handlingProvince = target,
        details = new
        {
            student = new { studentNo = s.StudentNo, name = s.Name, idNumber = s.IdNumber },
            sourceProvince = s.Province,
            sourceSchoolCode = s.SchoolCode,
            targetSchoolCode = TargetSchool(target),
            targetGrade = s.Grade,
            reason = "family-relocation",
        },
    };
}
