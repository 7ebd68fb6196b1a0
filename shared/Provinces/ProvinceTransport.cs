using System.Net;

namespace Tongban.Provinces;

/// <summary>What a province answered on the wire: a status the province chose and the body as the adapter reads it.</summary>
public readonly record struct ProvinceReply<T>(HttpStatusCode Status, T Body)
{
    public bool IsSuccess => (int)Status is >= 200 and <= 299;
}

/// <summary>
/// One HTTP exchange with a province, its transport faults sorted the same way for every adapter: the province
/// unreachable (<see cref="HttpRequestException"/>), the connection failing mid-reply (<see cref="IOException"/>), no
/// answer in time (a cancellation the caller did not ask for) and HTTP 5xx, 408 and 429 are all a
/// <see cref="ProvinceTransientException"/>, with the province's Retry-After when it gave one. The caller's own
/// cancellation passes through as cancellation. Every other status comes back for the adapter to read, since what a
/// 404 or a 409 means is each protocol's own. Messages carry no URI: some provinces put ID numbers in the path.
/// </summary>
/// <param name="name">How the messages name the province's side, e.g. <c>Jiangxi ESB</c>.</param>
public sealed class ProvinceTransport(HttpClient http, string province, string name, TimeProvider time)
{
    /// <summary>Sends <paramref name="request"/> (and disposes it) and reads the reply's body with <paramref name="read"/>.</summary>
    /// <param name="what">The call, as the messages name it (an operation or service code, never a value).</param>
    public async Task<ProvinceReply<T>> SendAsync<T>(
        HttpRequestMessage request, string what, Func<HttpContent, CancellationToken, Task<T>> read, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(read);
        using (request)
        {
            try
            {
                using var response = await http.SendAsync(request, ct);
                var status = (int)response.StatusCode;
                if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
                {
                    throw Transient(what, $"answered HTTP {status}", RetryAfter(response));
                }

                return new ProvinceReply<T>(response.StatusCode, await read(response.Content, ct));
            }
            catch (HttpRequestException e)
            {
                throw Transient(what, $"unreachable ({e.HttpRequestError})", inner: e);
            }
            catch (IOException e)
            {
                throw Transient(what, "connection failed while reading the reply", inner: e);
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw Transient(what, "timed out", inner: e);
            }
        }
    }

    /// <summary>The body as text (the charset the province declared, UTF-8 by default).</summary>
    public static Task<string> Text(HttpContent content, CancellationToken ct) => content.ReadAsStringAsync(ct);

    /// <summary>The body as it came.</summary>
    public static Task<byte[]> Bytes(HttpContent content, CancellationToken ct) => content.ReadAsByteArrayAsync(ct);

    /// <summary>Retry-After as a wait from now; a date already past means at once.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is not { } date) return null;
        var now = time.GetUtcNow();
        return date > now ? date - now : TimeSpan.Zero;
    }

    private ProvinceTransientException Transient(string what, string fault, TimeSpan? retryAfter = null, Exception? inner = null) =>
        new(province, $"{name} {what}: {fault}", retryAfter, inner);
}
