using Microsoft.Extensions.Options;
using Tongban.Api;
using Tongban.Configuration;

namespace Tongban.Tests.Api;

/// <summary>Issue 11: each partner has its own token bucket (Tongban:Partners:{code}:RateLimit), default 20/s with a burst of 40.</summary>
public class PartnerRateLimitsTests
{
    private static PartnerRateLimits Limits(int perSecond, int burst) => new(Options.Create(new TongbanOptions
    {
        Partners =
        {
            ["310000"] = new PartnerOptions { RateLimit = new RateLimitOptions { RequestsPerSecond = perSecond, Burst = burst } },
            ["330000"] = new PartnerOptions(),
        },
    }));

    [Fact]
    public void A_partner_gets_its_burst_then_a_retry_after()
    {
        using var limits = Limits(perSecond: 1, burst: 3);
        Assert.All(Enumerable.Range(0, 3), _ => Assert.Null(limits.TryAcquire("310000")));

        var retryAfter = limits.TryAcquire("310000");

        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void One_partner_over_its_limit_does_not_hold_up_another()
    {
        using var limits = Limits(perSecond: 1, burst: 1);
        Assert.Null(limits.TryAcquire("310000"));
        Assert.NotNull(limits.TryAcquire("310000"));
        Assert.Null(limits.TryAcquire("330000"));
    }

    [Fact]
    public void The_default_is_a_burst_of_40()
    {
        using var limits = Limits(1, 1);
        Assert.Equal(40, Enumerable.Range(0, 45).Count(_ => limits.TryAcquire("330000") is null));
        Assert.Equal((20, 40), (new RateLimitOptions().RequestsPerSecond, new RateLimitOptions().Burst));
    }
}
