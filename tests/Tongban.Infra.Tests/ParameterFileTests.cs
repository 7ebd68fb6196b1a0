using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tongban.Infra.Tests.Bicep;

namespace Tongban.Infra.Tests;

/// <summary>
/// The environment parameter files against the province contract (contracts/provinces/test-credentials.json):
/// every credential field the hub reads is configured, secret ones only as vault entries.
/// </summary>
[Collection(CompiledInfrastructureCollection.Name)]
public sealed partial class ParameterFileTests(CompiledInfrastructure infra)
{
    private static readonly Dictionary<string, (string Scheme, string[] Plain, string[] Secret)> Members = new()
    {
        ["330000"] = ("zj-gateway", ["appKey"], ["appSecret"]),
        ["310000"] = ("sh-hmac", ["appKey", "callbackKey"], ["appSecret", "callbackSecret"]),
        ["360000"] = ("jx-esb", ["appId"], ["appSecret"]),
        ["340000"] = ("ah-tif", ["paasId", "appId", "sm2UserId"], ["paasToken", "sm4KeyHex", "hubSm2PrivateKeyPem", "hubSm2PublicKeyPem", "provinceSm2PublicKeyPem"]),
    };

    public static TheoryData<string> Files => [.. BicepCli.SourceFiles(".bicepparam")];

    [Theory]
    [MemberData(nameof(Files))]
    public void Parameter_file_configures_the_four_member_provinces(string file)
    {
        var provinces = Provinces(file);

        Assert.Equal(Members.Keys.Order(), provinces.Select(p => (string)p["code"]!).Order());
        foreach (var province in provinces)
        {
            var (scheme, plain, secret) = Members[(string)province["code"]!];
            Assert.Equal(scheme, (string?)province["scheme"]);
            Assert.StartsWith("https://", (string?)province["baseUrl"], StringComparison.Ordinal);
            Assert.Equal(plain.Order(), province["settings"]!.AsObject().Select(s => s.Key).Order());
            Assert.Equal(secret.Order(), province["secretFields"]!.AsArray().Select(f => (string)f!).Order());
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Parameter_file_holds_no_credential_value(string file)
    {
        var parameters = infra.ParameterFiles[file]["parameters"]!.AsObject();
        var text = parameters.ToJsonString();

        Assert.DoesNotContain("-----BEGIN", text, StringComparison.Ordinal);
        Assert.DoesNotContain("@Microsoft.KeyVault", text, StringComparison.Ordinal);
        foreach (var province in Provinces(file))
        {
            var plainFields = province["settings"]!.AsObject().Select(s => s.Key).ToList();
            Assert.DoesNotContain(plainFields, field =>
                field.EndsWith("Secret", StringComparison.Ordinal) ||
                field.EndsWith("Token", StringComparison.Ordinal) ||
                field.Contains("Pem", StringComparison.Ordinal) ||
                field.EndsWith("KeyHex", StringComparison.Ordinal));
        }

        // Everything main.bicep takes is declared without secure types: secrets reach the app only through the vault.
        Assert.DoesNotContain(infra.Main.Root["parameters"]!.AsObject(), p => ((string?)p.Value!["type"])!.StartsWith("secure", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_partner_registers_https_callback_origins_and_the_app_gets_them_as_a_list(string file)
    {
        var settings = infra.Snapshots[file].AppSettings;

        foreach (var province in Provinces(file))
        {
            var code = (string)province["code"]!;
            var origins = province["callbackOrigins"]!.AsArray().Select(origin => (string)origin!).ToList();
            Assert.NotEmpty(origins);
            Assert.All(origins, origin => Assert.Matches(HttpsOrigin(), origin));
            // Tongban:Partners:{code}:CallbackOrigins, index by index, and nothing beyond.
            Assert.Equal(origins, origins.Select((_, i) => settings[$"Tongban__Partners__{code}__CallbackOrigins__{i}"]));
            Assert.False(settings.ContainsKey($"Tongban__Partners__{code}__CallbackOrigins__{origins.Count}"));
        }
    }

    private List<JsonObject> Provinces(string file) =>
        infra.ParameterFiles[file]["parameters"]!["provinces"]!["value"]!.AsArray().Select(p => p!.AsObject()).ToList();

    [GeneratedRegex(@"^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$")]
    private static partial Regex HttpsOrigin();
}
