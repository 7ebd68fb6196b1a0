using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Tongban.Cases;
using Tongban.Storage;
using Tongban.Telemetry;
using Tongban.Workflows.Dispatch;

namespace Tongban.Workflows.Activities;

/// <summary>
/// The activities every workflow uses. Each is idempotent: run twice, it leaves the same row and at most
/// a duplicate queue message, which province keys make harmless.
/// </summary>
public sealed partial class CaseActivities(CaseStore cases, ProvinceStepQueue queue, Callbacks.PartnerCallbackOutbox callbacks, ILogger<CaseActivities> logger,
    Audit.AuditTrail audit)
{
    public async Task<bool> RecordCaseProgressAsync(CaseProgress progress, CancellationToken ct)
    {
        using var scope = CaseLogScope.Begin(logger, progress.CaseId);
        // A status change is told to the partner: its span is the parent of that delivery (the poke carries it).
        using var span = progress.Status is null ? null : CaseSpans.Progress(progress);
        var before = (CaseStatus?)null;
        var refused = false;
        var stored = await cases.UpdateAsync(progress.CaseId, record =>
        {
            before = record.Status;
            // A closed case is final for good: a repeated or late run of this activity (redelivered after a crash) changes nothing.
            if (record.Closed) return false;
            refused = Decided(record, progress.UnlessDecided) || !TryEnter(record, progress.IrreversibleStep);
            if (refused) return false;
            Record(record, progress.Status, progress.Steps, progress.Outcome);
            // The workflow records a status itself: a move its steps' answers were to make has been gone past.
            if (progress.Status is not null) record.Move = null;
            if (progress.Reason is { } reason)
            {
                record.Outcome ??= new CaseOutcome();
                record.Outcome.Reason = reason.Length == 0 ? null : reason;
            }

            if (progress.Status is { } final && final.IsFinal() && !progress.Held) Close(record, DateTimeOffset.UtcNow);
            return true;
        }, ct);
        if (refused) return false;
        // Also on a repeated run of this activity: its trail entry is appended once, a poke with nothing pending costs one read.
        if (progress.Status is not null) await StatusChangedAsync(stored.Record, before, TongbanTelemetry.CurrentTraceParent, ct);
        return true;
    }

    /// <summary>The case ends: steps still running or waiting will not be heard from (shown skipped), nothing awaits a redrive.</summary>
    private static void Close(CaseRecord record, DateTimeOffset at)
    {
        record.Closed = true;
        foreach (var step in record.Steps)
        {
            step.AwaitingRedrive = false;
            if (step.Status.IsFinal()) continue;
            step.Status = StepStatus.Skipped;
            step.CompletedAt = at;
            step.Detail ??= $"case ended {record.Status}";
        }
    }

    /// <summary>
    /// Completes the case when every step of its last batch (<see cref="CaseRecord.CompletingSteps"/>) has succeeded: the
    /// step handler's write of the last success is the completion. A succeeded step needs no attention any more. True when
    /// this change completed it.
    /// </summary>
    internal static bool CompleteIfLastStep(CaseRecord record, DateTimeOffset at)
    {
        if (record.Closed || record.CompletingSteps.Count == 0) return false;
        var batch = record.CompletingSteps.Select(record.FindStep).ToList();
        if (!batch.All(step => step?.Status == StepStatus.Succeeded)) return false;
        foreach (var step in batch) step!.NeedsAttention = false;
        record.Status = CaseStatus.Completed;
        Close(record, at);
        return true;
    }

    /// <summary>
    /// Makes the case's move (<see cref="CaseRecord.Move"/>) when <paramref name="item"/>'s answer, just written, leaves every
    /// step of the move's batch succeeded with no answer the workflow's assessment refuses. An answer that refuses the case
    /// drops the move (the workflow ends the case); a case held failed, withdrawn or closed is left to the workflow. True when
    /// this change made the move.
    /// </summary>
    internal static bool MoveIfCleared(CaseRecord record, ProvinceStep item, StepResult result, DateTimeOffset at)
    {
        if (record.Move is not { Made: false } move || !move.Steps.Contains(item.StepKey)) return false;
        if (Orchestration.CaseFlow.Refuses(Orchestration.CaseFlow.Assessment(record.CaseType))(item, result))
        {
            record.Move = null;
            return false;
        }

        if (record.Closed || record.Status.IsFinal() || record.WithdrawalRequested) return false;
        if (!move.Steps.All(key => record.FindStep(key)?.Status == StepStatus.Succeeded)) return false;
        record.Status = move.Status;
        Apply(record, new StepChange(move.StepName, null, move.Province, move.StepStatus, at, move.Detail));
        record.Move = move with { Made = true };
        return true;
    }

    /// <summary>
    /// Records the steps <paramref name="item"/>'s success sends (<see cref="ProvinceStep.Then"/>) in the write of that success, as
    /// the dispatch activity does (<see cref="RecordDispatch"/>), with the outcome the answer gives when the dispatch asks for it
    /// (<see cref="ProvinceStepDispatch.OutcomeFromAnswer"/>). Not for an answer short of success, one that gives no outcome
    /// where one is wanted, or a case closed, ended, being withdrawn or whose steps were sent before. True when this change
    /// recorded them (<see cref="CaseRecord.SentBy"/>): the caller queues them once the write is stored.
    /// </summary>
    internal static bool SendIfSucceeded(CaseRecord record, ProvinceStep item, StepResult result, DateTimeOffset at)
    {
        if (item.Then is not { } then || result.Outcome != StepOutcome.Succeeded || record.SentBy is not null) return false;
        if (record.Closed || record.Status.IsFinal() || record.WithdrawalRequested) return false;
        var outcome = then.OutcomeFromAnswer ? Orchestration.CaseFlow.OutcomeOf(result, at) : then.Outcome;
        if (then.OutcomeFromAnswer && outcome is null) return false;
        // A succeeded step needs no attention any more (one answered late after being parked was flagged).
        record.FindStep(item.StepKey)?.NeedsAttention = false;
        RecordDispatch(record, then, outcome, at);
        record.SentBy = item.StepKey;
        return true;
    }

    /// <summary>
    /// What a dispatch writes, by the activity or sent by a step's success: status, changes and <paramref name="outcome"/>, its
    /// steps Running from <paramref name="at"/>, the move it carries (or drops), the batch that completes the case.
    /// </summary>
    private static void RecordDispatch(CaseRecord record, ProvinceStepDispatch dispatch, CaseOutcome? outcome, DateTimeOffset at)
    {
        Record(record, dispatch.Status, dispatch.Changes, outcome);
        foreach (var item in dispatch.Items) Apply(record, new StepChange(item.StepName, item.Subject, item.Province, StepStatus.Running, at));

        // A move is its batch's: a dispatch of other steps (the workflow has gone past it) drops it; a later round of one of
        // its steps keeps it.
        if (dispatch.Move is { } move) record.Move = move;
        else if (record.Move is { } pending && !dispatch.Items.All(i => pending.Steps.Contains(i.StepKey))) record.Move = null;
        if (dispatch.CompletesCase)
        {
            record.CompletingSteps.Clear();
            record.CompletingSteps.AddRange(dispatch.Items.Select(i => i.StepKey));
        }

        if (dispatch.OnApproval is { } approval) record.OnApproval = TongbanJson.Serialize(approval);
    }

    /// <summary>The step the case's approval sends (<see cref="CaseRecord.OnApproval"/>), or null.</summary>
    private static ProvinceStep? OnApproval(CaseRecord record) => record.OnApproval is { Length: > 0 } message ? TongbanJson.Deserialize<ProvinceStep>(message) : null;

    /// <summary>
    /// An officer's approval of <paramref name="review"/>, written by the decision API (workflow version 7): when the case
    /// names the step an approval sends (<see cref="CaseRecord.OnApproval"/>) and awaits this review, open, with no withdrawal
    /// recorded, the review is Succeeded, the step entered as the irreversible one, and recorded as its dispatch would (the
    /// case InProgress, the step Running from <paramref name="at"/>). True when this change did: the caller queues the step
    /// (<see cref="SendApprovedAsync"/>) once the write is stored. Otherwise nothing is changed and the workflow acts on the decision.
    /// </summary>
    internal static bool SendOnApproval(CaseRecord record, CaseStep review, string officer, DateTimeOffset at)
    {
        if (OnApproval(record) is not { } step || record.Closed || record.Status != CaseStatus.AwaitingReview || record.WithdrawalRequested
            || review.Status != StepStatus.Waiting) return false;
        Apply(record, new StepChange(review.Name, review.Subject, review.Province, StepStatus.Succeeded, at, Orchestration.CaseFlow.ApprovedBy(officer)));
        record.IrreversibleStep = step.StepName;
        RecordDispatch(record, new ProvinceStepDispatch(record.CaseId, [step], at, CaseStatus.InProgress), outcome: null, at);
        return true;
    }

    /// <summary>Whether <paramref name="officer"/>'s approval of <paramref name="review"/> sent the step (<see cref="SendOnApproval"/>): the same decision asked again.</summary>
    internal static bool SentOnApproval(CaseRecord record, CaseStep review, string officer) =>
        OnApproval(record) is { } step && record.IrreversibleStep == step.StepName && review.Status == StepStatus.Succeeded
        && review.Detail == Orchestration.CaseFlow.ApprovedBy(officer);

    /// <summary>Whether <paramref name="reviewStep"/> (none: no condition) was approved by the decision API's write (<see cref="SendOnApproval"/>).</summary>
    private static bool Decided(CaseRecord record, string? reviewStep) =>
        reviewStep is not null && record.OnApproval is not null && record.FindStep(reviewStep)?.Status == StepStatus.Succeeded;

    /// <summary>
    /// Queues the step an approval sent (<see cref="SendOnApproval"/>) while it is still running: also when the same decision is
    /// asked again, after a hub died between the write and the queueing (calling the province again is repeat-safe).
    /// </summary>
    internal Task SendApprovedAsync(CaseRecord record, CancellationToken ct) =>
        OnApproval(record) is { } step && record.FindStep(step.StepKey)?.Status == StepStatus.Running
            ? EnqueueAsync(step, record.CaseType, ct)
            : Task.CompletedTask;

    /// <summary>
    /// Keeps <paramref name="item"/>'s answer quiet (<see cref="CaseRecord.QuietSteps"/>, version 8) when it is its first round as
    /// sent (<paramref name="prior"/> Running), succeeded clear by the workflow's assessment, and leaves a step of its batch
    /// (<see cref="ProvinceStep.Together"/>) to answer: the answer that finishes the batch, or one it cannot go on with, tells it.
    /// A step whose message names steps to follow (<see cref="ProvinceStep.Then"/>, version 10's registration) is kept quiet only
    /// when its success sent them: they are who will tell it. True when this change kept it quiet.
    /// </summary>
    internal static bool KeepQuiet(CaseRecord record, ProvinceStep item, StepResult result, StepStatus? prior)
    {
        if (item.Together is not { } together || !FirstRoundAsSent(item, prior)) return false;
        if (item.Then is not null && record.SentBy != item.StepKey) return false;
        if (!Clear(record, item, result) || !LeavesToAnswer(record, item, together)) return false;
        if (!record.QuietSteps.Contains(item.StepKey)) record.QuietSteps.Add(item.StepKey);
        return true;
    }

    /// <summary>Whether this answer is its step's first round as the workflow sent it (<paramref name="prior"/>: the step's status before the answer's write).</summary>
    internal static bool FirstRoundAsSent(ProvinceStep item, StepStatus? prior) => item.Round == 1 && prior == StepStatus.Running;

    /// <summary>A success the workflow's assessment of the case lets it go on with (what a batch's step may be told as, cleared).</summary>
    internal static bool Clear(CaseRecord record, ProvinceStep item, StepResult result) =>
        result.Outcome == StepOutcome.Succeeded && !Orchestration.CaseFlow.Refuses(Orchestration.CaseFlow.Assessment(record.CaseType))(item, result);

    /// <summary>
    /// Whether a step of <paramref name="item"/>'s batch other than it is still to answer: running (or sent again), waiting on slow
    /// work or held. A step that failed has raised its own answer.
    /// </summary>
    internal static bool LeavesToAnswer(CaseRecord record, ProvinceStep item, IReadOnlyList<string> together) =>
        together.Any(key => key != item.StepKey && record.FindStep(key)?.Status.IsFinal() != true);

    /// <summary>
    /// The steps <paramref name="item"/>'s success sent (see <see cref="SendIfSucceeded"/>) that have not succeeded yet: what it
    /// sends, and sends again when its message is delivered again.
    /// </summary>
    internal static IReadOnlyList<ProvinceStep> NextToSend(CaseRecord record, ProvinceStep item) =>
        [.. (item.Then?.Items ?? []).Where(next => record.FindStep(next.StepKey)?.Status != StepStatus.Succeeded)];

    /// <summary>Queues <paramref name="next"/>, steps of a case of <paramref name="caseType"/> a success sent (<see cref="NextToSend"/>).</summary>
    internal Task SendNextAsync(string caseType, IEnumerable<ProvinceStep> next, CancellationToken ct) =>
        Task.WhenAll(next.Select(step => EnqueueAsync(step, caseType, ct)));

    /// <summary>
    /// <paramref name="next"/> handed to a handler in this process instead of its queue: its producer span as the queue's would be,
    /// and the step carrying that span's context, so that its handling continues the trace as a message's does.
    /// </summary>
    internal static ProvinceStep HandOver(ProvinceStep next, string caseType)
    {
        using var span = CaseSpans.Enqueue(next, caseType);
        return Carrying(next, span);
    }

    /// <summary><paramref name="item"/> carrying <paramref name="span"/>'s context (its producer's), when there is a span.</summary>
    private static ProvinceStep Carrying(ProvinceStep item, System.Diagnostics.Activity? span) => span is null ? item : item with { TraceParent = span.Id };

    /// <summary>
    /// What follows a status change written to the case row: its entry in the trail (the closing one signs the head), a poke
    /// for the partner's callback when it asked for them, the log line. Safe to repeat after a crash (the entry's identity, the
    /// change's number, makes a second append nothing).
    /// </summary>
    /// <param name="causes">What the trail records just before the status entry, in its transaction (the province's answers, one
    /// of which moved the case; the officer's decision).</param>
    internal async Task StatusChangedAsync(CaseRecord record, CaseStatus? before, string? traceParent, CancellationToken ct,
        IReadOnlyList<Audit.AuditFact>? causes = null)
    {
        await RecordStatusAsync(record, causes ?? [], ct);
        if (record.CallbackUrl is not null) await callbacks.PokeAsync(record.CaseId, traceParent, ct);
        if (before == record.Status) return;
        CaseStatusChanged(logger, record.CaseId, record.Status);
        if (record.Status.IsFinal()) CaseEnded(logger, record.CaseId, record.Status, record.Outcome?.Reason);
    }

    /// <summary>What a record and a dispatch write alike: the case's status, step changes and outcome, each when given.</summary>
    private static void Record(CaseRecord record, CaseStatus? status, IReadOnlyList<StepChange>? changes, CaseOutcome? outcome)
    {
        if (status is { } s) record.Status = s;
        foreach (var change in changes ?? []) Apply(record, change);
        if (outcome is not null) record.Outcome = outcome;
    }

    /// <summary>
    /// Enters <paramref name="irreversibleStep"/> (none: nothing to enter) unless the API recorded a withdrawal first; the
    /// case row's ETag makes exactly one of the two win.
    /// </summary>
    private static bool TryEnter(CaseRecord record, string? irreversibleStep)
    {
        if (irreversibleStep is null) return true;
        if (record.WithdrawalRequested) return false;
        record.IrreversibleStep = irreversibleStep;
        return true;
    }

    public async Task<bool> DispatchProvinceStepsAsync(ProvinceStepDispatch dispatch, CancellationToken ct)
    {
        using var scope = CaseLogScope.Begin(logger, dispatch.CaseId, dispatch.Items.Count == 1 ? dispatch.Items[0].StepKey : null,
            dispatch.Items.Count == 1 ? dispatch.Items[0].Province : null);
        var closed = false;
        var answered = false;
        var refused = false;
        var before = (CaseStatus?)null;
        var stored = await cases.UpdateAsync(dispatch.CaseId, record =>
        {
            // A case its steps' success completed is closed before their answers are raised: a later round of those steps (an
            // answer lost to poison after the completing write) is still sent, so that the orchestration hears it.
            closed = record.Closed && !dispatch.Items.All(i => record.CompletedBy(i.StepKey));
            before = record.Status;
            // Steps that have all succeeded since leave the row as it is: its status must not move back (say, from
            // AwaitingReview to InProgress).
            answered = dispatch.Items.All(i => record.FindStep(i.StepKey)?.Status == StepStatus.Succeeded);
            if (closed || answered) return false;
            refused = !TryEnter(record, dispatch.IrreversibleStep);
            if (refused) return false;
            RecordDispatch(record, dispatch, dispatch.Outcome, dispatch.At);
            return true;
        }, ct);
        if (refused) return false;
        // A first round already answered is this activity delivered again late after a crash: nothing to send. A later round
        // is still sent: the orchestration waits for that round's answer, and its predecessor's came after it stopped
        // waiting (a held step answering just as an operator re-drove it). Calling the province again is repeat-safe.
        if (closed || (answered && dispatch.Items.All(i => i.Round == 1)))
        {
            LateDispatchDropped(logger, dispatch.CaseId, dispatch.Items.Count);
            return true;
        }

        // The status change is the dispatch's: its callback delivery continues the steps' trace.
        if (!answered && dispatch.Status is not null) await StatusChangedAsync(stored.Record, before, dispatch.Items[0].TraceParent, ct);
        await Task.WhenAll(ProvinceStepQueue.Bundles(dispatch.Items).Select(bundle => EnqueueAsync(bundle, stored.Record.CaseType, ct)));
        return true;
    }

    /// <summary>Puts a step's message on its province's queue, carrying the context of its producer span (the step's trace).</summary>
    private Task EnqueueAsync(ProvinceStep item, string caseType, CancellationToken ct) => EnqueueAsync([item], caseType, ct);

    /// <summary>Puts steps for one province on its queue as one message (<see cref="ProvinceStepQueue.Bundles"/>), each carrying its own producer span's context.</summary>
    private async Task EnqueueAsync(IReadOnlyList<ProvinceStep> bundle, string caseType, CancellationToken ct)
    {
        var spans = bundle.Select(item => CaseSpans.Enqueue(item, caseType)).ToList();
        try
        {
            await queue.EnqueueAsync([.. bundle.Select((item, i) => Carrying(item, spans[i]))], ct);
        }
        finally
        {
            for (var i = spans.Count - 1; i >= 0; i--) spans[i]?.Dispose();
        }
    }

    /// <summary>
    /// The case's latest status change into its trail; also on a repeated run of the activity (the identity, the change's
    /// number, makes that append nothing), so a crash between the case's write and its entry loses no entry. The change that
    /// closes the case ends the trail, and its head is signed.
    /// </summary>
    private async Task RecordStatusAsync(CaseRecord record, IReadOnlyList<Audit.AuditFact> causes, CancellationToken ct)
    {
        if (record.StatusChanges == 0 && !record.Closed)
        {
            if (causes.Count > 0) await audit.AppendAllAsync(record.CaseId, causes, ct);
            return;
        }

        var status = Audit.AuditFacts.Status(record.StatusChanges, record.Status, record.Outcome?.Reason, record.Closed);
        var appended = await audit.AppendAllAsync(record.CaseId, [.. causes, status], ct, ends: record.Closed);
        // The closing entry's append signed its head; recorded before (a repeated run), the head is signed here, as it may not have been.
        if (record.Closed && appended[^1] is null) await audit.SignHeadAsync(record.CaseId, ct);
    }

    /// <summary>Marks the irreversible step as begun unless a withdrawal got there first (ETag-guarded, so exactly one wins).</summary>
    public async Task<bool> EnterIrreversibleStepAsync(IrreversibleStepRequest request, CancellationToken ct)
    {
        using var scope = CaseLogScope.Begin(logger, request.CaseId, request.StepName);
        var entered = false;
        await cases.UpdateAsync(request.CaseId, record =>
        {
            var already = record.IrreversibleStep == request.StepName;
            entered = TryEnter(record, request.StepName);
            return entered && !already;
        }, ct);
        return entered;
    }

    /// <summary>
    /// Which of <paramref name="query"/>'s steps succeeded clear without a word (<see cref="CaseRecord.QuietSteps"/>): a batch told
    /// together whose time-out came first (version 8) learns them, and sends only the others again. One read.
    /// </summary>
    public async Task<IReadOnlyList<string>> QuietStepsAsync(QuietStepsQuery query, CancellationToken ct)
    {
        var stored = await cases.GetAsync(query.CaseId, ct);
        return stored is null ? [] : [.. query.StepKeys.Where(stored.Record.QuietSteps.Contains)];
    }

    internal static void Apply(CaseRecord record, StepChange change)
    {
        var step = record.Step(change.Name, change.Subject, change.Province);
        // A late, repeated dispatch must not move a succeeded step backwards; a failed one may be re-driven.
        if (step.Status == StepStatus.Succeeded && change.Status == StepStatus.Running && change.NeedsAttention is null) return;
        step.Status = change.Status;
        step.StartedAt ??= change.At;
        if (change.Status.IsFinal()) step.CompletedAt = change.At;
        else step.CompletedAt = null;
        if (change.Detail is not null) step.Detail = change.Detail;
        if (change.NeedsAttention is { } attention) step.NeedsAttention = attention;
        if (change.Attempts is { } attempts) step.Attempts = attempts;
        // A new round (Running) is no longer held; a held step says so itself.
        if (change.AwaitingRedrive is { } held) step.AwaitingRedrive = held;
        else if (change.Status == StepStatus.Running) step.AwaitingRedrive = false;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Case {CaseId} is {Status}")]
    private static partial void CaseStatusChanged(ILogger logger, string caseId, Cases.CaseStatus status);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Case {CaseId} ended {Status} ({Reason})")]
    private static partial void CaseEnded(ILogger logger, string caseId, Cases.CaseStatus status, string? reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Case {CaseId}: a late dispatch of {Count} step(s) dropped (the case closed or the steps succeeded)")]
    private static partial void LateDispatchDropped(ILogger logger, string caseId, int count);
}

public sealed class RecordCaseProgressActivity(CaseActivities activities) : TaskActivity<CaseProgress, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, CaseProgress input) => activities.RecordCaseProgressAsync(input, CancellationToken.None);
}

public sealed class DispatchProvinceStepsActivity(CaseActivities activities) : TaskActivity<ProvinceStepDispatch, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, ProvinceStepDispatch input) => activities.DispatchProvinceStepsAsync(input, CancellationToken.None);
}

public sealed class QuietStepsActivity(CaseActivities activities) : TaskActivity<QuietStepsQuery, IReadOnlyList<string>>
{
    public override Task<IReadOnlyList<string>> RunAsync(TaskActivityContext context, QuietStepsQuery input) => activities.QuietStepsAsync(input, CancellationToken.None);
}

public sealed class EnterIrreversibleStepActivity(CaseActivities activities) : TaskActivity<IrreversibleStepRequest, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, IrreversibleStepRequest input) => activities.EnterIrreversibleStepAsync(input, CancellationToken.None);
}
