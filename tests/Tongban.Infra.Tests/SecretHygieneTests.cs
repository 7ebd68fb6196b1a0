using Tongban.Infra.Tests.Bicep;

namespace Tongban.Infra.Tests;

[Collection(CompiledInfrastructureCollection.Name)]
public sealed class SecretHygieneTests(CompiledInfrastructure infra)
{
    private static readonly string[] SecretWords = ["secret", "key", "password", "token"];

    [Fact]
    public void No_secure_parameter_has_a_default_value()
    {
        var secureWithDefault =
            from template in infra.Main.Templates
            from parameter in template["parameters"]?.AsObject() ?? []
            let type = (string?)parameter.Value!["type"]
            where type is "securestring" or "secureObject" or "secureobject"
            where parameter.Value!["defaultValue"] is not null
            select parameter.Key;

        Assert.Empty(secureWithDefault);
    }

    [Fact]
    public void No_output_carries_a_secret_or_key()
    {
        var findings = new List<string>();
        foreach (var output in infra.Main.Root["outputs"]!.AsObject())
        {
            var text = output.Key + " " + output.Value!["value"];
            findings.AddRange(SecretWords.Where(word => text.Contains(word, StringComparison.OrdinalIgnoreCase)).Select(word => $"{output.Key}: {word}"));
        }

        foreach (var output in infra.Main.Templates.SelectMany(t => t["outputs"]?.AsObject() ?? []))
        {
            var text = output.Key + " " + output.Value!["value"];
            if (text.Contains("listKeys", StringComparison.OrdinalIgnoreCase) ||
                text.Contains("listSecrets", StringComparison.OrdinalIgnoreCase) ||
                text.Contains("secret", StringComparison.OrdinalIgnoreCase) ||
                (string?)output.Value["type"] is "securestring" or "secureObject")
            {
                findings.Add(output.Key);
            }
        }

        Assert.Empty(findings);
    }

    [Fact]
    public void Deployment_outputs_name_what_a_deployer_needs()
    {
        var outputs = infra.Main.Root["outputs"]!.AsObject();

        foreach (var name in new[] { "functionAppName", "functionAppHostName", "storageAccountName", "vaultName", "vaultUri" })
        {
            Assert.True(outputs.ContainsKey(name), $"main.bicep does not output {name}.");
        }
    }

    [Fact]
    public void Every_resource_is_named_from_the_one_token()
    {
        var main = infra.Main.Root;
        var names = main["variables"]!["names"]!.AsObject();

        Assert.Equal("[toLower(uniqueString(resourceGroup().id, parameters('environmentName')))]", (string?)main["variables"]!["token"]);
        Assert.All(names, name => Assert.Contains("variables('token')", name.Value!.ToString(), StringComparison.Ordinal));
        var modules = infra.Main.Resources.Where(r => (string?)r["type"] == "Microsoft.Resources/deployments");
        var nameParameters = modules
            .SelectMany(m => m["properties"]!["parameters"]!.AsObject())
            .Where(p => p.Key.EndsWith("Name", StringComparison.Ordinal) || p.Key.EndsWith("NamePrefix", StringComparison.Ordinal))
            .Where(p => p.Key is not ("taskHubName" or "skuName"));
        Assert.All(nameParameters, p => Assert.StartsWith("[variables('names').", p.Value!["value"]!.ToString(), StringComparison.Ordinal));
    }
}
