using System.Text.Json.Nodes;

namespace Tongban.Infra.Tests.Bicep;

/// <summary>
/// The resources one parameter file deploys (`bicep snapshot`): literal values where the parameter file decides
/// them, ARM expressions ("[reference(…)]") where only the deployment can (endpoints, Key Vault URIs).
/// </summary>
public sealed class DeploymentSnapshot(JsonObject root)
{
    public const string SubscriptionId = "00000000-0000-0000-0000-000000000000";

    public const string Location = "chinanorth3";

    public IReadOnlyList<JsonObject> Resources { get; } =
        root["predictedResources"]!.AsArray().Select(resource => resource!.AsObject()).ToList();

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources.Where(resource => string.Equals((string?)resource["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Sole(string type) => Assert.Single(OfType(type));

    public JsonObject Site => Sole("Microsoft.Web/sites");

    /// <summary>The site's app settings by name, as deployed (values may be ARM expressions).</summary>
    public IReadOnlyDictionary<string, string> AppSettings =>
        Site["properties"]!["siteConfig"]!["appSettings"]!.AsArray()
            .ToDictionary(setting => (string)setting!["name"]!, setting => (string)setting!["value"]!, StringComparer.Ordinal);
}
