using Tongban.Cases;

namespace Tongban.Workflows.Orchestration;

/// <summary>What the runner does with a step's answer: take it, send the step again on a new round, or hold it for a redrive.</summary>
public enum RetryDecision
{
    /// <summary>The answer stands: the step is done, for better or worse.</summary>
    Done,
    /// <summary>Re-drive the step on a new round, after the policy's back-off.</summary>
    Retry,
    /// <summary>Out of retries, or a defect: hold the step for a redrive (when the policy has a park or redrive window).</summary>
    Hold,
}

/// <summary>How a step's unsuccessful answers are retried: one of <see cref="Rounds"/>, <see cref="Budget"/>, <see cref="UntilSuccess"/>.</summary>
public abstract record RetryMode
{
    private RetryMode()
    {
    }

    /// <summary>Transient failures are re-driven up to the policy's MaxRounds; a failure after that, or a defect, is held for a redrive.</summary>
    public static RetryMode BoundedRounds { get; } = new Rounds();

    /// <summary>Every answer but success is re-driven, the step flagged for an operator after the policy's AttentionAfterRounds rounds.</summary>
    public static RetryMode UntilSucceeded { get; } = new UntilSuccess();

    /// <summary>Whether a step that keeps being re-driven is flagged for an operator's attention.</summary>
    public virtual bool FlagsAttention => false;

    /// <summary>Decides on <paramref name="result"/>, the answer to <paramref name="round"/>, for a run started at <paramref name="started"/>.</summary>
    public abstract RetryDecision Decide(StepResult result, int round, StepPolicy policy, DateTimeOffset now, DateTimeOffset started);

    private static bool IsTransient(StepResult result) => result.Outcome == StepOutcome.Failed && result.Transient;

    /// <summary>Bounded rounds: see <see cref="BoundedRounds"/>.</summary>
    public sealed record Rounds : RetryMode
    {
        public override RetryDecision Decide(StepResult result, int round, StepPolicy policy, DateTimeOffset now, DateTimeOffset started)
        {
            ArgumentNullException.ThrowIfNull(result);
            ArgumentNullException.ThrowIfNull(policy);
            if (IsTransient(result) && round < policy.MaxRounds) return RetryDecision.Retry;
            return result.Outcome == StepOutcome.Failed ? RetryDecision.Hold : RetryDecision.Done;
        }
    }

    /// <summary>
    /// A time budget: transient failures are re-driven while less than <paramref name="Length"/> has passed since the run
    /// started; then the failure stands (a budgeted step is never held: its caller undoes what depended on it).
    /// </summary>
    public sealed record Budget(TimeSpan Length) : RetryMode
    {
        public override RetryDecision Decide(StepResult result, int round, StepPolicy policy, DateTimeOffset now, DateTimeOffset started)
        {
            ArgumentNullException.ThrowIfNull(result);
            return IsTransient(result) && now < started + Length ? RetryDecision.Retry : RetryDecision.Done;
        }
    }

    /// <summary>Until success: see <see cref="UntilSucceeded"/>.</summary>
    public sealed record UntilSuccess : RetryMode
    {
        public override bool FlagsAttention => true;

        public override RetryDecision Decide(StepResult result, int round, StepPolicy policy, DateTimeOffset now, DateTimeOffset started)
        {
            ArgumentNullException.ThrowIfNull(result);
            return result.Outcome == StepOutcome.Succeeded ? RetryDecision.Done : RetryDecision.Retry;
        }
    }
}

/// <summary>
/// How to run a batch of province steps. <paramref name="Status"/>: the case's status while they run (set with the dispatch).
/// <paramref name="Retry"/>: how unsuccessful answers are retried (bounded rounds when not given). <paramref name="Decides"/>:
/// whether an answer settles the case by itself (a refusal), so the steps still going are no longer held for a redrive.
/// <see cref="Changes"/>, <see cref="Outcome"/> and <see cref="IrreversibleStep"/> are recorded with the dispatch (see
/// <see cref="ProvinceStepDispatch"/>).
/// </summary>
public sealed record StepRun(CaseStatus? Status = null, RetryMode? Retry = null, Func<ProvinceStep, StepResult, bool>? Decides = null)
{
    public RetryMode Retry { get; init; } = Retry ?? RetryMode.BoundedRounds;

    public IReadOnlyList<StepChange>? Changes { get; init; }

    public CaseOutcome? Outcome { get; init; }

    public string? IrreversibleStep { get; init; }

    /// <summary>The steps' last success completes the case (see <see cref="ProvinceStepDispatch.CompletesCase"/>).</summary>
    public bool CompletesCase { get; init; }

    /// <summary>The move the case makes by itself once the steps have cleared (see <see cref="ProvinceStepDispatch.Move"/>).</summary>
    public CaseMove? Move { get; init; }

    /// <summary>The step an officer's approval sends (see <see cref="ProvinceStepDispatch.OnApproval"/>).</summary>
    public ProvinceStep? OnApproval { get; init; }

    /// <summary>
    /// A time-out the workflow keeps for consecutive batches (<see cref="ProvinceStepRunner.Deadline"/>): the steps' first round
    /// waits under it instead of a timer of its own while it serves their time limit (<see cref="StepDeadline.Serves"/>).
    /// </summary>
    public StepDeadline? Deadline { get; init; }
}

/// <summary>
/// A time-out timer kept across batches, due at <paramref name="Due"/> (orchestration time); its owner cancels it when the workflow
/// no longer waits under it (an orchestration completes only once its timers have fired or been cancelled).
/// </summary>
public sealed record StepDeadline(Task Timer, DateTime Due)
{
    /// <summary>
    /// Whether it may stand for a time-out of <paramref name="limit"/> starting at <paramref name="now"/>: not yet fired, and due
    /// no later than the limit and no sooner than nine tenths of it (a step's time-out is a safety net for a lost message,
    /// not a promise to the province to the second).
    /// </summary>
    public bool Serves(TimeSpan limit, DateTime now)
    {
        var left = Due - now;
        return !Timer.IsCompleted && left <= limit && left >= limit * 0.9;
    }
}
