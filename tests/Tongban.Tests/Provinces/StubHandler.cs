using System.Net;

namespace Tongban.Tests.Provinces;

/// <summary>
/// An HTTP handler that answers every request with a test's function: a response, or a fault thrown where a socket,
/// a stream or a timer would throw it. Each request is counted before it is answered.
/// </summary>
internal sealed class StubHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
{
    private int sent;

    public int Sent => Volatile.Read(ref sent);

    /// <summary>Every request fails with <paramref name="fault"/>.</summary>
    public static StubHandler Throwing(Exception fault) => new((_, _) => Task.FromException<HttpResponseMessage>(fault));

    /// <summary>Every request is answered <paramref name="status"/>, with <paramref name="body"/> when given.</summary>
    public static StubHandler Answering(HttpStatusCode status, string? body = null, Action<HttpResponseMessage>? shape = null) => new((_, _) =>
    {
        var response = new HttpResponseMessage(status);
        if (body is not null) response.Content = new StringContent(body);
        shape?.Invoke(response);
        return Task.FromResult(response);
    });

    /// <summary>Never answers; only the token passed to the send ends the wait.</summary>
    public static StubHandler Silent() => new(async (_, ct) =>
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, ct);
        throw new InvalidOperationException("unreachable: an infinite delay ended without cancellation");
    });

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref sent);
        return answer(request, cancellationToken);
    }
}
