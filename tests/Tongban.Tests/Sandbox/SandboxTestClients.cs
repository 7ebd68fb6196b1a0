using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tongban.Provinces;
using Tongban.Provinces.Shanghai;
using Tongban.Sandbox;
using Tongban.Sandbox.Knobs;
using Tongban.Security;
using Tongban.Tests.Provinces;

namespace Tongban.Tests.Sandbox;

/// <summary>
/// Real time moved forward by <see cref="Offset"/>, for expiry without waiting. Not a FakeTimeProvider: the simulator
/// tests also need real time to pass on the sandbox's clock (the latency knob's Task.Delay, slow work due in 200 ms,
/// timestamps the hub adapters sign with the system clock). Tests whose clock must stand still use FakeTimeProvider.
/// </summary>
internal sealed class ShiftableTime : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>Calls the simulated Zhejiang gateway exactly as zhejiang.md says: form posts, MD5 signs.</summary>
internal sealed class ZhejiangCaller(HttpClient http, TimeProvider? time = null)
{
    public const string AppKey = "tongban-hub";
    public const string AppSecret = "zj-app-secret-0001";

    public string? RequestSecret { get; set; }

    public static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private string Now() => (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    public async Task<JsonElement> TokenAsync(string? sign = null)
    {
        var requestTime = Now();
        var root = await PostAsync("zj/gateway/token", new()
        {
            ["appKey"] = AppKey, ["requestTime"] = requestTime, ["sign"] = sign ?? Md5(AppKey + AppSecret + requestTime),
        });
        if (root.GetProperty("code").GetString() == "00") RequestSecret = root.GetProperty("data").GetProperty("requestSecret").GetString();
        return root;
    }

    /// <summary>Calls a service with the current requestSecret (fetching a token first if there is none).</summary>
    public async Task<JsonElement> CallAsync(string serviceCode, params (string Name, string Value)[] parameters)
    {
        if (RequestSecret is null) await TokenAsync();
        var requestTime = Now();
        var form = new Dictionary<string, string>
        {
            ["appKey"] = AppKey, ["requestTime"] = requestTime, ["sign"] = Md5(AppKey + RequestSecret + requestTime),
        };
        foreach (var (name, value) in parameters) form[name] = value;
        return await PostAsync($"zj/gateway/api/{serviceCode}", form);
    }

    public async Task<HttpResponseMessage> RawPostAsync(string path, Dictionary<string, string> form)
    {
        using var content = new FormUrlEncodedContent(form);
        return await http.PostAsync(path, content);
    }

    private async Task<JsonElement> PostAsync(string path, Dictionary<string, string> form)
    {
        using var response = await RawPostAsync(path, form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }
}

/// <summary>Calls the simulated Shanghai API with X-Ca-* headers as shanghai.md says.</summary>
internal sealed class ShanghaiCaller(HttpClient http, TimeProvider? time = null)
{
    public const string AppKey = "tongban-hub";
    public const string AppSecret = "sh-app-secret-0001";

    public async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string pathAndQuery, object? body = null,
        string? nonce = null, long? timestamp = null, string secret = AppSecret)
    {
        var uri = new Uri(http.BaseAddress!, pathAndQuery);
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body);
        var ts = (timestamp ?? (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds()).ToString(CultureInfo.InvariantCulture);
        nonce ??= Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(method, uri);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new("application/json");
        }
        request.Headers.Add("X-Ca-Key", AppKey);
        request.Headers.Add("X-Ca-Timestamp", ts);
        request.Headers.Add("X-Ca-Nonce", nonce);
        request.Headers.Add("X-Ca-Signature", HmacRequestSignature.Compute(secret, method.Method, uri.PathAndQuery, ts, nonce, bytes));
        return await http.SendAsync(request);
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
}

/// <summary>A callback as received; <see cref="HubRefusal"/> is what the hub's own reader says against it (null: it would take it).</summary>
internal sealed record ReceivedCallback(string Nonce, bool SignatureValid, string Key, JsonElement Body, DateTimeOffset At, CallbackRefusal? HubRefusal);

/// <summary>A stand-in for the hub's callback endpoint on loopback: records what Shanghai sends and answers as told.</summary>
internal sealed class CallbackListener : IAsyncDisposable
{
    public const string CallbackKey = "sh-callback";
    public const string CallbackSecret = "sh-callback-secret-0001";

    /// <summary>The hub's Shanghai endpoint as far as its callback reader needs it.</summary>
    private static readonly ProvinceEndpoint HubSideShanghai = Endpoints.Create("310000", ShanghaiAdapter.SchemeName, new Uri("http://127.0.0.1/"),
        ("callbackKey", CallbackKey), ("callbackSecret", CallbackSecret));

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<ReceivedCallback> _received = [];
    private readonly Queue<int> _answers = new();

    private CallbackListener(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<ReceivedCallback> Received
    {
        get { lock (_gate) return [.. _received]; }
    }

    /// <summary>Answers 401, as the hub's endpoint does, to a callback the hub's reader refuses as unauthenticated.</summary>
    public bool RefuseAsTheHubDoes { get; set; }

    /// <summary>Answers these statuses first, then 204.</summary>
    public void AnswerFirst(params int[] statuses)
    {
        lock (_gate) foreach (var status in statuses) _answers.Enqueue(status);
    }

    public static async Task<CallbackListener> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var listener = new CallbackListener(app);
        app.MapPost("/api/v1/provinces/310000/callbacks", (Delegate)listener.Receive);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        listener.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return listener;
    }

    private async Task<IResult> Receive(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = context.Request.Headers;
        var nonce = headers["X-Ca-Nonce"].ToString();
        var pathAndQuery = context.Request.Path + context.Request.QueryString;
        var valid = HmacRequestSignature.Verify(CallbackSecret, "POST", pathAndQuery,
            headers["X-Ca-Timestamp"].ToString(), nonce, body, headers["X-Ca-Signature"].ToString());
        var (_, refusal) = new ShanghaiCallbackReader().Read(HubSideShanghai, context.Request, pathAndQuery, body, DateTimeOffset.UtcNow);
        lock (_gate)
        {
            _received.Add(new(nonce, valid, headers["X-Ca-Key"].ToString(), JsonDocument.Parse(body).RootElement.Clone(), DateTimeOffset.UtcNow, refusal));
            if (RefuseAsTheHubDoes && refusal is { Unauthenticated: true }) return Results.StatusCode(StatusCodes.Status401Unauthorized);
            return Results.StatusCode(_answers.TryDequeue(out var status) ? status : StatusCodes.Status204NoContent);
        }
    }

    /// <summary>Waits (bounded) until at least <paramref name="count"/> callbacks have arrived.</summary>
    public async Task<IReadOnlyList<ReceivedCallback>> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (Received.Count < count)
        {
            if (DateTimeOffset.UtcNow > deadline) Assert.Fail($"expected {count} callbacks within {timeout}, got {Received.Count}");
            await Task.Delay(25);
        }
        return Received;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>What the hub's adapter does with answers it cannot verify (the wrong-signatures knob).</summary>
internal static class WrongSignatures
{
    /// <summary>
    /// The province registers the marriage but signs its answer wrongly: the adapter cannot tell it from a forgery and
    /// throws it as transient, so the step is sent again; with the knob off, the repeat gets the same certificate and the
    /// province's deduplication keeps it one marriage.
    /// </summary>
    public static async Task AssertRegistrationDistrustedThenRepeatedHarmlesslyAsync(
        ProvinceSandbox sandbox, ProvinceKnobs knobs, IProvinceAdapter adapter, MarriageRegistration registration)
    {
        knobs.WrongSignatures = true;
        var distrusted = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.RegisterMarriageAsync(registration, CancellationToken.None));
        Assert.Contains("signature does not verify", distrusted.Message);
        var registered = Assert.Single(sandbox.State.Marriages);

        knobs.WrongSignatures = false;
        Assert.Equal(registered.CertificateNo, (await adapter.RegisterMarriageAsync(registration, CancellationToken.None)).Value!.CertificateNo);
        Assert.Single(sandbox.State.Marriages);
    }
}

/// <summary>Polls a condition (bounded) for things that happen after a delay.</summary>
internal static class Eventually
{
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTimeOffset.UtcNow > deadline) Assert.Fail($"condition not met within {timeout}; last value {value}");
            await Task.Delay(50);
        }
    }
}

/// <summary>A signature with one character changed, for checks that a broken one is refused.</summary>
internal static class BrokenSignature
{
    /// <summary>The first character changed: every bit of it counts, in hex and in Base64 alike.</summary>
    public static string Of(string signature) => (signature[0] == 'A' ? "B" : "A") + signature[1..];
}
