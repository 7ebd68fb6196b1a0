using System.Net;
using System.Net.Sockets;
using Azure.Storage.Queues;
using Tongban.DevHost.Hosting;
using Tongban.IntegrationTests.Infrastructure;

namespace Tongban.IntegrationTests.Queues;

/// <summary>
/// The Azurite every test, the devhost and the bench run is started through <c>eng/azurite.cjs</c>, which installs the
/// project's fixes to Azurite's queue and table stores (that they change no answer: <c>Tongban.Tests.Storage.AzuriteQueueFixTests</c>
/// and <c>AzuriteTableFixTests</c>), with Azurite's own telemetry off.
/// </summary>
public sealed class AzuriteLauncherTests
{
    [Fact]
    public async Task The_launcher_starts_azurite_with_the_store_fixes_and_no_telemetry_and_its_queues_work()
    {
        await using var azurite = await TestProcesses.StartAzuriteAsync();

        var commandLine = (await File.ReadAllTextAsync($"/proc/{azurite.ProcessId}/cmdline")).Split('\0');
        Assert.Contains(commandLine, a => a.EndsWith(Path.Combine("eng", "azurite.cjs"), StringComparison.Ordinal));
        // Azurite reports every request to Microsoft's Application Insights unless told not to.
        Assert.Contains("--disableTelemetry", commandLine);

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

    [Fact]
    public async Task A_port_taken_before_azurite_binds_it_is_left_for_other_free_ports()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;
        var picks = 0;
        // The first pick is the taken port, as when an outgoing connection took a port between its pick and Azurite's bind.
        int Pick() => Interlocked.Increment(ref picks) == 1 ? takenPort : AzuriteLauncher.FreePort();

        await using var azurite = await AzuriteLauncher.StartOnFreePortsAsync(null, CancellationToken.None, Pick);
        TestProcesses.Hold(azurite.ProcessId!.Value);

        Assert.DoesNotContain(takenPort, new[] { azurite.BlobPort, azurite.QueuePort, azurite.TablePort });
        Assert.Equal(3, new[] { azurite.BlobPort, azurite.QueuePort, azurite.TablePort }.Distinct().Count());
        Assert.True(picks >= 6, $"{picks} picks: a second start on three new ports");
        await new QueueServiceClient(azurite.ConnectionString).GetQueueClient("launcher-retry").CreateAsync();
    }

    [Fact]
    public async Task A_port_always_taken_ends_the_start_with_azurites_reason_after_the_attempts()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;
        var picks = 0;
        var handed = new HashSet<int> { takenPort };
        int Pick()
        {
            // Each start's first pick is the taken port; the others never repeat, so every start picks exactly three.
            if (picks++ % 3 == 0) return takenPort;
            int port;
            do port = AzuriteLauncher.FreePort();
            while (!handed.Add(port));
            return port;
        }

        var failed = await Assert.ThrowsAsync<AzuriteExitedException>(() => AzuriteLauncher.StartOnFreePortsAsync(null, CancellationToken.None, Pick));

        Assert.Contains("EADDRINUSE", failed.Message, StringComparison.Ordinal);
        Assert.Equal(3 * AzuriteLauncher.PortAttempts, picks);
    }
}
