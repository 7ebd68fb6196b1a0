using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>One delivery attempt as a partner's webhook saw it.</summary>
public sealed record CallbackDelivery(
    string CaseId, int Sequence, string Status, string Partner, string PathAndQuery, string Timestamp, string Nonce, string Signature, byte[] Body)
{
    public DateTime ReceivedAt { get; } = DateTime.UtcNow;
}

/// <summary>
/// A partner platform's webhook on <c>http://127.0.0.1:{port}</c> (the hub fixture registers its origin): records every attempt, lets the test decide each answer (<see cref="Answer"/>), and records the ones
/// answered 2xx in <see cref="Accepted"/>.
/// </summary>
public sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication app;

    private CallbackReceiver(WebApplication app) => this.app = app;

    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Writes the answer to one attempt; by default 204.</summary>
    public Func<CallbackDelivery, HttpContext, Task> Answer { get; set; } = (_, context) =>
    {
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    };

    public ConcurrentQueue<CallbackDelivery> Received { get; } = new();

    public ConcurrentQueue<CallbackDelivery> Accepted { get; } = new();

    public IReadOnlyList<CallbackDelivery> ReceivedFor(string caseId) => Received.Where(d => d.CaseId == caseId).ToList();

    public IReadOnlyList<CallbackDelivery> AcceptedFor(string caseId) => Accepted.Where(d => d.CaseId == caseId).ToList();

    /// <summary>Starts on a free loopback port, held until disposed.</summary>
    public static async Task<CallbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, DevHost.Hosting.EmbeddedHostLifetime>();
        var app = builder.Build();
        var receiver = new CallbackReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri($"http://127.0.0.1:{new Uri(address).Port}/");
        return receiver;
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = context.Request.Headers;
        // Anything at all is recorded (a followed redirect arrives as a GET with no body): what is not a callback has no case.
        JsonNode? json = null;
        try
        {
            json = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
        }

        _ = int.TryParse(headers["X-Tongban-Sequence"].ToString(), CultureInfo.InvariantCulture, out var sequence);
        var delivery = new CallbackDelivery(json?["caseId"]?.ToString() ?? "", sequence,
            json?["status"]?.ToString() ?? "", headers["X-Tongban-Partner"].ToString(), context.Request.Path + context.Request.QueryString,
            headers["X-Tongban-Timestamp"].ToString(), headers["X-Tongban-Nonce"].ToString(), headers["X-Tongban-Signature"].ToString(), body);
        Received.Enqueue(delivery);
        await Answer(delivery, context);
        if (context.Response.StatusCode is >= 200 and < 300 && !context.RequestAborted.IsCancellationRequested) Accepted.Enqueue(delivery);
    }
}
