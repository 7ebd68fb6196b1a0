using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Time.Testing;
using Tongban.Provinces;
using Tongban.Provinces.Resilience;

namespace Tongban.Tests.Provinces;

/// <summary>
/// Rule: every adapter's HTTP exchange sorts transport faults alike. Unreachable, a connection lost mid-reply, no answer
/// in time, 5xx, 408 and 429 are transient (with the province's Retry-After); the caller's own cancellation stays
/// cancellation; every other status is handed back to the adapter with its body.
/// </summary>
public sealed class ProvinceTransportTests
{
    private const string Province = "990000";
    private const string IdNumber = "330106200006179053";

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private ProvinceTransport Transport(HttpMessageHandler handler, TimeSpan? timeout = null) =>
        new(new HttpClient(handler) { Timeout = timeout ?? TimeSpan.FromSeconds(30) }, Province, "Testland", clock);

    // The path carries an ID number, as Shanghai's do: no message may repeat it.
    private static HttpRequestMessage Request() => new(HttpMethod.Get, $"http://127.0.0.1:9/residents/{IdNumber}");

    private async Task<ProvinceTransientException> TransientAsync(HttpMessageHandler handler, TimeSpan? timeout = null)
    {
        var error = await Assert.ThrowsAsync<ProvinceTransientException>(
            () => Transport(handler, timeout).SendAsync(Request(), "resident.verify", ProvinceTransport.Text, CancellationToken.None));
        Assert.Equal(Province, error.Province);
        Assert.StartsWith("Testland resident.verify: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(IdNumber, error.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public async Task Unreachable_province_is_transient()
    {
        var cause = new HttpRequestException(HttpRequestError.ConnectionError, $"Connection refused (127.0.0.1:9/residents/{IdNumber})");

        var error = await TransientAsync(StubHandler.Throwing(cause));

        Assert.Same(cause, error.InnerException);
        Assert.Contains("ConnectionError", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_lost_while_sending_is_transient()
    {
        var cause = new IOException("Unable to read data from the transport connection: Connection reset by peer.");

        var error = await TransientAsync(StubHandler.Throwing(cause));

        Assert.Same(cause, error.InnerException);
    }

    [Fact]
    public async Task Connection_lost_while_reading_the_body_is_transient()
    {
        var cause = new IOException("The response ended prematurely.");
        var transport = Transport(StubHandler.Answering(HttpStatusCode.OK, "{\"partial\":"));

        var error = await Assert.ThrowsAsync<ProvinceTransientException>(() =>
            transport.SendAsync(Request(), "resident.verify", (_, _) => Task.FromException<string>(cause), CancellationToken.None));

        Assert.Same(cause, error.InnerException);
    }

    [Fact]
    public async Task A_cancellation_the_caller_did_not_ask_for_is_a_time_out()
    {
        var cause = new TaskCanceledException("The operation was canceled.", new TimeoutException());

        var error = await TransientAsync(StubHandler.Throwing(cause));

        Assert.Same(cause, error.InnerException);
        Assert.EndsWith("timed out", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_clients_own_time_out_is_transient()
    {
        var error = await TransientAsync(StubHandler.Silent(), timeout: TimeSpan.FromMilliseconds(50));

        Assert.IsAssignableFrom<OperationCanceledException>(error.InnerException);
    }

    [Fact]
    public async Task The_callers_cancellation_stays_cancellation()
    {
        using var cts = new CancellationTokenSource();
        var handler = new StubHandler(async (_, ct) =>
        {
            await cts.CancelAsync();
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Transport(handler).SendAsync(Request(), "resident.verify", ProvinceTransport.Text, cts.Token));

        Assert.Equal(1, handler.Sent);
    }

    [Fact]
    public async Task A_province_fault_raised_below_passes_through_unchanged()
    {
        // The resilience pipeline's own translations (a parked call, an attempt time-out) are already province faults.
        var parked = new ProvinceParkedException(Province, "rate limit used up", TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<ProvinceParkedException>(
            () => Transport(StubHandler.Throwing(parked)).SendAsync(Request(), "resident.verify", ProvinceTransport.Text, CancellationToken.None));

        Assert.Same(parked, error);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task Outage_statuses_are_transient(HttpStatusCode status)
    {
        var error = await TransientAsync(StubHandler.Answering(status, "{}"));

        Assert.EndsWith($"answered HTTP {(int)status}", error.Message, StringComparison.Ordinal);
        Assert.Null(error.RetryAfter);
    }

    [Fact]
    public async Task Retry_after_in_seconds_is_kept()
    {
        var error = await TransientAsync(StubHandler.Answering(HttpStatusCode.TooManyRequests, shape: r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(7))));

        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
    }

    [Fact]
    public async Task Retry_after_as_a_date_is_the_wait_from_now()
    {
        var at = clock.GetUtcNow().AddSeconds(42);

        var error = await TransientAsync(StubHandler.Answering(HttpStatusCode.ServiceUnavailable, shape: r => r.Headers.RetryAfter = new RetryConditionHeaderValue(at)));

        Assert.Equal(TimeSpan.FromSeconds(42), error.RetryAfter);
    }

    [Fact]
    public async Task Retry_after_a_date_already_past_means_at_once()
    {
        var at = clock.GetUtcNow().AddSeconds(-42);

        var error = await TransientAsync(StubHandler.Answering(HttpStatusCode.ServiceUnavailable, shape: r => r.Headers.RetryAfter = new RetryConditionHeaderValue(at)));

        Assert.Equal(TimeSpan.Zero, error.RetryAfter);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, true)]
    [InlineData(HttpStatusCode.NoContent, true)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.Conflict, false)]
    public async Task Any_other_status_comes_back_with_its_body(HttpStatusCode status, bool success)
    {
        var handler = StubHandler.Answering(status, "{\"code\":\"x\"}");

        var reply = await Transport(handler).SendAsync(Request(), "resident.verify", ProvinceTransport.Text, CancellationToken.None);

        Assert.Equal(status, reply.Status);
        Assert.Equal(success, reply.IsSuccess);
        Assert.Equal("{\"code\":\"x\"}", reply.Body);
        Assert.Equal(1, handler.Sent);
    }

    [Fact]
    public async Task The_body_can_be_read_as_bytes()
    {
        var reply = await Transport(StubHandler.Answering(HttpStatusCode.OK, "好"))
            .SendAsync(Request(), "resident.verify", ProvinceTransport.Bytes, CancellationToken.None);

        Assert.Equal("好"u8.ToArray(), reply.Body);
    }
}
