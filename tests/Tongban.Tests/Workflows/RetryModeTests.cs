using Tongban.Workflows;
using Tongban.Workflows.Orchestration;

namespace Tongban.Tests.Workflows;

/// <summary>The three retry modes' decisions on each kind of answer, with the policy's 3 rounds.</summary>
public sealed class RetryModeTests
{
    private static readonly StepPolicy Policy = StepPolicy.Default;
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);
    private static readonly StepResult Ok = new(StepOutcome.Succeeded);
    private static readonly StepResult Transient = new(StepOutcome.Failed, "busy", Transient: true);
    private static readonly StepResult Defect = new(StepOutcome.Failed, "defect");
    private static readonly StepResult Refused = new(StepOutcome.Refused, "no");

    [Fact]
    public void Bounded_rounds_retry_a_transient_failure_until_the_last_round_then_hold_it()
    {
        var mode = RetryMode.BoundedRounds;

        Assert.Equal(RetryDecision.Retry, mode.Decide(Transient, 1, Policy, Start, Start));
        Assert.Equal(RetryDecision.Retry, mode.Decide(Transient, Policy.MaxRounds - 1, Policy, Start, Start));
        Assert.Equal(RetryDecision.Hold, mode.Decide(Transient, Policy.MaxRounds, Policy, Start, Start));
        Assert.False(mode.FlagsAttention);
    }

    [Fact]
    public void Bounded_rounds_hold_a_defect_at_once_and_take_any_other_answer()
    {
        var mode = RetryMode.BoundedRounds;

        Assert.Equal(RetryDecision.Hold, mode.Decide(Defect, 1, Policy, Start, Start));
        Assert.Equal(RetryDecision.Done, mode.Decide(Ok, 1, Policy, Start, Start));
        Assert.Equal(RetryDecision.Done, mode.Decide(Refused, 1, Policy, Start, Start));
        Assert.Equal(RetryDecision.Done, mode.Decide(new StepResult(StepOutcome.NoRecord), 1, Policy, Start, Start));
    }

    [Fact]
    public void A_budget_retries_transient_failures_while_it_lasts_whatever_the_round_and_never_holds()
    {
        var mode = new RetryMode.Budget(TimeSpan.FromHours(1));

        Assert.Equal(RetryDecision.Retry, mode.Decide(Transient, 10, Policy, Start.AddMinutes(59), Start));
        Assert.Equal(RetryDecision.Done, mode.Decide(Transient, 2, Policy, Start.AddHours(1), Start));
        Assert.Equal(RetryDecision.Done, mode.Decide(Defect, 1, Policy, Start, Start));
        Assert.Equal(RetryDecision.Done, mode.Decide(Refused, 1, Policy, Start, Start));
        Assert.False(mode.FlagsAttention);
    }

    [Fact]
    public void Until_success_retries_every_other_answer_and_flags_attention()
    {
        var mode = RetryMode.UntilSucceeded;

        Assert.Equal(RetryDecision.Retry, mode.Decide(Transient, 50, Policy, Start, Start));
        Assert.Equal(RetryDecision.Retry, mode.Decide(Defect, 1, Policy, Start, Start));
        Assert.Equal(RetryDecision.Retry, mode.Decide(Refused, 1, Policy, Start, Start));
        Assert.Equal(RetryDecision.Done, mode.Decide(Ok, 50, Policy, Start, Start));
        Assert.True(mode.FlagsAttention);
    }

    [Fact]
    public void A_run_without_a_retry_mode_uses_bounded_rounds()
    {
        Assert.Same(RetryMode.BoundedRounds, new StepRun().Retry);
        Assert.Same(RetryMode.UntilSucceeded, new StepRun(Retry: RetryMode.UntilSucceeded).Retry);
    }
}
