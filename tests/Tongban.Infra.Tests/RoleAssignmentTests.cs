using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tongban.Infra.Tests.Bicep;

namespace Tongban.Infra.Tests;

[Collection(CompiledInfrastructureCollection.Name)]
public sealed partial class RoleAssignmentTests(CompiledInfrastructure infra)
{
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    [Fact]
    public void App_identity_owns_blobs_and_contributes_to_queues_and_tables_of_its_storage()
    {
        var grants = AppGrants("Microsoft.Storage/storageAccounts");

        Assert.Equal(new[] { StorageBlobDataOwner, StorageQueueDataContributor, StorageTableDataContributor }.Order(), grants.Order());
    }

    [Fact]
    public void App_identity_reads_vault_secrets_and_nothing_more()
    {
        Assert.Equal([KeyVaultSecretsUser], AppGrants("Microsoft.KeyVault/vaults"));
    }

    [Fact]
    public void App_identity_publishes_telemetry()
    {
        Assert.Equal([MonitoringMetricsPublisher], AppGrants("Microsoft.Insights/components"));
    }

    [Fact]
    public void Role_assignments_go_to_the_function_app_identity()
    {
        var rbac = infra.Main.Resources.Single(r => (string?)r["name"] == "tongban-rbac");

        Assert.Equal(
            "[reference('functionApp').outputs.principalId.value]",
            ArmTemplate.Text(rbac, "properties.parameters.appPrincipalId.value"));
        Assert.Equal("[reference('site', '2025-03-01', 'full').identity.principalId]", ArmTemplate.Text(infra.Main.TemplateDeclaring("Microsoft.Web/sites"), "outputs.principalId.value"));
    }

    /// <summary>Role definition GUIDs granted to the app identity on resources of one type.</summary>
    private List<string> AppGrants(string scopeType)
    {
        var template = infra.Main.TemplateDeclaring("Microsoft.Authorization/roleAssignments");
        var grants = new List<string>();
        foreach (var assignment in infra.Main.OfType("Microsoft.Authorization/roleAssignments"))
        {
            if (ArmTemplate.Text(assignment, "properties.principalId") != "[parameters('appPrincipalId')]" ||
                !ArmTemplate.Text(assignment, "scope")!.Contains($"resourceId('{scopeType}'", StringComparison.Ordinal))
            {
                continue;
            }

            Assert.Equal("ServicePrincipal", ArmTemplate.Text(assignment, "properties.principalType"));
            var role = RoleArgument().Match(ArmTemplate.Text(assignment, "properties.roleDefinitionId")!).Groups["role"].Value;
            if (assignment["copy"] is not null)
            {
                // A loop over a variable array: "variables('storageRoles')[copyIndex()]".
                var array = role[..role.IndexOf('[', StringComparison.Ordinal)];
                var items = Expressions.Resolve(template, JsonValue.Create($"[{array}]"))!.AsArray();
                grants.AddRange(items.Select(item => Expressions.Resolve(template, item)!.ToString()));
            }
            else
            {
                grants.Add(Expressions.Resolve(template, JsonValue.Create($"[{role}]"))!.ToString());
            }
        }

        return grants;
    }

    [GeneratedRegex(@"^\[subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions', (?<role>.+)\)\]$")]
    private static partial Regex RoleArgument();
}
