using System.Globalization;
using System.Text.Json;

namespace Tongban.DevHost.Hosting;

/// <summary>
/// The repository's host.json, embedded in the devhost at build time: the devhost reads the settings the Functions host reads
/// from the file the Functions app deploys (<see cref="QueueListenerSettings"/>, <see cref="EngineSettings"/>).
/// </summary>
public static class HostJson
{
    public static JsonDocument Load()
    {
        using var stream = typeof(HostJson).Assembly.GetManifestResourceStream("Tongban.DevHost.host.json")
            ?? throw new InvalidOperationException("host.json is not embedded in the devhost.");
        return JsonDocument.Parse(stream);
    }

    /// <summary>Settings as host.json gives them (<paramref name="fromHostJson"/>), then the configuration section over them.</summary>
    public static T Settings<T>(Microsoft.Extensions.Configuration.IConfiguration configuration, string section, Func<JsonDocument, T> fromHostJson)
        where T : class
    {
        using var hostJson = Load();
        var settings = fromHostJson(hostJson);
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(section), settings);
        return settings;
    }

    /// <summary>The section at <paramref name="path"/> (e.g. <c>extensions</c>, <c>durableTask</c>), if the document has it.</summary>
    public static bool TryGetSection(JsonDocument hostJson, out JsonElement section, params string[] path)
    {
        section = hostJson.RootElement;
        foreach (var name in path)
        {
            if (section.ValueKind != JsonValueKind.Object || !section.TryGetProperty(name, out section)) return false;
        }

        return section.ValueKind == JsonValueKind.Object;
    }

    /// <summary>host.json takes a TimeSpan string ("00:00:30") or milliseconds.</summary>
    public static TimeSpan Duration(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? TimeSpan.FromMilliseconds(value.GetDouble())
            : TimeSpan.Parse(value.GetString()!, CultureInfo.InvariantCulture);
}
