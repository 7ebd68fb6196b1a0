using System.Diagnostics;
using System.Security.Cryptography;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Tongban.DevHost;
using Tongban.DevHost.Hosting;
using Tongban.IntegrationTests.Infrastructure;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>
/// A devhost stopped while cases are in flight gives up its engine partitions before its worker goes: the engine's drain
/// then finishes, instead of waiting out DTFx's 10-minute limit and ending the process with a TimeoutException.
/// </summary>
public sealed class DevHostShutdownTests : IAsyncLifetime
{
    private readonly string taskHub = "stop" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private AzuriteLauncher? azurite;
    private DevHostApp? hub;

    public async Task InitializeAsync() => azurite = await TestProcesses.StartAzuriteAsync();

    /// <summary>The hub too when the test failed before stopping it.</summary>
    public Task DisposeAsync() => TestProcesses.StopAllAsync(
        () => Interlocked.Exchange(ref hub, null)?.DisposeAsync() ?? ValueTask.CompletedTask,
        () => Interlocked.Exchange(ref azurite, null)?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Fact]
    public async Task A_hub_stopped_with_cases_in_flight_releases_its_partitions_promptly()
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["AzureWebJobsStorage"] = azurite!.ConnectionString,
            ["Tongban:TaskHub"] = taskHub,
            ["Tongban:Pii:Keys:stop"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Tongban:Pii:ActiveKeyId"] = "stop",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        hub = await DevHostApp.StartAsync([], config => config.AddInMemoryCollection(settings));
        using (var http = new HttpClient(OpenApiConformance.Create()) { BaseAddress = hub.Url })
        {
            var shanghai = new DevHost.Demo.PartnerClient(http, "310000",
                Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
                    .GetRequiredService<IConfiguration>(hub.Services)["Tongban:Partners:310000:Secret"]!);
            // Cases still verifying when the hub stops: the engine has sessions out with the worker.
            foreach (var (a, b) in new[] { (ZjMan1, ShWoman1), (ZjMan2, ShWoman2) })
            {
                Assert.Equal(202, (await shanghai.PostAsync("/api/v1/cases", Body("310000", "310115", a, b), Key())).Status);
            }
        }

        var stopping = Stopwatch.StartNew();
        await Interlocked.Exchange(ref hub, null)!.DisposeAsync();
        stopping.Stop();

        Assert.True(stopping.Elapsed < DurableEngine.ReleaseWait, $"stopping took {stopping.Elapsed}");
        var leases = new TableServiceClient(azurite.ConnectionString).GetTableClient(taskHub + "Partitions");
        var owners = new List<string>();
        await foreach (var lease in leases.QueryAsync<TableEntity>()) owners.Add(lease.GetString("CurrentOwner") ?? "");
        Assert.NotEmpty(owners);
        Assert.All(owners, owner => Assert.True(string.IsNullOrEmpty(owner), $"partition still owned by {owner}"));
    }
}
