using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tongban.DevHost.Hosting;

namespace Tongban.Infra.Tests;

/// <summary>
/// The app settings a snapshot gives the site, with what only a deployment can supply replaced by test values of
/// the right shape: Key Vault references by the entry's stand-in (a fresh 32-byte key for the PII key ring, a
/// 48-byte secret for partners and operators, the contract's sandbox credentials for provinces), storage endpoints
/// and the Application Insights connection string by addresses of the public cloud's form. Any other expression
/// is refused, so a new kind of setting cannot slip past the start-up test unexamined.
/// </summary>
public static partial class DeployedAppSettings
{
    public static Dictionary<string, string> Resolve(IReadOnlyDictionary<string, string> settings)
    {
        var provinces = SandboxProvinces();
        return settings.ToDictionary(setting => setting.Key, setting => TestValue(setting.Key, setting.Value, provinces), StringComparer.Ordinal);
    }

    /// <summary>App settings as the Functions host reads them: environment variables, "__" for ":".</summary>
    public static IEnumerable<KeyValuePair<string, string?>> AsConfiguration(IReadOnlyDictionary<string, string> settings) =>
        settings.Select(setting => KeyValuePair.Create(setting.Key.Replace("__", ":", StringComparison.Ordinal), (string?)setting.Value));

    /// <summary>The vault entry a Key Vault reference names, or null when the value is not one.</summary>
    public static string? VaultEntry(string value)
    {
        if (!value.Contains("@Microsoft.KeyVault(SecretUri=", StringComparison.Ordinal)) return null;
        var match = SecretResourcePath().Match(value);
        if (!match.Success) match = EntryArgument().Match(value);
        return match.Success ? match.Groups["entry"].Value : throw new InvalidOperationException($"Cannot tell the vault entry of {value}.");
    }

    private static string TestValue(string name, string value, JsonObject provinces)
    {
        if (!value.StartsWith('[')) return value;
        if (VaultEntry(value) is { } entry) return VaultEntryStandIn(entry, provinces);

        var endpoint = StorageEndpoint().Match(value);
        if (endpoint.Success) return $"https://{endpoint.Groups["account"].Value}.{endpoint.Groups["service"].Value}.core.windows.net/";
        if (name == "APPLICATIONINSIGHTS_CONNECTION_STRING")
        {
            return "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://chinanorth3-0.in.applicationinsights.azure.cn/";
        }

        throw new InvalidOperationException($"App setting {name} is an expression the start-up test has no stand-in for: {value}");
    }

    private static string VaultEntryStandIn(string entry, JsonObject provinces)
    {
        if (entry.StartsWith("pii-key-", StringComparison.Ordinal)) return Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        if (entry == "audit-signing-key") return Tongban.Audit.AuditSigner.NewKeyPair().PrivatePem;
        if (PartyEntry().IsMatch(entry)) return Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();

        var province = ProvinceEntry().Match(entry);
        if (province.Success && provinces[province.Groups["code"].Value]?[province.Groups["field"].Value] is JsonValue credential)
        {
            return credential.GetValue<string>();
        }

        throw new InvalidOperationException($"Vault entry {entry} has no test stand-in (not a PII key, partner, operator or sandbox province credential).");
    }

    private static JsonObject SandboxProvinces()
    {
        var path = RepoRoot.SandboxCredentials() ?? throw new InvalidOperationException("contracts/provinces/test-credentials.json not found.");
        return JsonNode.Parse(File.ReadAllText(path))!["provinces"]!.AsObject();
    }

    // reference('…/vaults/kv/secrets/pii-key-k1', …).secretUri: the entry the deployment reads to prove it exists.
    [GeneratedRegex(@"/providers/Microsoft\.KeyVault/vaults/[^/']+/secrets/(?<entry>[A-Za-z0-9-]+)'")]
    private static partial Regex SecretResourcePath();

    // format('@Microsoft.KeyVault(SecretUri={0}secrets/{1}/)', <vault URI>, 'partner-330000-secret')
    [GeneratedRegex(@"'(?<entry>[A-Za-z0-9-]+)'\)\]$")]
    private static partial Regex EntryArgument();

    [GeneratedRegex(@"^(partner|operator)-.+-secret$")]
    private static partial Regex PartyEntry();

    [GeneratedRegex(@"^province-(?<code>\d{6})-(?<field>\w+)$")]
    private static partial Regex ProvinceEntry();

    [GeneratedRegex(@"/providers/Microsoft\.Storage/storageAccounts/(?<account>[a-z0-9]+)'.*\.primaryEndpoints\.(?<service>blob|queue|table)\]$")]
    private static partial Regex StorageEndpoint();
}
