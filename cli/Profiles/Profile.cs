using System.Text.Json.Serialization;

namespace Tongban.Cli.Profiles;

/// <summary>One named set of credentials in the profiles file: the hub's URL, a partner identity, an operator identity.</summary>
public sealed record Profile
{
    [JsonPropertyName("url")]
    public string? Url { get; init; }

    [JsonPropertyName("partner")]
    public string? Partner { get; init; }

    [JsonPropertyName("secret")]
    public string? Secret { get; init; }

    [JsonPropertyName("operator")]
    public string? Operator { get; init; }

    [JsonPropertyName("operatorSecret")]
    public string? OperatorSecret { get; init; }
}

/// <summary>The profiles file: <c>{"default": "name", "profiles": {"name": {...}}}</c>.</summary>
public sealed record ProfilesFile
{
    [JsonPropertyName("default")]
    public string? Default { get; init; }

    [JsonPropertyName("profiles")]
    public Dictionary<string, Profile> Profiles { get; init; } = new(StringComparer.Ordinal);
}
