using System.Text.Json;
using Tongban.Sandbox.Population;

namespace Tongban.Bench;

/// <summary>
/// The sandbox knows 76 people and a person marries once, so the bench gives the sandbox a population with a
/// fresh unmarried couple per case: a Zhejiang man (Xihu, 330106) and a Shanghai woman (Pudong, 310115).
/// </summary>
public static class BenchPopulation
{
    public sealed record Party(string IdNumber, string Name, string Hukou);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜";
    private const string Given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫";

    public static (Party A, Party B) Couple(int i)
    {
        // 400 people of each sex per birth day and division keeps sequence codes within 001..999.
        var born = new DateOnly(1980, 1, 1).AddDays(i / 400);
        var a = new Party(ResidentIdNumber.Issue("330106", born, male: true, i % 400), Name(i, 0), "330000");
        var b = new Party(ResidentIdNumber.Issue("310115", born, male: false, i % 400), Name(i, 7), "310000");
        return (a, b);
    }

    /// <summary>Writes the embedded population plus <paramref name="couples"/> couples to a JSON file for Tongban:Sandbox:Population.</summary>
    public static string Write(int couples, string path)
    {
        var embedded = SandboxPopulation.Load(null);
        var known = embedded.Citizens.Select(c => c.IdNumber).ToHashSet();
        var added = new List<Citizen>();
        for (var i = 0; i < couples; i++)
        {
            var (a, b) = Couple(i);
            foreach (var (party, sex, division) in new[] { (a, "male", "330106"), (b, "female", "310115") })
            {
                if (known.Contains(party.IdNumber)) throw new InvalidOperationException($"Generated ID {party.IdNumber} is already in the sandbox population.");
                added.Add(new Citizen(party.IdNumber, party.Name, sex, $"{party.IdNumber[6..10]}-{party.IdNumber[10..12]}-{party.IdNumber[12..14]}",
                    party.Hukou, division, "normal", "unmarried"));
            }
        }

        var population = embedded with { Citizens = [.. embedded.Citizens, .. added] };
        File.WriteAllText(path, JsonSerializer.Serialize(population, Json));
        return path;
    }

    private static string Name(int i, int salt)
    {
        var n = i * 31 + salt;
        return $"{Surnames[n % Surnames.Length]}{Given[(n / Surnames.Length) % Given.Length]}{Given[(n / 7 + salt) % Given.Length]}";
    }
}
