using Microsoft.Extensions.Hosting;
using Tongban.Provinces;
using Tongban.Storage;

namespace Tongban.Functions;

/// <summary>Creates the tables and the configured provinces' queues (and poison twins) before triggers need them.</summary>
public sealed class StorageStartup(StorageInitializer storage, ProvinceRegistry provinces) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => storage.EnsureAsync(provinces.Codes, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
