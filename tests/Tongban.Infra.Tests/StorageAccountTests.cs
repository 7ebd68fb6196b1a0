using System.Text.Json.Nodes;
using Tongban.Infra.Tests.Bicep;

namespace Tongban.Infra.Tests;

[Collection(CompiledInfrastructureCollection.Name)]
public sealed class StorageAccountTests(CompiledInfrastructure infra)
{
    private JsonNode Account => infra.Main.Sole("Microsoft.Storage/storageAccounts")["properties"]!;

    [Fact]
    public void Storage_account_refuses_shared_key_access()
    {
        Assert.False((bool)Account["allowSharedKeyAccess"]!);
        Assert.True((bool)Account["defaultToOAuthAuthentication"]!);
    }

    [Fact]
    public void Storage_account_requires_tls_1_2_over_https()
    {
        Assert.Equal("TLS1_2", (string?)Account["minimumTlsVersion"]);
        Assert.True((bool)Account["supportsHttpsTrafficOnly"]!);
    }

    [Fact]
    public void Storage_account_refuses_public_blob_access()
    {
        Assert.False((bool)Account["allowBlobPublicAccess"]!);
        var container = infra.Main.Sole("Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.Equal("None", ArmTemplate.Text(container, "properties.publicAccess"));
    }

    [Fact]
    public void Every_province_gets_a_work_queue_and_its_poison_twin()
    {
        var storage = infra.Main.TemplateDeclaring("Microsoft.Storage/storageAccounts");
        var queues = infra.Main.Sole("Microsoft.Storage/storageAccounts/queueServices/queues");

        Assert.Equal("format('province-{0}', parameters('code'))", Expressions.Unwrap(Expressions.Function(storage, "provinceQueue")));
        Assert.Equal("format('province-{0}-poison', parameters('code'))", Expressions.Unwrap(Expressions.Function(storage, "provincePoisonQueue")));
        var provinceQueues = Expressions.Variable(storage, "provinceQueues");
        Assert.StartsWith("[flatten(map(parameters('provinces')", provinceQueues, StringComparison.Ordinal);
        Assert.Contains("__bicep.provinceQueue(lambdaVariables('p').code)", provinceQueues, StringComparison.Ordinal);
        Assert.Contains("__bicep.provincePoisonQueue(lambdaVariables('p').code)", provinceQueues, StringComparison.Ordinal);
        Assert.Contains("variables('provinceQueues')", ArmTemplate.Text(queues, "copy.count"), StringComparison.Ordinal);
    }

    [Fact]
    public void Task_hub_queues_and_tables_follow_host_json()
    {
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepoRoot, "host.json")))!;
        var partitionCount = (int)hostJson["extensions"]!["durableTask"]!["storageProvider"]!["partitionCount"]!;
        var main = infra.Main.Root;
        var storageModule = infra.Main.Resources.Single(r => (string?)r["name"] == "tongban-storage");
        var storage = infra.Main.TemplateDeclaring("Microsoft.Storage/storageAccounts");

        // loadJsonContent inlines host.json, so the partition count the template uses is the host's own.
        var inlined = main["variables"]!.AsObject().Select(v => v.Value).OfType<JsonObject>()
            .Single(v => v["extensions"]?["durableTask"] is not null);
        Assert.Equal(partitionCount, (int)inlined["extensions"]!["durableTask"]!["storageProvider"]!["partitionCount"]!);
        Assert.Equal(
            "[variables('hostJson').extensions.durableTask.storageProvider.partitionCount]",
            ArmTemplate.Text(storageModule, "properties.parameters.partitionCount.value"));
        Assert.Contains("format('{0}-control-{1}'", Expressions.Variable(storage, "hubQueues"), StringComparison.Ordinal);
        Assert.Contains("-workitems", Expressions.Variable(storage, "hubQueues"), StringComparison.Ordinal);
        var tables = Expressions.Variable(storage, "hubTables");
        Assert.Contains("{0}History", tables, StringComparison.Ordinal);
        Assert.Contains("{0}Instances", tables, StringComparison.Ordinal);
    }
}
