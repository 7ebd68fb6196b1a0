using System.Security.Cryptography;
using Tongban.Cases;
using Tongban.Storage;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>Cases and identifiers unique to one test, since a collection shares one Azurite.</summary>
public static class CaseData
{
    public const string PartyAIdNumber = "110101199003070011";
    public const string PartyAName = "张三丰";
    public const string PartyBIdNumber = "330106199205120024";
    public const string PartyBName = "李秀英";

    /// <summary>A one-key ring with a fresh random key named <paramref name="keyId"/>.</summary>
    public static PiiKeyRing NewKeyRing(string keyId = "test") => new(new Dictionary<string, byte[]> { [keyId] = RandomNumberGenerator.GetBytes(32) }, keyId);

    public static CaseDetailsCipher NewCipher() => new(NewKeyRing());

    public static string NewCaseId() => "TB-" + Guid.NewGuid().ToString("N");

    /// <summary>The last made-up province code's number: a random start, so that runs against one Azurite differ too.</summary>
    private static int lastProvince = RandomNumberGenerator.GetInt32(100_000, 1_000_000);

    /// <summary>
    /// A made-up six-digit province code, so index partitions and queues are the test's own: one after another from a random
    /// start, never the same twice in a run (drawn at random, two of a run's few hundred met about one run in ten, and the test
    /// listing its province's cases read the other test's, sealed under another key), and never a real province's (<c>xx0000</c>).
    /// </summary>
    public static string NewProvinceCode()
    {
        while (true)
        {
            var code = 100_000 + (Interlocked.Increment(ref lastProvince) - 100_000) % 900_000;
            if (code % 10_000 != 0) return code.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public static OpenCaseCommand MarriageCommand(string handling, string partyAProvince, string partyBProvince, string reference = "REF-1") =>
        new(CaseType.MarriageRegistration, reference, handling, new Uri("https://partner.example/callback"),
            Marriage: new MarriageDetails("330106-MR",
                new Party(PartyAIdNumber, PartyAName, partyAProvince),
                new Party(PartyBIdNumber, PartyBName, partyBProvince)));

    public static CaseRecord RecordFor(string caseId, OpenCaseCommand command, DateTimeOffset createdAt, string caseType = CaseTypeNames.Marriage) => new()
    {
        CaseId = caseId,
        CaseType = caseType,
        Reference = command.Reference,
        HandlingProvince = command.HandlingProvince,
        InvolvedProvinces = command.InvolvedProvinces(),
        CreatedAt = createdAt,
        UpdatedAt = createdAt,
        CallbackUrl = command.CallbackUrl,
    };
}
