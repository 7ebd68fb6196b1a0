using System.Text.RegularExpressions;
using Tongban.Infra.Tests.Bicep;

namespace Tongban.Infra.Tests;

/// <summary>
/// The PII key ring reaches the app as Key Vault references to entries the deployment itself reads, so a deployment
/// without the key stops before the app is configured; the active ID is one of the ring's.
/// </summary>
[Collection(CompiledInfrastructureCollection.Name)]
public sealed partial class PiiKeyRingTests(CompiledInfrastructure infra)
{
    public static TheoryData<string> Environments => ["dev", "prod"];

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_ring_key_is_a_key_vault_reference_to_its_pii_key_entry(string environment)
    {
        var settings = infra.Snapshot(environment).AppSettings;
        var ids = Ids(environment);

        Assert.NotEmpty(ids);
        var keys = settings.Where(s => s.Key.StartsWith("Tongban__Pii__Keys__", StringComparison.Ordinal)).ToDictionary();
        Assert.Equal(ids.Select(id => "Tongban__Pii__Keys__" + id).Order(), keys.Keys.Order());
        foreach (var id in ids)
        {
            var value = keys["Tongban__Pii__Keys__" + id];
            Assert.StartsWith("[format('@Microsoft.KeyVault(SecretUri={0})', reference(", value, StringComparison.Ordinal);
            Assert.Equal("pii-key-" + id, DeployedAppSettings.VaultEntry(value));
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Active_key_id_is_a_plain_setting_naming_a_key_of_the_ring(string environment)
    {
        var active = (string)Parameters(environment)["piiActiveKeyId"]!["value"]!;

        Assert.Contains(active, Ids(environment));
        Assert.All(Ids(environment), id => Assert.Matches(KeyId(), id));
        Assert.Equal(active, infra.Snapshot(environment).AppSettings["Tongban__Pii__ActiveKeyId"]);
    }

    [Fact]
    public void Deployment_reads_each_pii_key_entry_so_a_missing_key_stops_it()
    {
        var entry = Assert.Single(infra.Main.ExistingResources, r => (string?)r["type"] == "Microsoft.KeyVault/vaults/secrets");

        Assert.Equal("[length(parameters('piiKeyIds'))]", ArmTemplate.Text(entry, "copy.count"));
        Assert.Equal("[format('{0}/{1}', variables('names').vault, __bicep.piiKeyVaultEntry(parameters('piiKeyIds')[copyIndex()]))]", ArmTemplate.Text(entry, "name"));
        Assert.Equal("format('pii-key-{0}', parameters('id'))", Expressions.Unwrap(Expressions.Function(infra.Main.Root, "piiKeyVaultEntry")));
        Assert.Contains(entry["dependsOn"]!.AsArray(), dependency => (string?)dependency == "vault");

        // The app module takes the URI the read returns, so it cannot be configured before the read has succeeded.
        var app = Assert.Single(infra.Main.OfType("Microsoft.Resources/deployments"), d => (string?)d["name"] == "tongban-function-app");
        Assert.Contains(app["dependsOn"]!.AsArray(), dependency => (string?)dependency == "piiKeyEntries");
        Assert.Contains(
            "'secretUri', reference(format('piiKeyEntries[{0}]', copyIndex('value'))).secretUri",
            (string?)app["properties"]!["parameters"]!["piiKeys"]!["copy"]![0]!["input"],
            StringComparison.Ordinal);
    }

    [Fact]
    public void Deployment_refuses_an_active_key_id_outside_the_ring()
    {
        var folder = Directory.CreateTempSubdirectory("tongban-params-").FullName;
        try
        {
            // The prod parameter file with an active ID the ring lacks; `using` must stay a relative path.
            var prod = File.ReadAllText(Path.Combine(BicepCli.BicepRoot, "environments", "prod.bicepparam"));
            var main = Path.GetRelativePath(folder, Path.Combine(BicepCli.BicepRoot, "main.bicep")).Replace('\\', '/');
            var broken = ActiveKeyLine().Replace(prod.Replace("using '../main.bicep'", $"using '{main}'", StringComparison.Ordinal), "param piiActiveKeyId = 'k404'");
            Assert.Contains("param piiActiveKeyId = 'k404'", broken, StringComparison.Ordinal);
            var file = Path.Combine(folder, "prod.bicepparam");
            File.WriteAllText(file, broken);

            var run = BicepCli.Run("snapshot", file, "--subscription-id", DeploymentSnapshot.SubscriptionId, "--resource-group", "rg-tongban-prod", "--location", DeploymentSnapshot.Location);

            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains("'activePiiKey' is not valid", run.Diagnostics, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private List<string> Ids(string environment) =>
        Parameters(environment)["piiKeyIds"]!["value"]!.AsArray().Select(id => (string)id!).ToList();

    private System.Text.Json.Nodes.JsonObject Parameters(string environment) =>
        infra.ParameterFiles[Path.Combine("environments", environment + ".bicepparam")]["parameters"]!.AsObject();

    [GeneratedRegex("param piiActiveKeyId = '[^']*'")]
    private static partial Regex ActiveKeyLine();

    [GeneratedRegex("^[A-Za-z0-9]{1,16}$")]
    private static partial Regex KeyId();
}
