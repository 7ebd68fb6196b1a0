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

    /// <summary>A made-up six-digit province code, so index partitions and queues are the test's own.</summary>
    public static string NewProvinceCode() => RandomNumberGenerator.GetInt32(100_000, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

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
