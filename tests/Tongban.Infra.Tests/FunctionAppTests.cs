using System.Text.Json.Nodes;
using Tongban.Infra.Tests.Bicep;

namespace Tongban.Infra.Tests;

[Collection(CompiledInfrastructureCollection.Name)]
public sealed class FunctionAppTests(CompiledInfrastructure infra)
{
    private JsonObject Site => infra.Main.Sole("Microsoft.Web/sites");

    private JsonObject AppTemplate => infra.Main.TemplateDeclaring("Microsoft.Web/sites");

    [Fact]
    public void Function_app_runs_on_a_flex_consumption_plan()
    {
        var plan = infra.Main.Sole("Microsoft.Web/serverfarms");

        Assert.Equal("FC1", ArmTemplate.Text(plan, "sku.name"));
        Assert.Equal("FlexConsumption", ArmTemplate.Text(plan, "sku.tier"));
        Assert.Equal("true", ArmTemplate.Text(plan, "properties.reserved"));
        Assert.Equal("functionapp,linux", (string?)Site["kind"]);
    }

    [Fact]
    public void Function_app_runs_the_dotnet_10_isolated_worker()
    {
        Assert.Equal("dotnet-isolated", ArmTemplate.Text(Site, "properties.functionAppConfig.runtime.name"));
        Assert.Equal("10.0", ArmTemplate.Text(Site, "properties.functionAppConfig.runtime.version"));
    }

    [Fact]
    public void Function_app_has_a_system_assigned_identity()
    {
        Assert.Equal("SystemAssigned", ArmTemplate.Text(Site, "identity.type"));
        Assert.Equal("SystemAssigned", ArmTemplate.Text(Site, "properties.keyVaultReferenceIdentity"));
    }

    [Fact]
    public void Deployment_package_is_fetched_with_the_app_identity()
    {
        Assert.Equal("blobContainer", ArmTemplate.Text(Site, "properties.functionAppConfig.deployment.storage.type"));
        Assert.Equal("SystemAssignedIdentity", ArmTemplate.Text(Site, "properties.functionAppConfig.deployment.storage.authentication.type"));
        var policies = infra.Main.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(2, policies.Count);
        Assert.All(policies, policy => Assert.Equal("false", ArmTemplate.Text(policy, "properties.allow")));
    }

    [Fact]
    public void Function_app_accepts_https_only()
    {
        Assert.Equal("true", ArmTemplate.Text(Site, "properties.httpsOnly"));
        Assert.Equal("1.2", ArmTemplate.Text(Site, "properties.siteConfig.minTlsVersion"));
    }

    [Fact]
    public void Host_storage_connects_by_identity_without_keys()
    {
        var storage = Expressions.Resolve(AppTemplate, JsonValue.Create("[variables('hostStorageSettings')]"))!.AsObject();

        Assert.Equal("managedidentity", (string?)storage["AzureWebJobsStorage__credential"]);
        foreach (var name in new[] { "accountName", "blobServiceUri", "queueServiceUri", "tableServiceUri" })
        {
            Assert.True(storage.ContainsKey("AzureWebJobsStorage__" + name), $"AzureWebJobsStorage__{name} is not set.");
        }

        Assert.DoesNotContain("AzureWebJobsStorage", storage.Select(s => s.Key));
        var everything = infra.Main.Root.ToJsonString();
        foreach (var keyMaterial in new[] { "listKeys", "AccountKey", "DefaultEndpointsProtocol", "SharedAccessSignature", "listAccountSas" })
        {
            Assert.DoesNotContain(keyMaterial, everything, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void App_settings_are_the_union_of_plain_and_vault_backed_settings()
    {
        Assert.Equal(
            "[map(items(variables('appSettings')), lambda('setting', createObject('name', lambdaVariables('setting').key, 'value', lambdaVariables('setting').value)))]",
            ArmTemplate.Text(Site, "properties.siteConfig.appSettings"));
        var appSettings = Expressions.Variable(AppTemplate, "appSettings");
        foreach (var part in new[] { "hostStorageSettings", "monitoringSettings", "hubSettings", "piiSettings", "provincePlainSettings", "partnerCallbackSettings", "provinceSecretSettings", "operatorSecretSettings" })
        {
            Assert.Contains($"variables('{part}')", appSettings, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Partner_and_province_secrets_are_key_vault_references()
    {
        Assert.Equal(
            "[format('@Microsoft.KeyVault(SecretUri={0}secrets/{1}/)', parameters('vaultUri'), parameters('entry'))]",
            Expressions.Function(AppTemplate, "keyVaultReference"));

        var secrets = Expressions.Variable(AppTemplate, "provinceSecretSettings");
        Assert.Contains(
            "format('Tongban__Partners__{0}__Secret', lambdaVariables('p').code), __bicep.keyVaultReference(parameters('vaultUri'), __bicep.partnerVaultEntry(lambdaVariables('p').code))",
            secrets,
            StringComparison.Ordinal);
        Assert.Contains(
            "toObject(lambdaVariables('p').secretFields, lambda('field', format('Tongban__Provinces__{0}__{1}', lambdaVariables('p').code, lambdaVariables('field'))), lambda('field', __bicep.keyVaultReference(parameters('vaultUri'), __bicep.provinceVaultEntry(lambdaVariables('p').code, lambdaVariables('field')))))",
            secrets,
            StringComparison.Ordinal);

        // Operators sign the operator API with a secret from the vault, one entry per operator ID.
        Assert.Equal(
            "[toObject(parameters('operators'), lambda('id', format('Tongban__Operators__{0}__Secret', lambdaVariables('id'))), lambda('id', __bicep.keyVaultReference(parameters('vaultUri'), __bicep.operatorVaultEntry(lambdaVariables('id')))))]",
            Expressions.Variable(AppTemplate, "operatorSecretSettings"));

        // Plain settings never read a secret field.
        var plain = Expressions.Variable(AppTemplate, "provincePlainSettings");
        Assert.DoesNotContain("secretFields", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("Partners", plain, StringComparison.Ordinal);
    }

    [Fact]
    public void Province_scheme_base_url_and_plain_fields_come_from_the_province_list()
    {
        var plain = Expressions.Variable(AppTemplate, "provincePlainSettings");

        Assert.StartsWith("[reduce(parameters('provinces')", plain, StringComparison.Ordinal);
        Assert.Contains("format('Tongban__Provinces__{0}__Scheme', lambdaVariables('p').code), lambdaVariables('p').scheme", plain, StringComparison.Ordinal);
        Assert.Contains("format('Tongban__Provinces__{0}__BaseUrl', lambdaVariables('p').code), lambdaVariables('p').baseUrl", plain, StringComparison.Ordinal);
        Assert.Contains("items(lambdaVariables('p').settings)", plain, StringComparison.Ordinal);
    }

    [Fact]
    public void Task_hub_setting_is_the_one_host_json_reads()
    {
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepoRoot, "host.json")))!;
        var hub = Expressions.Resolve(AppTemplate, JsonValue.Create("[variables('hubSettings')]"))!.AsObject();

        Assert.Equal("%Tongban__TaskHub%", (string?)hostJson["extensions"]!["durableTask"]!["hubName"]);
        Assert.Equal("[parameters('taskHubName')]", (string?)hub["Tongban__TaskHub"]);
        Assert.Equal("[parameters('marriageReviewWindow')]", (string?)hub["Tongban__Marriage__ReviewWindow"]);
        Assert.Equal("30.00:00:00", ArmTemplate.Text(infra.Main.Root, "parameters.marriageReviewWindow.defaultValue"));
    }

    [Fact]
    public void Flex_consumption_app_sets_no_settings_the_platform_rejects()
    {
        var everything = AppTemplate.ToJsonString();

        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("WEBSITE_RUN_FROM_PACKAGE", everything, StringComparison.Ordinal);
    }
}
