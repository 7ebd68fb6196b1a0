using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Azure;
using OpenTelemetry;
using Tongban.Api;
using Tongban.Callbacks;
using Tongban.DevHost.Faults;
using Tongban.DevHost.Hosting;
using Tongban.Operations;
using Tongban.Provinces;
using Tongban.Sandbox;
using Tongban.Storage;
using Tongban.Telemetry;
using Tongban.Workflows;
using Tongban.Workflows.Dispatch;

namespace Tongban.DevHost;

/// <summary>
/// The whole hub in one process, without Core Tools: Azurite when the configured development storage
/// does not answer, the province sandbox for every province without a BaseUrl, the Durable engine, the
/// partner API on the shared routes, and queue and timer loops calling the shared handlers.
/// </summary>
public sealed partial class DevHostApp : IAsyncDisposable
{
    public const string DefaultUrl = "http://127.0.0.1:7071";
    private const string DevelopmentStorage = "UseDevelopmentStorage=true";

    private readonly WebApplication app;
    private readonly DurableEngine engine;

    private DevHostApp(WebApplication app, DurableEngine engine, AzuriteLauncher? azurite, ProvinceSandbox? sandbox, Uri url, DevHostInventory inventory)
    {
        this.app = app;
        this.engine = engine;
        Azurite = azurite;
        Sandbox = sandbox;
        Url = url;
        Inventory = inventory;
    }

    public Uri Url { get; }

    public AzuriteLauncher? Azurite { get; }

    public ProvinceSandbox? Sandbox { get; }

    public IServiceProvider Services => app.Services;

    public DevHostInventory Inventory { get; }

    public Task WaitForShutdownAsync() => app.WaitForShutdownAsync();

    /// <summary>Builds and starts everything. <paramref name="configure"/> lets tests add configuration sources, <paramref name="services"/> services (e.g. another province's adapter).</summary>
    public static async Task<DevHostApp> StartAsync(string[] args, Action<ConfigurationManager>? configure = null,
        Action<IServiceCollection>? services = null, CancellationToken ct = default)
    {
        // What started before a failure (Azurite, the sandbox, the engine, the app) stops again, so a failed start leaves no process behind.
        var started = new Stack<IAsyncDisposable>();
        try
        {
            return await StartAsync(args, configure, services, started, ct);
        }
        catch
        {
            while (started.TryPop(out var part)) await part.DisposeAsync();
            throw;
        }
    }

    private static async Task<DevHostApp> StartAsync(string[] args, Action<ConfigurationManager>? configure,
        Action<IServiceCollection>? services, Stack<IAsyncDisposable> started, CancellationToken ct)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder.Configuration);
        if (builder.Configuration["urls"] is null && builder.Configuration["ASPNETCORE_URLS"] is null)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        using var bootLogs = LoggerFactory.Create(l => l.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole(o => o.SingleLine = true));
        var boot = bootLogs.CreateLogger<DevHostApp>();
        var defaults = new Dictionary<string, string?>();

        // Storage: development storage means Azurite; start it when it does not answer.
        AzuriteLauncher? azurite = null;
        string? azuriteLocation = null;
        var storage = builder.Configuration["AzureWebJobsStorage"];
        if (string.IsNullOrWhiteSpace(storage) || storage.Equals(DevelopmentStorage, StringComparison.OrdinalIgnoreCase))
        {
            var location = builder.Configuration["Tongban:Azurite:Location"] ?? Path.Combine(RepoRoot.Find(), ".azurite");
            azurite = await AzuriteLauncher.EnsureAsync(10000, 10001, 10002, location, ct);
            started.Push(azurite);
            AzuriteReady(boot, azurite.Started ? "started" : "already running", location);
            storage = azurite.ConnectionString;
            builder.Configuration["AzureWebJobsStorage"] = storage;
            azuriteLocation = location;
            if (!builder.Configuration.GetSection("Tongban:Pii:Keys").GetChildren().Any())
            {
                defaults["Tongban:Pii:Keys:" + LocalPiiKeyId] = LocalPiiKey(location);
                defaults["Tongban:Pii:ActiveKeyId"] = LocalPiiKeyId;
            }
        }

        // The audit heads' signing key: a development key out of the box (beside Azurite's data, else for this run only).
        if (string.IsNullOrWhiteSpace(builder.Configuration["Tongban:Audit:SigningKey"]))
        {
            defaults["Tongban:Audit:SigningKey"] = DevAuditKey.For(azuriteLocation);
            defaults["Tongban:Audit:KeyId"] = builder.Configuration["Tongban:Audit:KeyId"] ?? "devhost";
        }

        // Sandbox: every configured or known province without a BaseUrl is served by the simulator, with the contract's sandbox credentials.
        ProvinceSandbox? sandbox = null;
        var credentials = builder.Configuration["Tongban:Sandbox:Credentials"] ?? RepoRoot.SandboxCredentials();
        if (credentials is not null)
        {
            IConfigurationRoot sandboxConfig;
            try
            {
                sandboxConfig = new ConfigurationBuilder().AddJsonFile(credentials, optional: false).Build();
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
            {
                throw new ConfigurationProblemException("Tongban:Sandbox:Credentials", e is FileNotFoundException
                    ? $"no such file: {credentials}" : $"not a JSON file: {credentials}", e);
            }

            foreach (var (key, value) in sandboxConfig.AsEnumerable())
            {
                if (value is not null && !key.StartsWith('_')) defaults[$"Tongban:{key}"] = value;
            }
        }

        // The contract's partner secrets are public and shorter than the 32 bytes required: accepted only as loaded here.
        var sandboxSecrets = SandboxPartnerSecrets(defaults);
        if (sandboxSecrets.Keys.Count > 0)
        {
            builder.Services.AddSingleton(sandboxSecrets);
            SandboxSecretsAccepted(boot, credentials, Configuration.TongbanOptions.MinSecretBytes);
        }

        var provinceCodes = builder.Configuration.GetSection("Tongban:Provinces").GetChildren().Select(c => c.Key)
            .Union(defaults.Keys.Where(k => k.StartsWith("Tongban:provinces:", StringComparison.OrdinalIgnoreCase)).Select(k => k.Split(':')[2]))
            .Distinct().ToList();
        var needSandbox = provinceCodes.Where(code => string.IsNullOrWhiteSpace(builder.Configuration[$"Tongban:Provinces:{code}:BaseUrl"])).ToList();
        if (needSandbox.Count > 0)
        {
            var sandboxPort = builder.Configuration.GetValue("Tongban:Sandbox:Port", 0);
            var population = builder.Configuration["Tongban:Sandbox:Population"];
            try
            {
                sandbox = await ProvinceSandbox.StartAsync(new SandboxOptions { Port = sandboxPort, PopulationPath = population }, ct);
            }
            catch (IOException e) when (StartupFailure.Describe(e).Count > 0)
            {
                throw new ConfigurationProblemException("Tongban:Sandbox:Port", e.Message, e);
            }

            started.Push(sandbox);
            foreach (var code in needSandbox) defaults[$"Tongban:Provinces:{code}:BaseUrl"] = sandbox.BaseUrl.ToString();
            SandboxServing(boot, sandbox.BaseUrl, string.Join(", ", needSandbox));
        }

        // A development operator for the console, out of the box, on loopback only: its secret is made once beside Azurite's data.
        var listensOn = builder.Configuration["urls"] ?? builder.Configuration["ASPNETCORE_URLS"] ?? DefaultUrl;
        string? devOperatorSecretFile = null;
        if (azurite is not null && !builder.Configuration.GetSection("Tongban:Operators").GetChildren().Any())
        {
            if (ListensOnLoopbackOnly(listensOn))
            {
                devOperatorSecretFile = DevOperatorSecretFile(azurite.Location ?? Path.Combine(RepoRoot.Find(), ".azurite"));
                defaults[$"Tongban:Operators:{DevOperatorId}:Secret"] = File.ReadAllText(devOperatorSecretFile).Trim();
            }
            else
            {
                NoDevOperator(boot, listensOn);
            }
        }

        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = defaults });

        // The Durable engine, on the same storage.
        var taskHub = builder.Configuration["Tongban:TaskHub"] ?? "tongban";
        var engineSettings = EngineSettings.ForDevHost(builder.Configuration);
        builder.Services.AddTongbanCore(builder.Configuration);
        builder.Services.AddTongbanProvinceAdapters();
        // Spans, the Tongban meter and logs, sent over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT names a collector (see the README's Telemetry).
        builder.Services.AddTongbanTelemetry(otel =>
        {
            if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) otel.UseOtlpExporter();
        });
        services?.Invoke(builder.Services);
        ValidateOptions(builder.Services);
        EnsureFree(builder.Configuration["urls"] ?? builder.Configuration["ASPNETCORE_URLS"] ?? DefaultUrl);

        // The engine logs through a factory of its own; a log sink the caller added as an instance (a test's capture) hears it too.
        var addedSinks = builder.Services.Where(d => d.ServiceType == typeof(ILoggerProvider)).Select(d => d.ImplementationInstance).OfType<ILoggerProvider>().ToList();
        var engineLogs = LoggerFactory.Create(l =>
        {
            l.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole(o => o.SingleLine = true)
                .AddFilter("DurableTask", LogLevel.Warning).AddFilter("Microsoft.DurableTask", LogLevel.Warning)
                .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning).AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            foreach (var sink in addedSinks) l.AddProvider(sink);
        });
        // Azurite answers one request at a time in the order they came: unless Tongban:Storage:Turns is 0, the process's storage
        // requests take turns, callers' first, so a partner's read does not queue behind the whole background (StorageTurns).
        var storageTurns = new StorageTurns(builder.Configuration.GetValue(StorageTurns.TurnsKey, StorageTurns.DefaultTurns),
            builder.Configuration.GetValue(StorageTurns.BackgroundTurnsKey, StorageTurns.DefaultBackgroundTurns), taskHub);
        builder.Services.AddSingleton(storageTurns);
        // A burst of writing API calls takes turns too, so the rest of the process keeps its threads (WriteCallTurns).
        var writeTurns = new WriteCallTurns(builder.Configuration.GetValue(WriteCallTurns.TurnsKey, WriteCallTurns.DefaultTurns));
        builder.Services.AddSingleton(writeTurns);
        var engine = await DurableEngine.StartAsync(storage!, taskHub, engineSettings, engineLogs, storageTurns, ct);
        started.Push(engine);
        builder.Services.AddDurableTaskWorker(worker =>
        {
            worker.UseGrpc(engine.Channel);
            worker.AddTasks(registry => OrchestratorRegistry.Register(registry));
        });
        builder.Services.AddDurableTaskClient(client => client.UseGrpc(engine.Channel));
        builder.Logging.AddFilter("Microsoft.DurableTask", LogLevel.Warning).AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
            // A 412 on an ETag race is expected and retried; the SDK would log each as a warning.
            .AddFilter("Azure", LogLevel.Error)
            // A failed start (a port in use) is told by Program.cs as one line; the host would log it again with its stack.
            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

        var queueSettings = QueueListenerSettings.ForDevHost(builder.Configuration);
        // One setting decides when a message is poisoned and how many attempts the poison path records: Tongban:MaxDequeueCount
        // (host.json's maxDequeueCount in Azure).
        queueSettings.MaxDequeueCount = builder.Configuration.GetSection(Configuration.TongbanOptions.Section).Get<Configuration.TongbanOptions>()?.MaxDequeueCount
            ?? new Configuration.TongbanOptions().MaxDequeueCount;
        builder.Services.AddSingleton(queueSettings);
        // A message this process puts on a province queue wakes that queue's listener (the Functions host does the same).
        var wakeups = new QueueWakeups();
        builder.Services.AddSingleton(wakeups);
        builder.Services.AddAzureClients(clients => clients.ConfigureDefaults(o =>
        {
            o.AddPolicy(wakeups.Policy, Azure.Core.HttpPipelinePosition.PerCall);
            o.AddPolicy(storageTurns, Azure.Core.HttpPipelinePosition.PerRetry);
        }));
        var queues = new List<string>();
        foreach (var code in builder.Configuration.GetSection("Tongban:Provinces").GetChildren().Select(c => c.Key))
        {
            var queue = StorageNames.ProvinceQueue(code);
            queues.Add(queue);
            foreach (var poison in new[] { false, true })
            {
                builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueListener>(sp, queue, poison, (IQueueMessageHandler)sp.GetRequiredService<ProvinceStepHandler>()));
            }
        }

        DuplicateQueueMessages.AddIfConfigured(builder, queues);
        foreach (var poison in new[] { false, true })
        {
            builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueListener>(sp, PartnerCallbackOutbox.QueueName, poison,
                (IQueueMessageHandler)sp.GetRequiredService<PartnerCallbackSender>()));
        }

        builder.Services.AddHostedService<HousekeepingLoop>();
        builder.Services.AddHostedService<SlowWorkPollingLoop>();
        builder.Services.AddHostedService<RedriveLoop>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        var probe = builder.Configuration.GetValue("Tongban:Bench:Probe", false) ? new BenchProbe { ServicesByPort = BenchProbe.AzuritePorts(storage) } : null;
        if (probe is not null)
        {
            builder.Services.AddSingleton(probe);
            builder.Services.AddAzureClients(clients => clients.ConfigureDefaults(o => o.AddPolicy(probe.Policy, Azure.Core.HttpPipelinePosition.PerRetry)));
        }

        var app = builder.Build();
        started.Push(app);
        // Every error the host itself answers is problem+json with a trace ID, as the handlers' own are: an unhandled
        // exception (its status if it is a bad request Kestrel found while reading, else 500) and an empty 4xx/5xx
        // (an unmatched route, a method not allowed). Requests Kestrel refuses before any middleware runs get its bare 400.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context =>
            {
                var failure = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
                return Problems.Internal(failure is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError).ExecuteAsync(context);
            },
        });
        app.UseStatusCodePages(context => Problems.Internal(context.HttpContext.Response.StatusCode).ExecuteAsync(context.HttpContext));
        // A caller is waiting on every request this app answers: its storage requests go first when they take turns, a read's
        // before a write's. Async, so the mark is undone when the request's flow returns.
        app.Use(async (context, next) =>
        {
            StorageTurns.MarkInteractive(reading: HttpMethods.IsGet(context.Request.Method));
            await next(context);
        });
        app.Use(writeTurns.RunAsync);
        if (probe is not null)
        {
            // Async, so the mark is undone when this request's flow returns.
            app.Use(async (context, next) =>
            {
                if (context.Request.Headers[BenchProbe.ObserveHeader] == "observe") BenchProbe.MarkObserving();
                await next(context);
            });
            app.MapGet("/_bench/requests", () => Results.Json(probe.Snapshot()));
            app.MapGet("/_bench/now", () => Results.Json(BenchProbe.Gauges(storageTurns, writeTurns)));
        }

        foreach (var route in ApiRoutes.All)
        {
            app.MapMethods($"/{ApiRoutes.Prefix}/{route.Template}", [route.Method], ApiDispatch.For(route)).WithName(route.Name);
        }

        ApiReferencePage.Map(app);

        var provinces = app.Services.GetRequiredService<ProvinceRegistry>();
        await app.Services.GetRequiredService<StorageInitializer>().EnsureAsync(provinces.Codes, ct);
        await app.StartAsync(ct);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        if (sandbox is not null) sandbox.Knobs.Shanghai.CallbackBaseUrl = url;
        var inventory = DevHostInventory.For(provinces.Codes);
        HubListening(app.Logger, url, taskHub, ConsoleUrlOf(url));
        if (devOperatorSecretFile is not null) DevOperatorReady(app.Logger, DevOperatorId, devOperatorSecretFile);
        return new DevHostApp(app, engine, azurite, sandbox, url, inventory);
    }

    public async ValueTask DisposeAsync()
    {
        // The engine first gives up its partitions while this process's worker is still connected to finish the
        // sessions in flight (see DurableEngine.ReleasePartitionsAsync).
        await engine.ReleasePartitionsAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        await engine.DisposeAsync();
        if (Sandbox is not null) await Sandbox.DisposeAsync();
        if (Azurite is not null) await Azurite.DisposeAsync();
    }

    /// <summary>
    /// Binds and validates the options as the app will, before the engine opens storage: a configuration mistake stops the
    /// start here, naming its key (<see cref="Microsoft.Extensions.Options.OptionsValidationException"/> or the binder's error).
    /// </summary>
    private static void ValidateOptions(IServiceCollection registered)
    {
        IServiceCollection copy = new ServiceCollection();
        foreach (var service in registered) copy.Add(service);
        using var provider = copy.BuildServiceProvider();
        _ = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Configuration.TongbanOptions>>().Value;
    }

    /// <summary>
    /// Fails, naming <c>urls</c>, when another process listens on one of the hub's addresses: found before the engine starts,
    /// since an engine stopped just after its start can crash the process.
    /// </summary>
    private static void EnsureFree(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Port == 0 || !System.Net.IPAddress.TryParse(uri.Host, out var address)) continue;
            try
            {
                var listener = new System.Net.Sockets.TcpListener(address, uri.Port);
                listener.Start();
                listener.Stop();
            }
            catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
            {
                throw new ConfigurationProblemException("urls", $"{url}: address already in use", e);
            }
        }
    }

    /// <summary>The partner secrets taken from the sandbox credentials file, by configuration key.</summary>
    private static Configuration.SandboxSecrets SandboxPartnerSecrets(Dictionary<string, string?> defaults) =>
        new(defaults.Where(d => d.Value is not null && d.Key.StartsWith("Tongban:partners:", StringComparison.OrdinalIgnoreCase)
                && d.Key.EndsWith(":secret", StringComparison.OrdinalIgnoreCase))
            .Select(d => KeyValuePair.Create(d.Key, d.Value!)));

    /// <summary>The console's address on a hub at <paramref name="hub"/>.</summary>
    public static Uri ConsoleUrlOf(Uri hub) => new(hub, $"/{ApiRoutes.Prefix}/console/");

    /// <summary>The console's address.</summary>
    public Uri ConsoleUrl => ConsoleUrlOf(Url);

    /// <summary>The devhost's own operator, configured when no operator is and the hub listens on loopback alone.</summary>
    public const string DevOperatorId = "dev";

    /// <summary>True when every address the hub listens on is a loopback address (or <c>localhost</c>).</summary>
    public static bool ListensOnLoopbackOnly(string urls) =>
        urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(url =>
            Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            && (uri.Host == "localhost" || (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address))));

    /// <summary>The development operator's secret (32 random bytes, Base64), kept beside Azurite's data so it survives a restart; never logged.</summary>
    private static string DevOperatorSecretFile(string azuriteLocation)
    {
        Directory.CreateDirectory(azuriteLocation);
        var path = Path.Combine(azuriteLocation, "tongban-dev-operator.secret");
        if (!File.Exists(path)) File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return path;
    }

    /// <summary>The ID of the local development key: stable, so a restarted devhost reads the cases it sealed.</summary>
    private const string LocalPiiKeyId = "local";

    /// <summary>A development PII key (a one-key ring) kept beside Azurite's data, so a restarted devhost can still read its cases.</summary>
    private static string LocalPiiKey(string azuriteLocation)
    {
        Directory.CreateDirectory(azuriteLocation);
        var path = Path.Combine(azuriteLocation, "tongban-dev-pii.key");
        if (!File.Exists(path)) File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return File.ReadAllText(path).Trim();
    }

    [LoggerMessage(EventId = 7110, Level = LogLevel.Information, Message = "Azurite {State} (data in {Location})")]
    private static partial void AzuriteReady(ILogger logger, string state, string location);

    [LoggerMessage(EventId = 7111, Level = LogLevel.Warning, Message = "Accepting the sandbox partner secrets of {Credentials} though shorter than {Bytes} bytes: a devhost for testing only")]
    private static partial void SandboxSecretsAccepted(ILogger logger, string? credentials, int bytes);

    [LoggerMessage(EventId = 7112, Level = LogLevel.Information, Message = "Province sandbox on {Url} for {Provinces}")]
    private static partial void SandboxServing(ILogger logger, Uri url, string provinces);

    [LoggerMessage(EventId = 7113, Level = LogLevel.Information, Message = "Tongban hub listening on {Url} (task hub {TaskHub}); operator console on {ConsoleUrl}")]
    private static partial void HubListening(ILogger logger, Uri url, string taskHub, Uri consoleUrl);

    [LoggerMessage(EventId = 7115, Level = LogLevel.Information, Message = "Console development operator {Operator} (loopback only), its secret in {SecretFile}")]
    private static partial void DevOperatorReady(ILogger logger, string @operator, string secretFile);

    [LoggerMessage(EventId = 7116, Level = LogLevel.Warning, Message = "No development operator: the hub listens beyond loopback ({Urls}); configure Tongban:Operators for the console")]
    private static partial void NoDevOperator(ILogger logger, string urls);
}

/// <summary>The devhost's development SM2 key for audit heads, kept beside Azurite's data (so heads it signed still verify after a restart), or made for one run.</summary>
internal static class DevAuditKey
{
    public static string For(string? azuriteLocation)
    {
        if (azuriteLocation is null) return Audit.AuditSigner.NewKeyPair().PrivatePem;
        Directory.CreateDirectory(azuriteLocation);
        var path = Path.Combine(azuriteLocation, "tongban-dev-audit.pem");
        if (!File.Exists(path)) File.WriteAllText(path, Audit.AuditSigner.NewKeyPair().PrivatePem);
        return File.ReadAllText(path);
    }
}

/// <summary>What this devhost exposes: compared in a test with the Functions app's generated metadata.</summary>
public sealed record DevHostInventory(
    IReadOnlyList<(string Method, string Template)> Routes, IReadOnlyList<string> Queues,
    IReadOnlyList<string> Orchestrators, IReadOnlyList<string> Activities, IReadOnlyList<string> Timers)
{
    /// <summary>The same registries the devhost maps, listens to and registers, for the configured provinces.</summary>
    public static DevHostInventory For(IEnumerable<string> provinceCodes) => new(
        ApiRoutes.All.Select(r => (r.Method, r.Template)).ToList(),
        provinceCodes.Select(StorageNames.ProvinceQueue).Append(PartnerCallbackOutbox.QueueName)
            .SelectMany(q => new[] { q, StorageNames.PoisonQueue(q) }).ToList(),
        WorkflowNames.Orchestrators.All, WorkflowNames.Activities.All, TimerNames.All);
}

/// <summary>The devhost's timer triggers: each runs its shared job on a fixed period, and a failed run waits for the next.</summary>
public abstract partial class PeriodicJobLoop(ILogger logger, string name, TimeSpan period, Func<CancellationToken, Task> run) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await run(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                JobFailed(logger, e, name);
            }
        }
    }

    [LoggerMessage(EventId = 7114, Level = LogLevel.Warning, Message = "{Job} failed; it runs again next period")]
    private static partial void JobFailed(ILogger logger, Exception exception, string job);
}

/// <summary>Asks polling provinces about due tickets (default every second; Tongban:SlowWork:PollPeriod).</summary>
public sealed class SlowWorkPollingLoop(SlowWorkPoller poller, IConfiguration configuration, ILogger<SlowWorkPollingLoop> logger)
    : PeriodicJobLoop(logger, "Ticket polling", configuration.GetValue("Tongban:SlowWork:PollPeriod", TimeSpan.FromSeconds(1)), poller.PollAsync);

/// <summary>The housekeeping job (default every 30 s; Tongban:Housekeeping:Period).</summary>
public sealed class HousekeepingLoop(HousekeepingJob job, IConfiguration configuration, ILogger<HousekeepingLoop> logger)
    : PeriodicJobLoop(logger, "Housekeeping", configuration.GetValue("Tongban:Housekeeping:Period", TimeSpan.FromSeconds(30)), job.RunAsync);

/// <summary>Re-drives parked steps and moves poison messages back once a province answers again (default every 30 s; Tongban:Redrive:Period).</summary>
public sealed class RedriveLoop(RedriveJob job, IConfiguration configuration, ILogger<RedriveLoop> logger)
    : PeriodicJobLoop(logger, "Redrive", configuration.GetValue("Tongban:Redrive:Period", TimeSpan.FromSeconds(30)), job.RunAsync);
