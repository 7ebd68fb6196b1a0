using System.Diagnostics;
using System.Globalization;
using Tongban.DevHost.Hosting;
using Tongban.IntegrationTests.Infrastructure;

namespace Tongban.IntegrationTests.TestRun;

/// <summary>
/// Issue 15: a test run leaves no process running, whatever happens to a test (five Azurites were left after a run whose
/// hub fixture failed to start).
/// </summary>
public sealed class LeftoverProcessTests
{
    /// <summary>A hub fixture whose hub cannot start: its review window is no time span.</summary>
    private sealed class ImpossibleHubFixture : HubFixture
    {
        protected override void Configure(Dictionary<string, string?> settings) => settings["Tongban:Marriage:ReviewWindow"] = "soon";
    }

    [Fact]
    public async Task A_hub_fixture_that_fails_to_start_stops_the_Azurite_it_started()
    {
        var fixture = new ImpossibleHubFixture();

        var failure = await Assert.ThrowsAnyAsync<Exception>(fixture.InitializeAsync);

        Assert.True(StartupFailure.Describe(failure).Any(problem => problem.Contains("Tongban:Marriage:ReviewWindow", StringComparison.Ordinal)),
            $"the start failed, but not on the review window: {failure}");
        var azurite = Assert.NotNull(fixture.AzuriteProcessId);
        Assert.True(TestProcesses.Gone(azurite), $"Azurite (pid {azurite}) still runs after its fixture failed to start");
        // xUnit v2 disposes the fixture again after a failed start: nothing is left to stop, and nothing throws.
        await fixture.DisposeAsync();
    }

    [Fact]
    public async Task A_held_process_still_running_is_killed_with_its_children()
    {
        var start = new ProcessStartInfo("sh") { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("sleep 120 & echo $!; wait");
        using var shell = Process.Start(start) ?? throw new InvalidOperationException("Could not start sh.");
        var child = int.Parse((await shell.StandardOutput.ReadLineAsync())!, CultureInfo.InvariantCulture);
        var hold = new ProcessHold();
        hold.Add(shell.Id);

        hold.KillAll();

        await shell.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!TestProcesses.Gone(child) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(TestProcesses.Gone(child), $"the held process's child (pid {child}) still runs");
    }
}
