using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Tongban.DevHost.Hosting;

namespace Tongban.IntegrationTests.Engine;

/// <summary>
/// Host parity: the devhost's engine keeps sessions open between turns as host.json tells the Functions host to
/// (<c>extendedSessionsEnabled</c>, <c>extendedSessionIdleTimeoutInSeconds</c>), and <c>Tongban:Engine</c> can override it.
/// </summary>
public sealed class EngineSettingsParityTests
{
    private static EngineSettings DevHost(Dictionary<string, string?>? configuration = null) =>
        EngineSettings.ForDevHost(new ConfigurationBuilder().AddInMemoryCollection(configuration ?? []).Build());

    [Fact]
    public void The_devhost_keeps_sessions_as_the_repository_host_json_says()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot.Find(), "host.json")));
        var durableTask = hostJson.RootElement.GetProperty("extensions").GetProperty("durableTask");
        var settings = DevHost();

        Assert.Equal(durableTask.GetProperty("extendedSessionsEnabled").GetBoolean(), settings.ExtendedSessionsEnabled);
        Assert.Equal(TimeSpan.FromSeconds(durableTask.GetProperty("extendedSessionIdleTimeoutInSeconds").GetInt32()), settings.ExtendedSessionIdleTimeout);
    }

    [Theory]
    [InlineData("""{ "extensions": { "durableTask": { "extendedSessionsEnabled": false, "extendedSessionIdleTimeoutInSeconds": 30 } } }""", 0)]
    [InlineData("""{ "extensions": { "durableTask": { "extendedSessionsEnabled": true } } }""", 30)]
    [InlineData("""{ "extensions": { "durableTask": { "extendedSessionsEnabled": true, "extendedSessionIdleTimeoutInSeconds": 12 } } }""", 12)]
    [InlineData("""{ "version": "2.0" }""", 0)]
    public void Host_json_turns_sessions_on_with_Functions_default_idle_timeout(string json, int idleSeconds)
    {
        using var hostJson = JsonDocument.Parse(json);
        var settings = EngineSettings.FromHostJson(hostJson);

        Assert.Equal((idleSeconds > 0, TimeSpan.FromSeconds(idleSeconds)), (settings.ExtendedSessionsEnabled, settings.ExtendedSessionIdleTimeout));
    }

    [Fact]
    public void Tongban_Engine_settings_override_host_json()
    {
        var settings = DevHost(new() { ["Tongban:Engine:ExtendedSessionIdleTimeout"] = "00:00:00", ["Tongban:Engine:PartitionCount"] = "2" });

        Assert.Equal((false, 2), (settings.ExtendedSessionsEnabled, settings.PartitionCount));
    }
}
