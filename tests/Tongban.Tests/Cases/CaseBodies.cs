using System.Text.Json;
using System.Text.Json.Nodes;
using Tongban.Callbacks;
using Tongban.Cases;
using Tongban.Cases.Divisions;
using Tongban.Cases.Validation;
using Tongban.Configuration;

namespace Tongban.Tests.Cases;

/// <summary>Valid request bodies of each case type (sandbox population IDs) and assertions on validation results.</summary>
internal static class CaseBodies
{
    public static readonly DateOnly Today = new(2026, 11, 28);

    public static readonly IReadOnlySet<string> Members = new HashSet<string>(StringComparer.Ordinal) { "330000", "310000", "360000", "340000" };

    // Sandbox citizens (checksums verified independently of the code under test).
    public const string ZhejiangMan2000 = "330106200006179053";       // male, 2000-06-17, hukou 330000
    public const string ShanghaiWomanX1999 = "31011519991117804X";   // female, 1999-11-17, hukou 310000, X check character
    public const string ZhejiangWoman1986 = "330212198612257704";    // female, 1986-12-25, hukou 330000
    public const string ZhejiangMan1991 = "330106199112177419";      // male, 1991-12-17, hukou 330000
    public const string AnhuiWoman2000 = "340104200009228622";       // female, 2000-09-22, hukou 340000
    public const string JiangxiMan1984 = "360102198408147038";       // male, 1984-08-14, hukou 360000
    public const string AnhuiBoy2015 = "340102201501186913";         // male, 2015-01-18, hukou 340000
    public const string ShanghaiMan1999 = "310104199901117076";      // male, 1999-01-11, hukou 310000

    /// <summary>Every member registers the same callback origins here; <see cref="CallbackUrlValidationTests"/> gives partners different ones.</summary>
    public static readonly string[] CallbackOrigins = ["https://partner.example", "https://partner.example:8443", "http://127.0.0.1:5000", "http://[::1]:5000"];

    public static PartnerCallbackOrigins Origins(IEnumerable<string> partners, params string[] origins) =>
        Origins(partners.Select(p => (p, origins)).ToArray());

    public static PartnerCallbackOrigins Origins(params (string Partner, string[] Origins)[] partners) => PartnerCallbackOrigins.From(new TongbanOptions
    {
        Partners = partners.ToDictionary(p => p.Partner, p => new PartnerOptions { CallbackOrigins = [.. p.Origins] }),
    });

    public static OpenCaseValidator Validator() => new(DivisionCatalog.Shared, Members, Origins(Members, CallbackOrigins));

    /// <summary>The caller is the body's handlingProvince, as the API makes sure before validating (403 otherwise).</summary>
    private static string Caller(JsonNode body) =>
        body["handlingProvince"] is JsonValue v && v.TryGetValue<string>(out var code) && Members.Contains(code) ? code : "310000";

    public static JsonObject Marriage() => Parse($$"""
        {
          "caseType": "marriage-registration",
          "reference": "SH-2026-000123",
          "handlingProvince": "310000",
          "callbackUrl": "https://partner.example/hooks/tongban",
          "details": {
            "registryCode": "310115",
            "partyA": { "idNumber": "{{ZhejiangMan2000}}", "name": "张三", "hukouProvince": "330000" },
            "partyB": { "idNumber": "{{ShanghaiWomanX1999}}", "name": "李四", "hukouProvince": "310000" }
          }
        }
        """);

    public static JsonObject Newborn() => Parse($$"""
        {
          "caseType": "newborn-registration",
          "reference": "ZJ-2026-NB-0001",
          "handlingProvince": "330000",
          "details": {
            "child": { "name": "王小明", "sex": "male", "birthDate": "2026-10-02" },
            "birthCertificateNo": "Q310123456",
            "birthProvince": "310000",
            "registerWith": "mother",
            "mother": { "idNumber": "{{ZhejiangWoman1986}}", "name": "向明伟", "hukouProvince": "330000" },
            "father": { "idNumber": "{{ZhejiangMan1991}}", "name": "程凯", "hukouProvince": "330000" },
            "householdDivision": "330106"
          }
        }
        """);

    public static JsonObject SchoolTransfer() => Parse($$"""
        {
          "caseType": "school-transfer",
          "reference": "ZJ-2026-ST-0001",
          "handlingProvince": "330000",
          "details": {
            "student": { "studentNo": "G{{AnhuiBoy2015}}", "name": "汪梓", "idNumber": "{{AnhuiBoy2015}}" },
            "sourceProvince": "340000",
            "sourceSchoolCode": "3401020001",
            "targetSchoolCode": "3301060002",
            "targetGrade": 4,
            "reason": "family-relocation"
          }
        }
        """);

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    public static JsonElement ToElement(this JsonNode? node) =>
        JsonDocument.Parse(node is null ? "null" : node.ToJsonString()).RootElement.Clone();

    public static JsonObject Details(this JsonObject body) => body["details"]!.AsObject();

    public static Validated<OpenCaseCommand> Validate(JsonNode body, DateOnly? today = null) =>
        Validator().Validate(body.ToElement(), today ?? Today, Caller(body));

    public static Validated<OpenCaseCommand> ValidateRaw(string json, DateOnly? today = null) =>
        Validator().Validate(JsonDocument.Parse(json).RootElement.Clone(), today ?? Today, "310000");

    public static OpenCaseCommand AssertValid<T>(Validated<T> result) where T : class
    {
        Assert.True(result.Errors.IsEmpty, "Unexpected errors: " + Describe(result.Errors));
        Assert.True(result.IsValid);
        return Assert.IsType<OpenCaseCommand>(result.Value);
    }

    /// <summary>The result is invalid with problems at exactly <paramref name="paths"/>, and no message shows an ID number.</summary>
    public static void AssertErrorsAt<T>(Validated<T> result, params string[] paths) where T : class
    {
        Assert.False(result.IsValid);
        Assert.Null(result.Value);
        Assert.Equal(paths.Order(StringComparer.Ordinal), result.Errors.ToDictionary().Keys.Order(StringComparer.Ordinal));
        AssertNoIdNumberIn(result.Errors);
    }

    public static void AssertNoIdNumberIn(ValidationErrors errors)
    {
        foreach (var message in errors.ToDictionary().SelectMany(e => e.Value))
        {
            Assert.DoesNotMatch(@"\d{15}", message);
            foreach (var id in AllIds) Assert.DoesNotContain(id[..14], message, StringComparison.OrdinalIgnoreCase);
        }
    }

    public static string Describe(ValidationErrors errors) =>
        string.Join("; ", errors.ToDictionary().Select(e => e.Key + ": " + string.Join(" | ", e.Value)));

    private static readonly string[] AllIds =
        [ZhejiangMan2000, ShanghaiWomanX1999, ZhejiangWoman1986, ZhejiangMan1991, AnhuiWoman2000, JiangxiMan1984, AnhuiBoy2015, ShanghaiMan1999];
}
