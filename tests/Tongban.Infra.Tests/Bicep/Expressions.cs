using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tongban.Infra.Tests.Bicep;

/// <summary>The little ARM expression reading the tests need: template variables and user-defined functions.</summary>
public static partial class Expressions
{
    /// <summary>Follows "[variables('x')]" and "[variables('x').y]" to the literal they name; anything else stays as it is.</summary>
    public static JsonNode? Resolve(JsonObject template, JsonNode? node)
    {
        for (var depth = 0; depth < 8 && node is JsonValue value && value.TryGetValue<string>(out var text); depth++)
        {
            var match = VariableReference().Match(text);
            if (!match.Success)
            {
                break;
            }

            node = template["variables"]?[match.Groups["name"].Value];
            if (match.Groups["member"].Success)
            {
                node = node?[match.Groups["member"].Value];
            }
        }

        return node;
    }

    /// <summary>An expression without its surrounding brackets.</summary>
    public static string Unwrap(string expression) => expression.TrimStart('[').TrimEnd(']');

    public static string Variable(JsonObject template, string name) =>
        template["variables"]?[name]?.ToString() ?? throw new KeyNotFoundException($"Variable '{name}' is not in the template.");

    /// <summary>The output expression of a user-defined function (Bicep compiles them into the __bicep namespace).</summary>
    public static string Function(JsonObject template, string name) =>
        template["functions"]?.AsArray()
            .Select(ns => ns?["members"]?[name]?["output"]?["value"]?.ToString())
            .FirstOrDefault(body => body is not null)
        ?? throw new KeyNotFoundException($"Function '{name}' is not in the template.");

    [GeneratedRegex(@"^\[variables\('(?<name>[^']+)'\)(\.(?<member>\w+))?\]$")]
    private static partial Regex VariableReference();
}
