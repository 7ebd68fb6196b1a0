using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Tongban.Configuration;
using Tongban.OperatorConsole;

namespace Tongban.Tests.OperatorConsole;

/// <summary>Failed console sign-ins are limited per address and per operator, over a sliding window.</summary>
public sealed class SignInThrottleTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 5, 4, 0, 0, TimeSpan.Zero));

    private SignInThrottle Throttle() => new(Options.Create(new TongbanOptions
    {
        Console = new ConsoleOptions { MaxFailedSignIns = 3, FailedSignInWindow = TimeSpan.FromMinutes(10) },
    }), clock);

    [Fact]
    public void The_limit_refuses_until_the_oldest_failure_leaves_the_window()
    {
        var throttle = Throttle();
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(throttle.RetryAfter("address:1.2.3.4"));
            throttle.Failed("address:1.2.3.4");
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(TimeSpan.FromMinutes(7), throttle.RetryAfter("address:1.2.3.4"));
        clock.SetUtcNow(clock.Start + TimeSpan.FromMinutes(10));
        Assert.Null(throttle.RetryAfter("address:1.2.3.4"));
    }

    [Fact]
    public void An_operator_guessed_at_from_many_addresses_is_limited_and_another_address_is_not()
    {
        var throttle = Throttle();
        for (var i = 0; i < 3; i++) throttle.Failed($"address:10.0.0.{i}", "operator:ops-1");
        Assert.NotNull(throttle.RetryAfter("address:10.0.0.9", "operator:ops-1"));
        Assert.Null(throttle.RetryAfter("address:10.0.0.9", "operator:ops-2"));
    }
}
