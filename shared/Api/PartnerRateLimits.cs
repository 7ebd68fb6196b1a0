using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Tongban.Configuration;

namespace Tongban.Api;

/// <summary>
/// One token bucket per partner (<c>Tongban:Partners:{code}:RateLimit</c>), in this process: each instance of the hub
/// limits on its own, so a partner may reach the limit times the number of instances.
/// </summary>
public sealed class PartnerRateLimits(IOptions<TongbanOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> buckets = new(StringComparer.Ordinal);

    /// <summary>Null when the partner may go on (a token is taken), else how long until a token is back.</summary>
    public TimeSpan? TryAcquire(string partner)
    {
        var bucket = buckets.GetOrAdd(partner, code => NewBucket(options.Value.Partners.TryGetValue(code, out var p) ? p.RateLimit : new RateLimitOptions()));
        using var lease = bucket.AttemptAcquire();
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
    }

    private static TokenBucketRateLimiter NewBucket(RateLimitOptions limit) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = limit.Burst,
        TokensPerPeriod = limit.RequestsPerSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    });

    public void Dispose()
    {
        foreach (var bucket in buckets.Values) bucket.Dispose();
    }
}
