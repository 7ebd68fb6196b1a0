using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;

namespace Tongban.DevHost.Hosting;

/// <summary>
/// The Durable engine without the Functions host: the Durable Task Framework's Azure Storage backend
/// (what Durable Functions runs on) behind the Durable Task gRPC sidecar, on a loopback HTTP/2 port.
/// Several devhosts on one task hub share its partitions, as Functions workers do.
/// </summary>
public sealed class DurableEngine : IAsyncDisposable
{
    private readonly WebApplication sidecar;

    private DurableEngine(WebApplication sidecar, GrpcChannel channel, IOrchestrationService service)
    {
        this.sidecar = sidecar;
        Channel = channel;
        Service = service;
    }

    public GrpcChannel Channel { get; }

    public IOrchestrationService Service { get; }

    /// <param name="storagePolicy">Added to the engine's storage clients, per retry (the devhost's <see cref="StorageTurns"/>).</param>
    public static async Task<DurableEngine> StartAsync(string storageConnectionString, string taskHub, EngineSettings tuning,
        ILoggerFactory loggerFactory, HttpPipelinePolicy storagePolicy, CancellationToken ct)
    {
        var (service, client) = tuning.Backend switch
        {
            EngineBackend.AzureStorage => AzureStorage(storageConnectionString, taskHub, tuning, loggerFactory, storagePolicy),
            EngineBackend.InMemory => InMemory(tuning, loggerFactory),
            _ => throw new InvalidOperationException($"Unknown engine backend {tuning.Backend}."),
        };
        var sidecarService = tuning.Backend == EngineBackend.AzureStorage
            // The sidecar never renews a lock: keep the work items it hands out locked while the worker holds them. Nor does it
            // keep an engine session open between turns: do that too, when extended sessions are on.
            ? new SidecarOrchestrationService(service, client, null, null, tuning.QueueVisibilityTimeout, TimeProvider.System,
                loggerFactory.CreateLogger<SidecarOrchestrationService>(),
                tuning.ExtendedSessionsEnabled
                    ? new ExtendedSessions(service, tuning.QueueVisibilityTimeout, tuning.MaxExtendedSessions, TimeProvider.System,
                        loggerFactory.CreateLogger<ExtendedSessions>())
                    : null)
            // The in-memory service has no locks to lose, but its caps must be raised to be a throughput reference.
            : new SidecarOrchestrationService(service, client, tuning.MaxConcurrentOrchestrations, tuning.MaxConcurrentActivities, null,
                TimeProvider.System, loggerFactory.CreateLogger<SidecarOrchestrationService>());
        (service, client) = (sidecarService, sidecarService);
        await service.CreateIfNotExistsAsync();

        var port = AzuriteLauncher.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddEmbeddedHostLifetime();
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = 16 * 1024 * 1024;
            o.Interceptors.Add<WorkItemStreamHealthPings>(tuning.HealthPingInterval);
        });
        builder.Services.AddSingleton(service);
        builder.Services.AddSingleton(client);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        var app = builder.Build();
        app.MapGrpcService<TaskHubGrpcServer>();
        await app.StartAsync(ct);
        // Resolve the server now: it starts the engine's dispatchers once its host has started.
        app.Services.GetRequiredService<TaskHubGrpcServer>();
        var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        return new DurableEngine(app, channel, service);
    }

    private static (IOrchestrationService, IOrchestrationServiceClient) AzureStorage(string storageConnectionString, string taskHub,
        EngineSettings tuning, ILoggerFactory loggerFactory, HttpPipelinePolicy storagePolicy)
    {
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = taskHub,
            // As StorageAccountClientProvider(connectionString) makes them (default options), with the policy added.
            StorageAccountClientProvider = new StorageAccountClientProvider(
                StorageServiceClientProvider.ForBlob(storageConnectionString, WithPolicy(new BlobClientOptions(), storagePolicy)),
                StorageServiceClientProvider.ForQueue(storageConnectionString, WithPolicy(new QueueClientOptions(), storagePolicy)),
                StorageServiceClientProvider.ForTable(storageConnectionString, WithPolicy(new TableClientOptions(), storagePolicy))),
            PartitionCount = tuning.PartitionCount,
            // Table partition management: a restart regains partitions in ~3 s instead of 20-37 s with blob leases.
            UseTablePartitionManagement = true,
            // An idle hub otherwise wakes up to 30 s late (timers, events).
            MaxQueuePollingInterval = tuning.MaxQueuePollingInterval,
            MaxConcurrentTaskActivityWorkItems = tuning.MaxConcurrentActivities,
            MaxConcurrentTaskOrchestrationWorkItems = tuning.MaxConcurrentOrchestrations,
            // A crashed hub's dequeued messages come back after these; the sidecar never renews the locks (the
            // SidecarOrchestrationService around this does, for the work items handed out), so
            // activities must finish well within them (ours are a few storage calls).
            ControlQueueVisibilityTimeout = tuning.QueueVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = tuning.QueueVisibilityTimeout,
            // Control-queue messages prefetched but not yet handed out are not renewed: keep no more than a visibility's worth.
            ControlQueueBufferThreshold = tuning.ControlQueueBufferThreshold,
            // A session kept open after a turn holds the orchestration's state: its next turn reads no history.
            ExtendedSessionsEnabled = tuning.ExtendedSessionsEnabled,
            ExtendedSessionIdleTimeout = tuning.ExtendedSessionIdleTimeout,
            LoggerFactory = new EngineLogLevels(loggerFactory),
        };
        var service = new AzureStorageOrchestrationService(settings);
        return (service, service);
    }

    private static T WithPolicy<T>(T options, HttpPipelinePolicy policy) where T : ClientOptions
    {
        options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        return options;
    }

    /// <summary>
    /// The sidecar's in-memory service (no durability: a reference for what the engine costs without storage), with the
    /// concurrency caps raised to the configured ones. The hub's own tables and queues stay on storage.
    /// </summary>
    private static (IOrchestrationService, IOrchestrationServiceClient) InMemory(EngineSettings tuning, ILoggerFactory loggerFactory)
    {
        var inner = new InMemoryOrchestrationService(loggerFactory);
        return (inner, inner);
    }

    /// <summary>How long a stopping devhost waits for the engine to give up its partitions.</summary>
    public static readonly TimeSpan ReleaseWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Stops the engine's storage work: DTFx Azure Storage drains the sessions it handed out, then releases its partition
    /// leases. Called while the worker is still connected, so those sessions can finish. Stopped the other way round (worker
    /// first, as the sidecar's own stop does), a session in flight is never completed, the drain waits out DTFx's 10-minute
    /// limit, and the TimeoutException it then throws on a thread-pool thread (the sidecar stops the service from an
    /// ApplicationStopping callback) ends the process. A second stop, the sidecar's, then finds the partitions released.
    /// </summary>
    public async Task ReleasePartitionsAsync()
    {
        var release = Service.StopAsync();
        if (await Task.WhenAny(release, Task.Delay(ReleaseWait)) == release) await release;
    }

    public async ValueTask DisposeAsync()
    {
        await sidecar.StopAsync();
        await sidecar.DisposeAsync();
        if (Service is IAsyncDisposable renewals) await renewals.DisposeAsync();
        Channel.Dispose();
    }
}

/// <summary>
/// Engine settings that mattered when measured (DEVHOST-NOTES.md): host.json's <c>extensions.durableTask</c> where the
/// Functions host reads one there (<see cref="ForDevHost"/>), then <c>Tongban:Engine</c> in configuration over them.
/// </summary>
public sealed class EngineSettings
{
    /// <summary>
    /// How long a session stays open after a turn, waiting for the orchestration's next messages (host.json's
    /// <c>extendedSessionIdleTimeoutInSeconds</c>, Functions' default 30 s); zero, or host.json's <c>extendedSessionsEnabled</c>
    /// false, keeps none. A hub giving up a partition waits for that partition's open sessions, at most this long.
    /// </summary>
    public TimeSpan ExtendedSessionIdleTimeout { get; set; }

    /// <summary>Sessions kept open at once, at most (each holds one orchestration's history in memory).</summary>
    public int MaxExtendedSessions { get; set; } = 1000;

    public bool ExtendedSessionsEnabled => ExtendedSessionIdleTimeout > TimeSpan.Zero;

    /// <summary>The devhost's settings: host.json's extended sessions, then <c>Tongban:Engine</c> over them.</summary>
    public static EngineSettings ForDevHost(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        HostJson.Settings(configuration, "Tongban:Engine", FromHostJson);

    /// <summary>Settings from a host.json document's <c>extensions.durableTask</c> section; what it leaves out keeps its default.</summary>
    public static EngineSettings FromHostJson(System.Text.Json.JsonDocument hostJson)
    {
        var settings = new EngineSettings();
        if (HostJson.TryGetSection(hostJson, out var durableTask, "extensions", "durableTask")
            && durableTask.TryGetProperty("extendedSessionsEnabled", out var enabled) && enabled.GetBoolean())
        {
            settings.ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(
                durableTask.TryGetProperty("extendedSessionIdleTimeoutInSeconds", out var idle) ? idle.GetInt32() : 30);
        }

        return settings;
    }

    /// <summary>AzureStorage (the DTFx backend Durable Functions runs on) or InMemory (the sidecar's test service: no durability, a speed reference).</summary>
    public EngineBackend Backend { get; set; } = EngineBackend.AzureStorage;

    public int PartitionCount { get; set; } = 4;

    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int MaxConcurrentActivities { get; set; } = 100;

    public int MaxConcurrentOrchestrations { get; set; } = 100;

    /// <summary>How long a dequeued engine message stays hidden: what a crashed hub's cases wait before another takes them (DTFx default 5 min).</summary>
    public TimeSpan QueueVisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Control-queue messages the engine prefetches and buffers per hub (DTFx default 64). A buffered message is not renewed
    /// until it is handed out, so a backlog that takes longer than the queue visibility to work through is delivered twice.
    /// </summary>
    public int ControlQueueBufferThreshold { get; set; } = 64;

    /// <summary>How often the sidecar pings the worker's work-item stream; well inside the worker's 120 s silent-disconnect timeout (zero: never).</summary>
    public TimeSpan HealthPingInterval { get; set; } = TimeSpan.FromSeconds(30);
}

public enum EngineBackend
{
    AzureStorage,
    InMemory,
}
