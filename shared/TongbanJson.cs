using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tongban;

/// <summary>The one JSON shape the hub speaks: camelCase, enums as strings, nulls kept out of stored rows.</summary>
public static class TongbanJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            // Names stay readable Chinese in stored rows and responses.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        // Enum names as the partner contract writes them (AwaitingReview, Succeeded).
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Expected a {typeof(T).Name}.");
}
