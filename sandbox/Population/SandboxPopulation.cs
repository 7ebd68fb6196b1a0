using System.Text.Json;

namespace Tongban.Sandbox.Population;

/// <summary>The synthetic people the simulated provinces know (data/sandbox-population.json).</summary>
public sealed record SandboxPopulation(
    int Seed,
    IReadOnlyList<Citizen> Citizens,
    IReadOnlyList<BirthCertificate> BirthCertificates,
    IReadOnlyList<Student> Students)
{
    private const string EmbeddedName = "Tongban.Sandbox.Data.sandbox-population.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The population embedded in this assembly, or the file at <paramref name="path"/> when given.</summary>
    public static SandboxPopulation Load(string? path)
    {
        if (path is not null)
        {
            using var file = File.OpenRead(path);
            return Parse(file);
        }
        using var embedded = typeof(SandboxPopulation).Assembly.GetManifestResourceStream(EmbeddedName)
            ?? throw new InvalidOperationException($"Embedded resource {EmbeddedName} is missing.");
        return Parse(embedded);
    }

    public static SandboxPopulation Parse(Stream json)
    {
        var population = JsonSerializer.Deserialize<SandboxPopulation>(json, Json)
            ?? throw new InvalidDataException("The population file is empty.");
        return population with
        {
            Citizens = population.Citizens ?? [],
            BirthCertificates = population.BirthCertificates ?? [],
            Students = population.Students ?? [],
        };
    }
}

public sealed record Citizen(
    string IdNumber,
    string Name,
    string Sex,
    string BirthDate,
    string HukouProvince,
    string HukouDivision,
    string ResidentStatus,
    string MaritalStatus);

public sealed record BirthCertificate(
    string CertificateNo,
    string Province,
    string ChildName,
    string Sex,
    string BirthDate,
    string MotherIdNumber,
    string Hospital,
    bool Used);

public sealed record Student(
    string StudentNo,
    string Name,
    string IdNumber,
    string Province,
    string SchoolCode,
    int Grade,
    string Status,
    string TransferOutDecision);
