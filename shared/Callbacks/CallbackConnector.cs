using System.Net;
using System.Net.Sockets;

namespace Tongban.Callbacks;

/// <summary>
/// The callback client's only way onto the network (<see cref="SocketsHttpHandler.ConnectCallback"/>): resolves the
/// host itself, keeps only public addresses (or the literal address a partner registered as its origin's host), and
/// connects to an address it checked, so a name that resolves differently the second time (DNS rebinding) gains nothing.
/// </summary>
public sealed class CallbackConnector(PartnerCallbackOrigins origins)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal)
            ? AllowedLiteral(literal)
            : (await Dns.GetHostAddressesAsync(host, ct)).Where(CallbackAddress.IsPublic).ToArray();
        if (addresses.Length == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError,
                $"Callback host {host} refused: it is not, or does not resolve to, a public address.");
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new HttpRequestException(HttpRequestError.ConnectionError, $"Callback host {host} did not accept a connection.", last);
    }

    /// <summary>A literal address is reached when it is public, or is itself a registered origin's host.</summary>
    private IPAddress[] AllowedLiteral(IPAddress literal) =>
        CallbackAddress.IsPublic(literal) || origins.Literals.Contains(literal) ? [literal] : [];

    /// <summary>The callback client's handler: no redirects, no proxy (it would connect on our behalf, unchecked), small headers.</summary>
    public SocketsHttpHandler Handler() => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        MaxResponseHeadersLength = 16, // KiB
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = ConnectAsync,
    };
}
