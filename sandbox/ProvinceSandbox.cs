using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tongban.Sandbox.Anhui;
using Tongban.Sandbox.Jiangxi;
using Tongban.Sandbox.Knobs;
using Tongban.Sandbox.Population;
using Tongban.Sandbox.Shanghai;
using Tongban.Sandbox.State;
using Tongban.Sandbox.Zhejiang;

namespace Tongban.Sandbox;

/// <summary>
/// The simulated provinces in one Kestrel app on 127.0.0.1: Zhejiang under /zj/gateway, Shanghai under /sh/api/v2,
/// Jiangxi at /jx/esb/service, Anhui under /ah/tif, and the control surface under /_sandbox (GET/PUT knobs, GET state).
/// </summary>
public sealed class ProvinceSandbox : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _callbackClient;
    private readonly CancellationTokenSource _stopping;
    private readonly ShanghaiCallbacks _callbacks;

    private ProvinceSandbox(
        WebApplication app, Uri baseUrl, SandboxState state, SandboxKnobs knobs,
        HttpClient callbackClient, CancellationTokenSource stopping, ShanghaiCallbacks callbacks)
    {
        _app = app;
        BaseUrl = baseUrl;
        State = state;
        Knobs = knobs;
        _callbackClient = callbackClient;
        _stopping = stopping;
        _callbacks = callbacks;
    }

    /// <summary>The provinces the sandbox simulates (Zhejiang, Shanghai, Jiangxi, Anhui), each with its own knobs.</summary>
    public static IReadOnlyList<string> ProvinceCodes { get; } = [ZhejiangGateway.Code, ShanghaiApi.Code, JiangxiEsb.Code, AnhuiTif.Code];

    /// <summary>http://127.0.0.1:{port}/ — province paths hang off it.</summary>
    public Uri BaseUrl { get; }

    public SandboxState State { get; }

    public SandboxKnobs Knobs { get; }

    public static async Task<ProvinceSandbox> StartAsync(SandboxOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var population = SandboxPopulation.Load(options.PopulationPath);
        var state = new SandboxState(population, options.TimeProvider);
        var knobs = new SandboxKnobs(ProvinceCodes, options.TimeProvider);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ProvinceSandbox).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        options.ConfigureLogging?.Invoke(builder.Logging);
        // Request logs carry paths, and Shanghai's paths carry ID numbers.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        // Embedded in the devhost or a test: the outer host owns Ctrl-C.
        builder.Services.AddSingleton<IHostLifetime, OuterHostLifetime>();
        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ProvinceSandbox>();

        var stopping = new CancellationTokenSource();
        var callbackClient = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each attempt has its own timeout
        };
        var callbacks = new ShanghaiCallbacks(callbackClient, state, knobs.Shanghai, options, logger, stopping.Token);

        // One line per province.
        ProvinceSimulator[] provinces =
        [
            new ZhejiangGateway(state, knobs.Zhejiang, options.Zhejiang, options.TimeProvider),
            new ShanghaiApi(state, knobs.Shanghai, new ShanghaiSignature(options.Shanghai, options.TimeProvider), callbacks),
            new JiangxiEsb(state, knobs.Jiangxi, options.Jiangxi, options.TimeProvider),
            new AnhuiTif(state, knobs.Anhui, options.Anhui, options.TimeProvider),
        ];
        foreach (var province in provinces)
        {
            var gate = new ProvinceGate(province, knobs[province.ProvinceCode], options.TimeProvider);
            app.UseWhen(
                context => context.Request.Path.StartsWithSegments(province.PathPrefix),
                branch => branch.Use(gate.InvokeAsync));
            province.MapRoutes(app);
        }
        SandboxControl.Map(app, state, knobs);

        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            callbackClient.Dispose();
            stopping.Dispose();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        logger.LogInformation("Province sandbox listening on {Address}", address);
        return new ProvinceSandbox(app, new Uri(address.TrimEnd('/') + "/"), state, knobs, callbackClient, stopping, callbacks);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _callbacks.WhenIdleAsync();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _callbackClient.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Leaves Ctrl-C to the host the sandbox runs in (the devhost, a test): a console lifetime here would take the
    /// signal and the outer host would never stop.
    /// </summary>
    private sealed class OuterHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
