using Tongban.Workflows.Orchestration;

namespace Tongban.Tests.Workflows;

/// <summary>When a deadline the workflow keeps may stand for a batch's own time-out (workflow version 9).</summary>
public sealed class StepDeadlineTests
{
    private static readonly DateTime Set = new(2026, 12, 7, 3, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);
    private static readonly StepDeadline Pending = new(new TaskCompletionSource().Task, Set + Limit);

    [Fact]
    public void A_pending_deadline_serves_a_limit_while_at_least_nine_tenths_of_it_is_left()
    {
        Assert.True(Pending.Serves(Limit, Set));
        Assert.True(Pending.Serves(Limit, Set + TimeSpan.FromSeconds(1)));
        Assert.True(Pending.Serves(Limit, Set + TimeSpan.FromMinutes(1)));
        Assert.False(Pending.Serves(Limit, Set + TimeSpan.FromMinutes(1) + TimeSpan.FromTicks(1)));
        Assert.False(Pending.Serves(Limit, Set + Limit));
    }

    [Fact]
    public void A_deadline_due_later_than_the_limit_does_not_serve_it()
    {
        Assert.False(Pending.Serves(TimeSpan.FromMinutes(5), Set));
        // A much longer limit (slow work's 14 days): due far too soon for it.
        Assert.False(Pending.Serves(TimeSpan.FromDays(14), Set));
    }

    [Fact]
    public void A_deadline_that_has_fired_serves_nothing()
    {
        var fired = Pending with { Timer = Task.CompletedTask };

        Assert.False(fired.Serves(Limit, Set));
    }
}
