using System.Text.Json.Nodes;

namespace Tongban.Infra.Tests.Bicep;

/// <summary>Read-only view of a compiled ARM template, with its modules (nested deployments) flattened in.</summary>
public sealed class ArmTemplate
{
    public ArmTemplate(JsonObject root)
    {
        Root = root;
        Templates = Nest(root).ToList();
    }

    public JsonObject Root { get; }

    /// <summary>The template itself and every module template inside it.</summary>
    public IReadOnlyList<JsonObject> Templates { get; }

    /// <summary>What the templates deploy; "existing" declarations (read, never written) are left out.</summary>
    public IEnumerable<JsonObject> Resources => Templates.SelectMany(OwnResources).Where(resource => resource["existing"]?.GetValue<bool>() != true);

    /// <summary>Resources a template only reads ("existing" declarations).</summary>
    public IEnumerable<JsonObject> ExistingResources => Templates.SelectMany(OwnResources).Where(resource => resource["existing"]?.GetValue<bool>() == true);

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources.Where(resource => string.Equals((string?)resource["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Sole(string type) => Assert.Single(OfType(type));

    /// <summary>The template that declares a resource of the given type.</summary>
    public JsonObject TemplateDeclaring(string type) =>
        Templates.Single(template => OwnResources(template).Any(resource =>
            string.Equals((string?)resource["type"], type, StringComparison.OrdinalIgnoreCase)));

    public static string? Text(JsonNode? node, string path)
    {
        foreach (var segment in path.Split('.'))
        {
            node = node?[segment];
        }

        return node?.ToString();
    }

    private static IEnumerable<JsonObject> OwnResources(JsonObject template) =>
        template["resources"] switch
        {
            // languageVersion 2.0 keys resources by symbolic name.
            JsonObject symbolic => symbolic.Select(pair => pair.Value!.AsObject()),
            JsonArray list => list.Select(node => node!.AsObject()),
            _ => [],
        };

    private static IEnumerable<JsonObject> Nest(JsonObject template)
    {
        yield return template;
        foreach (var resource in OwnResources(template))
        {
            if (resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in Nest(nested))
                {
                    yield return inner;
                }
            }
        }
    }
}
