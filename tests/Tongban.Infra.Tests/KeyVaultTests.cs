using System.Text.Json.Nodes;
using Tongban.Infra.Tests.Bicep;

namespace Tongban.Infra.Tests;

[Collection(CompiledInfrastructureCollection.Name)]
public sealed class KeyVaultTests(CompiledInfrastructure infra)
{
    private JsonNode Vault => infra.Main.Sole("Microsoft.KeyVault/vaults")["properties"]!;

    [Fact]
    public void Vault_authorizes_by_rbac_not_access_policies()
    {
        Assert.True((bool)Vault["enableRbacAuthorization"]!);
        Assert.Null(Vault["accessPolicies"]);
    }

    [Fact]
    public void Vault_keeps_deleted_secrets_recoverable_and_cannot_be_purged()
    {
        Assert.True((bool)Vault["enableSoftDelete"]!);
        Assert.True((bool)Vault["enablePurgeProtection"]!);
    }

    [Fact]
    public void Vault_is_not_open_to_templates_or_virtual_machines()
    {
        Assert.False((bool)Vault["enabledForTemplateDeployment"]!);
        Assert.False((bool)Vault["enabledForDeployment"]!);
    }

    [Fact]
    public void Templates_never_write_secret_values()
    {
        Assert.Empty(infra.Main.OfType("Microsoft.KeyVault/vaults/secrets"));
    }
}
