using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tongban.Provinces;

namespace Tongban.Tests.Provinces;

// Shared by the Zhejiang and Shanghai adapter tests: a real loopback HTTP server (Kestrel) that records each
// request as it arrived on the wire (raw request target, headers, body bytes) and answers from a test's handler.

internal sealed record RecordedRequest(string Method, string RawTarget, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string Path => RawTarget.Split('?')[0];

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public Dictionary<string, string> Form() =>
        QueryHelpers.ParseQuery(BodyText).ToDictionary(p => p.Key, p => p.Value.ToString());
}

internal sealed record StubReply(int Status, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null, TimeSpan Delay = default)
{
    public static StubReply Json(string body, int status = 200) => new(status, body);
}

internal sealed class LoopbackProvince : IAsyncDisposable
{
    private readonly WebApplication app;

    private LoopbackProvince(WebApplication app, Uri baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static async Task<LoopbackProvince> StartAsync(Func<RecordedRequest, StubReply> handle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        LoopbackProvince? self = null;
        app.Run(async ctx =>
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer);
            var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var raw = ctx.Features.Get<IHttpRequestFeature>()!.RawTarget;
            var recorded = new RecordedRequest(ctx.Request.Method, raw, headers, buffer.ToArray());
            self!.Requests.Enqueue(recorded);

            var reply = handle(recorded);
            if (reply.Delay > TimeSpan.Zero) await Task.Delay(reply.Delay, ctx.RequestAborted);
            ctx.Response.StatusCode = reply.Status;
            foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>()) ctx.Response.Headers[name] = value;
            if (reply.Body is not null)
            {
                ctx.Response.ContentType = "application/json; charset=utf-8";
                await ctx.Response.WriteAsync(reply.Body);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new LoopbackProvince(app, new Uri(address));
        return self;
    }

    /// <summary>A loopback port nobody listens on: connecting is refused at once.</summary>
    public static Uri ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>The specs' worked-example time, 2026-01-01T00:00:00Z (1767225600000 ms), on a clock the test moves by hand.</summary>
internal static class ExampleTime
{
    public static FakeTimeProvider Clock() => new(DateTimeOffset.FromUnixTimeMilliseconds(1767225600000));
}

internal static class Endpoints
{
    public static ProvinceEndpoint Create(string code, string scheme, Uri baseUrl, params (string Key, string Value)[] settings) => new()
    {
        Code = code,
        Scheme = scheme,
        BaseUrl = baseUrl,
        Settings = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build(),
    };
}
