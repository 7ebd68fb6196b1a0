using System.Net.Http.Headers;

namespace Tongban.Client;

/// <summary>
/// Signs every request it passes on (partner-api.md): caller header, a fresh timestamp and nonce, and the HMAC over
/// method, path and query as sent, timestamp, nonce and the body's SHA-256. It signs again on each pass, so a request
/// retried by an outer handler goes out with a new nonce (the hub refuses a nonce it has seen).
/// </summary>
public sealed class SigningHandler : DelegatingHandler
{
    private readonly TongbanCredentials credentials;
    private readonly TimeProvider time;

    public SigningHandler(TongbanCredentials credentials, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        this.credentials = credentials;
        this.time = time ?? TimeProvider.System;
    }

    public SigningHandler(TongbanCredentials credentials, HttpMessageHandler inner, TimeProvider? time = null)
        : this(credentials, time) => InnerHandler = inner;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri is { IsAbsoluteUri: true } absolute ? absolute
            : throw new InvalidOperationException("A signed request needs an absolute URI (set the HttpClient's BaseAddress).");
        byte[] body = [];
        if (request.Content is { } content)
        {
            body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            // The bytes signed are the bytes sent: the content is replaced by exactly those bytes, which a retry can read again.
            var fixedContent = new ByteArrayContent(body);
            foreach (var header in content.Headers) fixedContent.Headers.TryAddWithoutValidation(header.Key, header.Value);
            fixedContent.Headers.ContentLength = body.Length;
            request.Content = fixedContent;
            content.Dispose();
        }

        foreach (var (name, value) in TongbanSignature.Headers(credentials, request.Method.Method, uri.PathAndQuery, body, time.GetUtcNow()))
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>How <see cref="RetryHandler"/> retries: attempts in all, and the longest <c>Retry-After</c> it waits for.</summary>
public sealed record TongbanRetryOptions
{
    /// <summary>Attempts in all, the first included; 1 turns retrying off.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>A <c>Retry-After</c> longer than this is not waited for: the answer goes back to the caller as it is.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait when a retryable answer carries no <c>Retry-After</c>.</summary>
    public TimeSpan DefaultDelay { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Retries what the contract says to retry, after the <c>Retry-After</c> the hub gives: <c>429</c> rate-limited and
/// <c>503</c> unavailable (nothing happened, or an open that a same-key retry finishes), and <c>409</c> with
/// <c>Retry-After</c> on a request carrying an <c>Idempotency-Key</c> (the first request with that key is still in flight;
/// a 409 without Retry-After, such as the key reused with another body, is final). Bounded by
/// <see cref="TongbanRetryOptions"/>. Place it outside <see cref="SigningHandler"/> so each attempt is signed afresh.
/// </summary>
public sealed class RetryHandler : DelegatingHandler
{
    private readonly TongbanRetryOptions options;
    private readonly TimeProvider time;

    public RetryHandler(TongbanRetryOptions? options = null, TimeProvider? time = null)
    {
        this.options = options ?? new TongbanRetryOptions();
        this.time = time ?? TimeProvider.System;
        if (this.options.MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxAttempts must be at least 1.");
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        for (var attempt = 1; ; attempt++)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (attempt >= options.MaxAttempts || RetryDelay(request, response) is not { } delay) return response;
            response.Dispose();
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How long to wait before sending again, or null when the answer is final.</summary>
    internal TimeSpan? RetryDelay(HttpRequestMessage request, HttpResponseMessage response)
    {
        var retryAfter = RetryAfter(response.Headers.RetryAfter, time.GetUtcNow());
        var retryable = (int)response.StatusCode switch
        {
            429 or 503 => true,
            409 => retryAfter is not null && request.Headers.Contains(TongbanSignature.IdempotencyKeyHeader),
            _ => false,
        };
        if (!retryable) return null;
        var delay = retryAfter ?? options.DefaultDelay;
        return delay <= options.MaxRetryAfter ? delay : null;
    }

    /// <summary>The wait a <c>Retry-After</c> asks for, in seconds or as a date; never negative.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };
}
