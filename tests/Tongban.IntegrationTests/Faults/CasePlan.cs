using System.Globalization;
using Tongban.Sandbox.Population;
using CaseTypeNames = Tongban.Cases.CaseTypeNames;

namespace Tongban.IntegrationTests.Faults;

/// <summary>
/// A fault run's cases, of all three services, drawn from the sandbox population (the embedded copy of
/// ../shared/data/sandbox-population.json), each with the final status it must reach.
/// </summary>
/// <remarks>
/// A fresh sandbox (each fault test starts its own) lets 39 cases complete: 19 couples (every woman of marriage age who
/// is alive and free; there are 24 such men), 12 unused birth certificates, 8 enrolled students whose schools approve a
/// transfer-out. Certificates and students complete once. Beyond that the population only gives rejections: 4 used
/// certificates, 4 students whose school refuses and 4 graduated, and marriages refused at verification (a deceased or a
/// married woman) or by the officer, which can be asked for again and again. So a newborn or school-transfer share is at
/// most 16 cases, and marriages fill the rest: up to 19 complete, the others are planned rejections.
/// </remarks>
public static class CasePlan
{
    /// <summary>
    /// <paramref name="total"/> cases: a third newborn registrations and a third school transfers, as far as the population
    /// has subjects for them, marriages for the rest; rejections spread among completions, the three services interleaved.
    /// </summary>
    public static List<PlannedCase> Mixed(int total)
    {
        var newborns = Spread(NewbornsCompleting(), NewbornsRejected());
        var students = Spread(TransfersCompleting(), Spread(TransfersRefused(), TransfersGraduated()));
        var n = Math.Min(total / 3, newborns.Count);
        var s = Math.Min(total / 3, students.Count);
        var plan = Spread(MarriageCases(total - n - s), newborns.Take(n).ToList(), students.Take(s).ToList());
        for (var i = 0; i < plan.Count; i++) plan[i].Number = i + 1;
        return plan;
    }

    /// <summary>"m=18 n=16 s=16": how many cases of each service.</summary>
    public static string Mix(IEnumerable<PlannedCase> cases)
    {
        var list = cases.ToList();
        int Count(string type) => list.Count(c => c.CaseType == type);
        return string.Create(CultureInfo.InvariantCulture,
            $"m={Count(CaseTypeNames.Marriage)} n={Count(CaseTypeNames.Newborn)} s={Count(CaseTypeNames.SchoolTransfer)}");
    }

    /// <summary>
    /// <paramref name="count"/> marriage cases: about one in six rejected (and every one beyond the completing couples),
    /// the rejections alternating between a deceased woman, an officer's refusal and a married woman.
    /// </summary>
    public static List<PlannedCase> MarriageCases(int count)
    {
        var couples = Couples();
        var rejected = Math.Max(count - couples.Count, (int)Math.Round(count / 6.0));
        var completing = couples.Take(count - rejected).Select(c => (PlannedCase)new PlannedMarriage(c.Man, c.Woman, c.ByMan, Refusal.None, manMayMarry: true)).ToList();

        var people = Population.Citizens;
        var deceased = people.Where(c => c.Sex == "female" && c.ResidentStatus == "deceased").ToList();
        var married = people.Where(c => c.Sex == "female" && c.ResidentStatus == "normal" && c.MaritalStatus == "married" && OfMarriageAge(c)).ToList();
        var women = couples.Select(c => c.Woman).ToList();
        // Men of the completing couples go last: one of them is married by the time a rejection verifies him, or not.
        var menInUse = couples.Take(completing.Count).Select(c => c.Man.IdNumber).ToHashSet(StringComparer.Ordinal);
        var men = FreeAdults("male").OrderBy(m => menInUse.Contains(m.IdNumber)).ToList();
        var spare = men.Count(m => !menInUse.Contains(m.IdNumber));
        var refusals = new List<PlannedCase>();
        for (var i = 0; i < rejected; i++)
        {
            var (woman, refusal) = (i % 3) switch
            {
                0 => (deceased[i / 3 % deceased.Count], Refusal.Deceased),
                1 => (women[i / 3 % women.Count], Refusal.Officer),
                _ => (married.Count > 0 ? married[i / 3 % married.Count] : deceased[i / 3 % deceased.Count], married.Count > 0 ? Refusal.Married : Refusal.Deceased),
            };
            var man = men.Skip(i % Math.Max(spare, 1)).Concat(men).First(m => m.HukouProvince != woman.HukouProvince);
            refusals.Add(new PlannedMarriage(man, woman, byMan: i % 2 == 0, refusal, manMayMarry: menInUse.Contains(man.IdNumber)));
        }

        return Spread(completing, refusals);
    }

    public static List<PlannedCase> NewbornsCompleting() =>
        [.. Population.BirthCertificates.Where(b => !b.Used).Select(b => new PlannedNewborn(b, Mother(b)))];

    public static List<PlannedCase> NewbornsRejected() =>
        [.. Population.BirthCertificates.Where(b => b.Used).Select(b => new PlannedNewborn(b, Mother(b)))];

    /// <summary>Enrolled students whose school approves (two per province), each to another member province.</summary>
    public static List<PlannedCase> TransfersCompleting() =>
        [.. Population.Students.Where(s => s.Status == "enrolled" && s.TransferOutDecision == "approve").Select((s, i) => new PlannedTransfer(s, Target(s, i)))];

    public static List<PlannedCase> TransfersRefused() =>
        [.. Population.Students.Where(s => s.Status == "enrolled" && s.TransferOutDecision != "approve").Select((s, i) => new PlannedTransfer(s, Target(s, i)))];

    public static List<PlannedCase> TransfersGraduated() =>
        [.. Population.Students.Where(s => s.Status == "graduated").Select((s, i) => new PlannedTransfer(s, Target(s, i)))];

    private static SandboxPopulation Population { get; } = SandboxPopulation.Load(null);

    /// <summary>The legal ages (22 for a man, 20 for a woman) with a year's margin, so the plan holds on any day of a run.</summary>
    private static bool OfMarriageAge(Citizen c) =>
        DateOnly.ParseExact(c.BirthDate, "yyyy-MM-dd", CultureInfo.InvariantCulture).AddYears(c.Sex == "male" ? 23 : 21) <= DateOnly.FromDateTime(DateTime.UtcNow);

    private static List<Citizen> FreeAdults(string sex) =>
        [.. Population.Citizens.Where(c => c.Sex == sex && OfMarriageAge(c) && c.ResidentStatus == "normal" && c.MaritalStatus is "unmarried" or "divorced" or "widowed")];

    /// <summary>Distinct cross-province couples: the women spread over the provinces, each with the next free man from another province.</summary>
    private static List<(Citizen Man, Citizen Woman, bool ByMan)> Couples()
    {
        var women = FreeAdults("female").GroupBy(w => w.HukouProvince)
            .SelectMany(g => g.Select((w, i) => (w, i))).OrderBy(x => x.i).Select(x => x.w).ToList();
        var men = FreeAdults("male");
        var used = new HashSet<string>(StringComparer.Ordinal);
        var couples = new List<(Citizen, Citizen, bool)>();
        foreach (var woman in women)
        {
            var man = men.FirstOrDefault(m => !used.Contains(m.IdNumber) && m.HukouProvince != woman.HukouProvince);
            if (man is null) break;
            used.Add(man.IdNumber);
            // Alternate the handling province between the man's and the woman's.
            couples.Add((man, woman, couples.Count % 2 == 0));
        }

        return couples;
    }

    private static Citizen Mother(BirthCertificate b) => Population.Citizens.Single(c => c.IdNumber == b.MotherIdNumber);

    /// <summary>The <paramref name="i"/>-th student's target: the other member provinces in turn.</summary>
    private static string Target(Student s, int i)
    {
        var others = FaultRig.Provinces.Where(p => p != s.Province).ToList();
        return others[i % others.Count];
    }

    /// <summary>The lists merged evenly: each item placed by its relative position in its own list.</summary>
    public static List<PlannedCase> Spread(params List<PlannedCase>[] lists) =>
        [.. lists.SelectMany((list, l) => list.Select((item, i) => (item, at: (i + 0.5) / list.Count, l))).OrderBy(x => x.at).ThenBy(x => x.l).Select(x => x.item)];
}
