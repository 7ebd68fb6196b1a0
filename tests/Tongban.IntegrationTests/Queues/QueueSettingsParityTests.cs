using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Tongban.Configuration;
using Tongban.DevHost.Hosting;

namespace Tongban.IntegrationTests.Queues;

/// <summary>
/// Host parity: the devhost's queue loop runs on the queue settings the Functions host reads from host.json (batch size,
/// polling, a fixed retry delay of host.json's visibilityTimeout, deliveries before poison), not settings of its own.
/// </summary>
public sealed class QueueSettingsParityTests
{
    private static JsonElement Queues()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot.Find(), "host.json")));
        return hostJson.RootElement.GetProperty("extensions").GetProperty("queues").Clone();
    }

    private static QueueListenerSettings DevHost(Dictionary<string, string?>? configuration = null) =>
        QueueListenerSettings.ForDevHost(new ConfigurationBuilder().AddInMemoryCollection(configuration ?? []).Build());

    [Fact]
    public void The_devhost_reads_the_repository_host_json()
    {
        var queues = Queues();
        var settings = DevHost();

        Assert.Equal(queues.GetProperty("batchSize").GetInt32(), settings.BatchSize);
        Assert.Equal(TimeSpan.Parse(queues.GetProperty("maxPollingInterval").GetString()!, System.Globalization.CultureInfo.InvariantCulture), settings.MaxPollingInterval);
        var visibility = TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal((visibility, visibility), (settings.RetryDelay, settings.MaxRetryDelay));
        Assert.Equal(queues.GetProperty("maxDequeueCount").GetInt32(), settings.MaxDequeueCount);
    }

    [Fact]
    public void A_failed_message_waits_host_json_visibilityTimeout_every_time_as_in_Functions()
    {
        var visibility = TimeSpan.Parse(Queues().GetProperty("visibilityTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var settings = DevHost();

        Assert.Equal([visibility, visibility, visibility, visibility], Enumerable.Range(1, 4).Select(n => settings.RetryDelayAfter(n)));
    }

    [Fact]
    public void The_hubs_own_MaxDequeueCount_default_is_host_json_maxDequeueCount()
    {
        // The poison path counts the attempts with Tongban:MaxDequeueCount; in Azure the trigger poisons at host.json's.
        Assert.Equal(Queues().GetProperty("maxDequeueCount").GetInt32(), new TongbanOptions().MaxDequeueCount);
    }

    [Fact]
    public void Tongban_Queues_settings_override_host_json()
    {
        var settings = DevHost(new() { ["Tongban:Queues:RetryDelay"] = "00:00:00.200", ["Tongban:Queues:MaxRetryDelay"] = "00:00:01", ["Tongban:Queues:BatchSize"] = "4" });

        Assert.Equal((TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 4), (settings.RetryDelay, settings.MaxRetryDelay, settings.BatchSize));
        Assert.Equal([200, 400, 800, 1000], Enumerable.Range(1, 4).Select(n => settings.RetryDelayAfter(n).TotalMilliseconds));
    }

    [Fact]
    public void A_host_json_without_a_queues_section_keeps_the_defaults()
    {
        using var bare = JsonDocument.Parse("""{ "version": "2.0" }""");
        var settings = QueueListenerSettings.FromHostJson(bare);

        Assert.Equal((16, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30)), (settings.BatchSize, settings.RetryDelay, settings.MaxRetryDelay));
    }

    [Fact]
    public void Durations_in_milliseconds_are_read_too()
    {
        using var json = JsonDocument.Parse("""{ "extensions": { "queues": { "visibilityTimeout": 1500, "newBatchThreshold": 3 } } }""");
        var settings = QueueListenerSettings.FromHostJson(json);

        Assert.Equal((TimeSpan.FromMilliseconds(1500), 3), (settings.RetryDelay, settings.NewBatchThreshold));
    }
}
