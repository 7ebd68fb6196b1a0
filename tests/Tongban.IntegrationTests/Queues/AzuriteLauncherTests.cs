using Azure.Storage.Queues;
using Tongban.IntegrationTests.Infrastructure;

namespace Tongban.IntegrationTests.Queues;

/// <summary>
/// The Azurite every test, the devhost and the bench run is started through <c>eng/azurite.cjs</c>, which installs the
/// project's fix to Azurite's queue store (that the fix changes no answer: <c>Tongban.Tests.Storage.AzuriteQueueFixTests</c>).
/// </summary>
public sealed class AzuriteLauncherTests
{
    [Fact]
    public async Task The_launcher_starts_azurite_with_the_queue_store_fix_and_its_queues_work()
    {
        await using var azurite = await TestProcesses.StartAzuriteAsync();

        var commandLine = (await File.ReadAllTextAsync($"/proc/{azurite.ProcessId}/cmdline")).Split('\0');
        Assert.Contains(commandLine, a => a.EndsWith(Path.Combine("eng", "azurite.cjs"), StringComparison.Ordinal));

        var queue = new QueueServiceClient(azurite.ConnectionString).GetQueueClient("launcher-check");
        await queue.CreateAsync();
        // Invisible messages held beside visible ones, as durable timers are: the receive takes only the visible, oldest first.
        await queue.SendMessageAsync("later", visibilityTimeout: TimeSpan.FromHours(1));
        foreach (var text in new[] { "a", "b", "c" }) await queue.SendMessageAsync(text);

        var first = (await queue.ReceiveMessagesAsync(2, TimeSpan.FromMinutes(1))).Value;
        Assert.Equal(["a", "b"], first.Select(m => m.Body.ToString()));
        foreach (var m in first) await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
        var rest = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1))).Value;
        Assert.Equal(["c"], rest.Select(m => m.Body.ToString()));
        Assert.Equal(2, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
