using System.Net;
using System.Net.Sockets;
using Tongban.Callbacks;
using Tongban.Configuration;

namespace Tongban.Tests.Callbacks;

/// <summary>
/// The callback client's connect step: a name is resolved and only public addresses are reached, so a registered
/// name that resolves to loopback (DNS rebinding, an internal name) gets no connection; a literal loopback address is
/// reached only when it is itself a registered origin's host.
/// </summary>
public sealed class CallbackConnectorTests : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private int accepted;

    public CallbackConnectorTests()
    {
        listener.Start();
        _ = AcceptAsync();
    }

    private int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public void Dispose() => listener.Dispose();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                Interlocked.Increment(ref accepted);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // listener stopped
        }
    }

    private static HttpClient ClientFor(params string[] origins)
    {
        var options = new TongbanOptions { Partners = { ["310000"] = new PartnerOptions { CallbackOrigins = [.. origins] } } };
        return new HttpClient(new CallbackConnector(PartnerCallbackOrigins.From(options)).Handler()) { Timeout = TimeSpan.FromSeconds(5) };
    }

    [Fact]
    public async Task Refuses_a_name_that_resolves_to_loopback_before_connecting()
    {
        using var client = ClientFor($"https://localhost:{Port}", $"http://127.0.0.1:{Port}");
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"https://localhost:{Port}/hooks"));
        Assert.Contains("not, or does not resolve to, a public address", refused.Message, StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.Equal(0, Volatile.Read(ref accepted));
    }

    [Theory]
    [InlineData("127.0.0.2")]
    [InlineData("[::ffff:127.0.0.1]")]
    public async Task Refuses_a_loopback_literal_that_is_not_a_registered_host(string host)
    {
        using var client = ClientFor($"http://127.0.0.1:{Port}");
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://{host}:{Port}/hooks"));
        Assert.Equal(0, Volatile.Read(ref accepted));
    }

    [Fact]
    public async Task Connects_to_a_loopback_literal_registered_as_an_origin_host()
    {
        using var client = ClientFor($"http://127.0.0.1:{Port}");
        // The listener accepts and hangs up at once: the request fails, after the connection was made (the client may try again).
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{Port}/hooks"));
        Assert.True(Volatile.Read(ref accepted) >= 1);
    }
}
