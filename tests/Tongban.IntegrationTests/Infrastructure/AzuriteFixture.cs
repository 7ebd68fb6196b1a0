using Azure.Data.Tables;
using Azure.Storage.Queues;
using Tongban.DevHost.Hosting;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>One Azurite per test collection, in memory, on free loopback ports; started by the test run itself.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteLauncher? azurite;

    public string ConnectionString => azurite?.ConnectionString ?? throw new InvalidOperationException("Azurite is not started.");

    public AzuriteLauncher Launcher => azurite ?? throw new InvalidOperationException("Azurite is not started.");

    public TableServiceClient Tables => new(ConnectionString);

    public QueueServiceClient Queues => new(ConnectionString);

    public async Task InitializeAsync()
    {
        azurite = await AzuriteLauncher.StartAsync(AzuriteLauncher.FreePort(), AzuriteLauncher.FreePort(), AzuriteLauncher.FreePort(), location: null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (azurite is not null) await azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
