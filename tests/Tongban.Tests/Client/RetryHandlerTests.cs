using Microsoft.Extensions.Time.Testing;
using Tongban.Client;

namespace Tongban.Tests.Client;

/// <summary>Retries of 429, 503 and 409-in-flight after Retry-After, on a fake clock: bounded in attempts and in wait.</summary>
public sealed class RetryHandlerTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 5, 4, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_503_is_retried_after_its_Retry_After_and_not_before()
    {
        using var hub = new StubHub().Answer(503, Problem("unavailable", 503), "application/problem+json", TimeSpan.FromSeconds(5)).Answer(200, "{}");
        using var invoker = Chain(hub);

        var sending = Send(invoker, HttpMethod.Get, key: null);
        await hub.WaitForCallsAsync(1);
        time.Advance(TimeSpan.FromSeconds(4.9));
        await Task.Delay(50);
        Assert.Single(hub.Sent);
        Assert.False(sending.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(0.1));
        using var response = await sending;

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(2, hub.Sent.Count);
        Assert.NotEqual(hub.Sent[0].Headers["X-Tongban-Nonce"], hub.Sent[1].Headers["X-Tongban-Nonce"]);
    }

    [Fact]
    public async Task A_429_without_Retry_After_waits_the_default_delay()
    {
        using var hub = new StubHub().Answer(429).Answer(202, "{}");
        using var invoker = Chain(hub, new TongbanRetryOptions { DefaultDelay = TimeSpan.FromSeconds(2) });

        var sending = Send(invoker, HttpMethod.Post, key: "key-00000001");
        await hub.WaitForCallsAsync(1);
        time.Advance(TimeSpan.FromSeconds(2));
        using var response = await sending;

        Assert.Equal(202, (int)response.StatusCode);
        Assert.Equal(2, hub.Sent.Count);
    }

    [Fact]
    public async Task A_409_in_flight_is_retried_with_the_same_key_and_body()
    {
        using var hub = new StubHub().Answer(409, Problem("conflict", 409), "application/problem+json", TimeSpan.FromSeconds(1)).Answer(200, "{}");
        using var invoker = Chain(hub);

        var sending = Send(invoker, HttpMethod.Post, key: "key-00000002");
        await hub.WaitForCallsAsync(1);
        time.Advance(TimeSpan.FromSeconds(1));
        using var response = await sending;

        Assert.Equal(200, (int)response.StatusCode);
        Assert.All(hub.Sent, s => Assert.Equal("key-00000002", s.Headers["Idempotency-Key"]));
        Assert.Equal(hub.Sent[0].Body, hub.Sent[1].Body);
    }

    [Theory]
    [InlineData(409, 0, true)] // the key reused with another body: no Retry-After, final
    [InlineData(409, 1, false)] // a 409 with Retry-After but no Idempotency-Key is not the in-flight signal
    [InlineData(400, 1, true)]
    [InlineData(404, 0, true)]
    [InlineData(500, 0, true)]
    public async Task Other_answers_go_back_at_once(int status, int retryAfterSeconds, bool withKey)
    {
        using var hub = new StubHub().Answer(status, Problem("x", status), "application/problem+json",
            retryAfterSeconds > 0 ? TimeSpan.FromSeconds(retryAfterSeconds) : null);
        using var invoker = Chain(hub);

        using var response = await Send(invoker, HttpMethod.Post, key: withKey ? "key-00000003" : null);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Single(hub.Sent);
    }

    [Fact]
    public async Task A_Retry_After_beyond_the_bound_is_not_waited_for()
    {
        using var hub = new StubHub().Answer(429, Problem("rate-limited", 429), "application/problem+json", TimeSpan.FromSeconds(120));
        using var invoker = Chain(hub, new TongbanRetryOptions { MaxRetryAfter = TimeSpan.FromSeconds(30) });

        using var response = await Send(invoker, HttpMethod.Get, key: null);

        Assert.Equal(429, (int)response.StatusCode);
        Assert.Single(hub.Sent);
    }

    [Fact]
    public async Task Attempts_are_bounded_and_the_last_answer_is_returned()
    {
        using var hub = new StubHub().Answer(503, Problem("unavailable", 503), "application/problem+json", TimeSpan.FromSeconds(1));
        using var invoker = Chain(hub, new TongbanRetryOptions { MaxAttempts = 3 });

        var sending = Send(invoker, HttpMethod.Get, key: null);
        for (var n = 1; n < 3; n++)
        {
            await hub.WaitForCallsAsync(n);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        using var response = await sending;

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal(3, hub.Sent.Count);
    }

    [Fact]
    public void Retry_After_as_a_date_is_the_time_until_it()
    {
        var now = time.GetUtcNow();

        Assert.Equal(TimeSpan.FromSeconds(7), RetryHandler.RetryAfter(new System.Net.Http.Headers.RetryConditionHeaderValue(now.AddSeconds(7)), now));
        Assert.Equal(TimeSpan.Zero, RetryHandler.RetryAfter(new System.Net.Http.Headers.RetryConditionHeaderValue(now.AddSeconds(-7)), now));
        Assert.Null(RetryHandler.RetryAfter(null, now));
    }

    [Fact]
    public void Fewer_than_one_attempt_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryHandler(new TongbanRetryOptions { MaxAttempts = 0 }));
    }

    internal static string Problem(string type, int status) =>
        $"{{\"type\":\"urn:tongban:problem:{type}\",\"title\":\"T\",\"status\":{status},\"detail\":\"D\"}}";

    private HttpMessageInvoker Chain(StubHub hub, TongbanRetryOptions? retry = null) =>
        new(TongbanApiClient.CreateHandler(TongbanCredentials.Partner("310000", "sh-partner-secret-0001"),
            new TongbanClientOptions { Retry = retry ?? new TongbanRetryOptions(), Time = time }, hub));

    private static Task<HttpResponseMessage> Send(HttpMessageInvoker invoker, HttpMethod method, string? key)
    {
        var request = new HttpRequestMessage(method, "http://127.0.0.1:7071/api/v1/cases");
        if (method == HttpMethod.Post) request.Content = new StringContent("{\"reference\":\"R-1\"}", System.Text.Encoding.UTF8, "application/json");
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return invoker.SendAsync(request, default);
    }
}
