using Azure.Data.Tables;
using Azure.Storage.Queues;
using Tongban.DevHost.Hosting;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>One Azurite per test collection, in memory, on free loopback ports; started by the test run itself.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteLauncher? azurite;

    public string ConnectionString => azurite?.ConnectionString ?? throw new InvalidOperationException("Azurite is not started.");

    public TableServiceClient Tables => new(ConnectionString);

    public QueueServiceClient Queues => new(ConnectionString);

    public async Task InitializeAsync() => azurite = await TestProcesses.StartAzuriteAsync();

    public async Task DisposeAsync()
    {
        // Once: xUnit v2 calls this even for a start that failed, and a stopped launcher cannot stop again.
        if (Interlocked.Exchange(ref azurite, null) is { } started) await started.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
