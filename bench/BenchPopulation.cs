using System.Text.Json;
using Tongban.Sandbox.Population;

namespace Tongban.Bench;

/// <summary>
/// The sandbox knows 76 people, a person marries once, a birth certificate serves one registration and a student transfers
/// once, so the bench gives the sandbox a population with fresh people per case number: an unmarried couple (a Zhejiang man,
/// Xihu 330106, and a Shanghai woman, Pudong 310115) for a marriage; a Shanghai mother and her child's Zhejiang birth
/// certificate for a newborn; a pupil enrolled at a Zhejiang school (who may leave) for a school transfer. Shanghai handles
/// every case (the bench signs as its partner).
/// </summary>
public static class BenchPopulation
{
    public sealed record Party(string IdNumber, string Name, string Hukou);

    public sealed record Birth(string CertificateNo, string ChildName, string Sex, DateOnly BirthDate, Party Mother);

    public sealed record Pupil(string StudentNo, string Name, string IdNumber);

    /// <summary>Births a week before the run (a birth must be under a year old, and not in the future).</summary>
    public static readonly DateOnly BirthDay = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-7);

    public const string BirthProvince = "330000";
    public const string SourceProvince = "330000";
    public const string SourceSchool = "3301060001";
    public const string TargetSchool = "3101150002";
    public const int Grade = 5;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜";
    private const string Given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫";

    // 400 people of each sex per birth day and division keeps sequence codes within 001..999.
    private static DateOnly Born(DateOnly first, int i) => first.AddDays(i / 400);

    public static (Party A, Party B) Couple(int i)
    {
        var born = Born(new DateOnly(1980, 1, 1), i);
        var a = new Party(ResidentIdNumber.Issue("330106", born, male: true, i % 400), Name(i, 0), "330000");
        var b = new Party(ResidentIdNumber.Issue("310115", born, male: false, i % 400), Name(i, 7), "310000");
        return (a, b);
    }

    public static Birth Newborn(int i) => new($"B{i:D9}", Name(i, 11), i % 2 == 0 ? "male" : "female", BirthDay,
        new Party(ResidentIdNumber.Issue("310115", Born(new DateOnly(1992, 1, 1), i), male: false, i % 400), Name(i, 5), "310000"));

    public static Pupil Student(int i)
    {
        var id = ResidentIdNumber.Issue("330106", Born(new DateOnly(2015, 1, 1), i), male: i % 2 == 0, i % 400);
        return new Pupil("G" + id, Name(i, 13), id);
    }

    /// <summary>Writes the embedded population plus the people of <paramref name="cases"/> case numbers to a JSON file for Tongban:Sandbox:Population.</summary>
    public static string Write(int cases, string path)
    {
        var embedded = SandboxPopulation.Load(null);
        var known = embedded.Citizens.Select(c => c.IdNumber).Concat(embedded.Students.Select(s => s.StudentNo))
            .Concat(embedded.BirthCertificates.Select(c => c.CertificateNo)).ToHashSet();
        var citizens = new List<Citizen>();
        var certificates = new List<BirthCertificate>();
        var students = new List<Student>();
        void Fresh(string key)
        {
            if (!known.Add(key)) throw new InvalidOperationException($"Generated {key} is already in the sandbox population.");
        }

        for (var i = 0; i < cases; i++)
        {
            var (a, b) = Couple(i);
            var birth = Newborn(i);
            foreach (var (party, sex, division) in new[] { (a, "male", "330106"), (b, "female", "310115"), (birth.Mother, "female", "310115") })
            {
                Fresh(party.IdNumber);
                citizens.Add(new Citizen(party.IdNumber, party.Name, sex, BirthDate(party.IdNumber), party.Hukou, division, "normal", "unmarried"));
            }

            Fresh(birth.CertificateNo);
            certificates.Add(new BirthCertificate(birth.CertificateNo, BirthProvince, birth.ChildName, birth.Sex, birth.BirthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                birth.Mother.IdNumber, "33-hospital-bench", Used: false));
            var pupil = Student(i);
            Fresh(pupil.StudentNo);
            students.Add(new Student(pupil.StudentNo, pupil.Name, pupil.IdNumber, SourceProvince, SourceSchool, Grade, "enrolled", "approve"));
        }

        var population = embedded with
        {
            Citizens = [.. embedded.Citizens, .. citizens],
            BirthCertificates = [.. embedded.BirthCertificates, .. certificates],
            Students = [.. embedded.Students, .. students],
        };
        File.WriteAllText(path, JsonSerializer.Serialize(population, Json));
        return path;
    }

    private static string BirthDate(string idNumber) => $"{idNumber[6..10]}-{idNumber[10..12]}-{idNumber[12..14]}";

    private static string Name(int i, int salt)
    {
        var n = i * 31 + salt;
        return $"{Surnames[n % Surnames.Length]}{Given[(n / Surnames.Length) % Given.Length]}{Given[(n / 7 + salt) % Given.Length]}";
    }
}
