using System.Text.Json.Nodes;
using Tongban.Infra.Tests.Bicep;

namespace Tongban.Infra.Tests;

/// <summary>
/// In prod, storage and Key Vault are reachable only through private endpoints in the hub's virtual network, and
/// the app reaches them (and everything else) through its VNet integration. Asserted on what each parameter file
/// deploys (bicep snapshot), so a condition or parameter that switched isolation off would show here.
/// </summary>
[Collection(CompiledInfrastructureCollection.Name)]
public sealed class PrivateNetworkingTests(CompiledInfrastructure infra)
{
    private static readonly string[] StorageGroups = ["blob", "queue", "table"];

    private DeploymentSnapshot Prod => infra.Snapshot("prod");

    private DeploymentSnapshot Dev => infra.Snapshot("dev");

    [Fact]
    public void Private_networking_is_the_default_and_prod_sets_it()
    {
        Assert.Equal("True", ArmTemplate.Text(infra.Main.Root, "parameters.privateNetworking.defaultValue"), ignoreCase: true);
        Assert.True(Parameter("prod", "privateNetworking")!.GetValue<bool>());
    }

    [Theory]
    [InlineData("Microsoft.Storage/storageAccounts")]
    [InlineData("Microsoft.KeyVault/vaults")]
    public void Prod_storage_and_vault_refuse_public_network_access(string type)
    {
        var properties = Prod.Sole(type)["properties"]!;

        Assert.Equal("Disabled", (string?)properties["publicNetworkAccess"]);
        Assert.Equal("Deny", (string?)properties["networkAcls"]!["defaultAction"]);
        Assert.Equal("None", (string?)properties["networkAcls"]!["bypass"]);
    }

    [Fact]
    public void Prod_has_a_private_endpoint_per_storage_service_and_the_vault_and_none_for_files()
    {
        var account = Prod.Sole("Microsoft.Storage/storageAccounts");
        var vault = Prod.Sole("Microsoft.KeyVault/vaults");
        var endpoints = Prod.OfType("Microsoft.Network/privateEndpoints").ToList();

        var targets = endpoints.ToDictionary(
            endpoint => Assert.Single(Connection(endpoint)["groupIds"]!.AsArray())!.GetValue<string>(),
            endpoint => (string?)Connection(endpoint)["privateLinkServiceId"]);
        Assert.Equal(["blob", "queue", "table", "vault"], targets.Keys.Order(StringComparer.Ordinal));
        Assert.All(StorageGroups, group => Assert.Equal((string?)account["id"], targets[group]));
        Assert.Equal((string?)vault["id"], targets["vault"]);
        Assert.All(endpoints, endpoint => Assert.EndsWith("/subnets/private-endpoints", ArmTemplate.Text(endpoint, "properties.subnet.id"), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("blob", "format('privatelink.blob.{0}', environment().suffixes.storage)")]
    [InlineData("queue", "format('privatelink.queue.{0}', environment().suffixes.storage)")]
    [InlineData("table", "format('privatelink.table.{0}', environment().suffixes.storage)")]
    [InlineData("vault", "format('privatelink{0}', replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.'))")]
    public void Each_endpoint_registers_in_its_cloud_zone_and_the_zone_is_linked_to_the_vnet(string group, string zone)
    {
        // Zone names follow the cloud (core.windows.net, core.chinacloudapi.cn; vaultcore.azure.net, vaultcore.azure.cn).
        Assert.Contains(Prod.OfType("Microsoft.Network/privateDnsZones"), z => (string?)z["name"] == $"[{zone}]");

        var zoneGroup = Assert.Single(Prod.OfType("Microsoft.Network/privateEndpoints/privateDnsZoneGroups"),
            g => ((string)g["name"]!).EndsWith($"-{group}/default", StringComparison.Ordinal));
        var config = Assert.Single(zoneGroup["properties"]!["privateDnsZoneConfigs"]!.AsArray())!;
        Assert.Contains($"'Microsoft.Network/privateDnsZones', {zone})", (string?)config["properties"]!["privateDnsZoneId"], StringComparison.Ordinal);

        var vnet = Prod.Sole("Microsoft.Network/virtualNetworks");
        var link = Assert.Single(Prod.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks"),
            l => ((string)l["name"]!).Contains(zone, StringComparison.Ordinal));
        Assert.Equal((string?)vnet["id"], ArmTemplate.Text(link, "properties.virtualNetwork.id"));
        Assert.Equal("false", ArmTemplate.Text(link, "properties.registrationEnabled"));
    }

    [Fact]
    public void Prod_app_subnet_is_delegated_to_flex_consumption_and_leaves_only_through_the_nat_gateway()
    {
        var app = Subnet("app");

        var delegation = Assert.Single(app["properties"]!["delegations"]!.AsArray())!;
        Assert.Equal("Microsoft.App/environments", ArmTemplate.Text(delegation, "properties.serviceName"));
        Assert.Equal((string?)Prod.Sole("Microsoft.Network/natGateways")["id"], ArmTemplate.Text(app, "properties.natGateway.id"));
        Assert.Equal("false", ArmTemplate.Text(app, "properties.defaultOutboundAccess"));
        Assert.Equal("Static", ArmTemplate.Text(Prod.Sole("Microsoft.Network/publicIPAddresses"), "properties.publicIPAllocationMethod"));
        Assert.Null(Subnet("private-endpoints")["properties"]!["delegations"]);
    }

    [Fact]
    public void Prod_app_is_vnet_integrated_and_routes_all_its_outbound_traffic_through_it()
    {
        var site = Prod.Site;
        var vnet = Prod.Sole("Microsoft.Network/virtualNetworks");

        Assert.Equal($"{vnet["id"]}/subnets/app", ArmTemplate.Text(site, "properties.virtualNetworkSubnetId"));
        // applicationTraffic is what vnetRouteAllEnabled became: Key Vault references and storage go by the endpoints.
        Assert.Equal("true", ArmTemplate.Text(site, "properties.outboundVnetRouting.applicationTraffic"));
    }

    [Fact]
    public void Function_app_waits_for_the_private_endpoints()
    {
        var app = Assert.Single(infra.Main.OfType("Microsoft.Resources/deployments"), d => (string?)d["name"] == "tongban-function-app");

        Assert.Contains(app["dependsOn"]!.AsArray(), dependency => (string?)dependency == "endpoints");
    }

    [Fact]
    public void Dev_keeps_public_endpoints_without_a_network_as_documented()
    {
        Assert.False(Parameter("dev", "privateNetworking")!.GetValue<bool>());
        foreach (var type in new[] { "Microsoft.Network/virtualNetworks", "Microsoft.Network/privateEndpoints", "Microsoft.Network/privateDnsZones", "Microsoft.Network/natGateways" })
        {
            Assert.Empty(Dev.OfType(type));
        }

        foreach (var type in new[] { "Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults" })
        {
            Assert.Equal("Enabled", ArmTemplate.Text(Dev.Sole(type), "properties.publicNetworkAccess"));
        }

        Assert.Null(Dev.Site["properties"]!["virtualNetworkSubnetId"]);
        Assert.Null(Dev.Site["properties"]!["outboundVnetRouting"]);
        // Public in dev still means Entra ID only: no key, no anonymous blob.
        Assert.Equal("false", ArmTemplate.Text(Dev.Sole("Microsoft.Storage/storageAccounts"), "properties.allowSharedKeyAccess"));
    }

    private static JsonObject Connection(JsonObject endpoint) =>
        Assert.Single(endpoint["properties"]!["privateLinkServiceConnections"]!.AsArray())!["properties"]!.AsObject();

    private JsonObject Subnet(string name) =>
        Prod.Sole("Microsoft.Network/virtualNetworks")["properties"]!["subnets"]!.AsArray()
            .Single(subnet => (string?)subnet!["name"] == name)!.AsObject();

    private JsonNode? Parameter(string environment, string name) =>
        infra.ParameterFiles[Path.Combine("environments", environment + ".bicepparam")]["parameters"]![name]?["value"];
}
