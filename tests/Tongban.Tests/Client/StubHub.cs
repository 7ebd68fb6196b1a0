using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Tongban.Tests.Client;

/// <summary>One request as it left the client's handler chain: method, path and query, headers, the exact body bytes.</summary>
internal sealed record SentRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body, string? ContentType);

/// <summary>
/// The far end of the client's handlers in unit tests: records each request and answers from a script, one answer per
/// call (the last one repeats). Each call is signalled, so a test can wait for the n-th attempt.
/// </summary>
internal sealed class StubHub : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<SentRequest, HttpResponseMessage>> script = new();
    private readonly SemaphoreSlim calls = new(0);
    private Func<SentRequest, HttpResponseMessage>? last;

    public List<SentRequest> Sent { get; } = [];

    public StubHub Answer(Func<SentRequest, HttpResponseMessage> answer)
    {
        script.Enqueue(answer);
        return this;
    }

    public StubHub Answer(int status, string? json = null, string contentType = "application/json", TimeSpan? retryAfter = null, string? location = null) =>
        Answer(_ => Response(status, json, contentType, retryAfter, location));

    public static HttpResponseMessage Response(int status, string? json = null, string contentType = "application/json", TimeSpan? retryAfter = null, string? location = null)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status);
        if (json is not null) response.Content = new StringContent(json, Encoding.UTF8, contentType);
        if (retryAfter is { } wait) response.Headers.RetryAfter = new RetryConditionHeaderValue(wait);
        if (location is not null) response.Headers.Location = new Uri(location, UriKind.Relative);
        return response;
    }

    /// <summary>Waits until the hub has been called <paramref name="count"/> times in all (5 s at most, as a guard).</summary>
    public async Task WaitForCallsAsync(int count)
    {
        while (true)
        {
            lock (Sent)
            {
                if (Sent.Count >= count) return;
            }

            if (!await calls.WaitAsync(TimeSpan.FromSeconds(5))) throw new TimeoutException($"Expected {count} calls, saw {Sent.Count}.");
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var sent = new SentRequest(request.Method.Method, request.RequestUri!.PathAndQuery, headers, body, request.Content?.Headers.ContentType?.ToString());
        if (script.TryDequeue(out var next)) last = next;
        var answer = last ?? throw new InvalidOperationException("The stub hub has no answer scripted.");
        lock (Sent) Sent.Add(sent);
        calls.Release();
        return answer(sent);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) calls.Dispose();
        base.Dispose(disposing);
    }
}
