using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tongban.Cases;
using Tongban.Cases.Deadlines;
using Tongban.Configuration;
using Tongban.Provinces;
using Tongban.Provinces.Resilience;
using Tongban.Storage;
using Tongban.Telemetry;
using Tongban.Workflows.Activities;

namespace Tongban.Workflows.Dispatch;

/// <summary>
/// The queue-triggered dispatcher, shared by both hosts: call the province, record the step, raise the
/// result to the orchestration. A transient fault throws, so the queue retries and finally poisons;
/// the poison path records the step as failed and tells the orchestration. Slow work records its
/// ticket and leaves the step Waiting; the poller or the province's callback completes it.
/// </summary>
public sealed partial class ProvinceStepHandler(
    CaseStore cases, TicketStore tickets, TableServiceClient tables, ProvinceStepInvoker invoker, ProvinceStepQueue queue, ProvinceHealthStore health, DurableTaskClient durable, TimeProvider time,
    IOptions<TongbanOptions> options, ILogger<ProvinceStepHandler> logger, CitizenIndex citizens, Audit.AuditTrail audit, CaseActivities activities,
    Telemetry.TongbanMetrics? metrics = null) : IQueueMessageHandler
{
    /// <summary>How long a step's answer waits for an orchestration that has not started (the engine redelivers a start within its queue visibility).</summary>
    public static readonly TimeSpan NotStartedDelay = TimeSpan.FromSeconds(5);

    private const int StartedMemory = 10_000;

    /// <summary>Cases whose orchestration this process has seen started (see <see cref="HasStartedAsync"/>).</summary>
    private readonly ConcurrentDictionary<string, byte> started = new(StringComparer.Ordinal);

    /// <summary>The questions <see cref="HasStartedAsync"/> has in flight, by case.</summary>
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> asking = new(StringComparer.Ordinal);

    public async Task HandleAsync(string message, long dequeueCount, CancellationToken ct)
    {
        var items = ProvinceStepQueue.Read(message);
        // A bundle (a party's checks at one province, ProvinceStepQueue.Bundles): the case read once, its steps called side by
        // side, their answers written in one write of the case and one transaction of the trail, each told as its own message's
        // would be. A step that throws puts the whole message back: its siblings are read-only queries, asked again harmlessly,
        // and their answers, written already, are not written again.
        if (items.Count == 1)
        {
            await HandleStepAsync(items[0], null, ct);
            return;
        }

        var bundle = new Bundle(items, await ReadForAsync(items, ct), (answers, read) => WriteAsync(answers, read, ct));
        await Task.WhenAll(items.Select(item => HandleStepAsync(item, bundle, ct)));
    }

    /// <summary>
    /// The case as <paramref name="items"/>' calls need it. A query, or a call nothing withholds once sent
    /// (<see cref="CanonicalOperations.NeverWithheld"/>), takes what this process last wrote of the case when it has and that carries
    /// what the call needs (its dispatch, or the success that sent it, as a rule): asking a province again, or for a case another
    /// host has just closed, changes nothing there, and the write of the answer refuses a closed case (a stale row costs that write
    /// a refusal and a read). Otherwise the row is read.
    /// </summary>
    private async Task<StoredCase?> ReadForAsync(IReadOnlyList<ProvinceStep> items, CancellationToken ct)
    {
        var caseId = items[0].CaseId;
        var last = items.All(i => CanonicalOperations.NeverWithheld(i.Operation)) ? cases.LastWritten(caseId) : null;
        return (last is not null && items.All(i => ProvinceStepInvoker.Carries(last, i)) ? last : null) ?? await cases.GetAsync(caseId, ct);
    }

    private async Task HandleStepAsync(ProvinceStep item, Bundle? bundle, CancellationToken ct)
    {
        try
        {
            await HandleOneAsync(item, bundle, ct);
        }
        finally
        {
            // A step that wrote no answer (skipped, parked, failed to be called) lets its siblings' answers be written without it.
            bundle?.Leave(item);
        }
    }

    /// <summary>Calls the province for <paramref name="item"/> and completes it: the case as its bundle read it, else read for it.</summary>
    private async Task HandleOneAsync(ProvinceStep item, Bundle? bundle, CancellationToken ct)
    {
        using var scope = CaseLogScope.Begin(logger, item);
        using var span = CaseSpans.Handle(item);
        var stored = bundle is null ? await ReadForAsync([item], ct) : bundle.Case;
        // A case this very step completed is closed before its answer is raised: a crash between the two leaves the message
        // to be delivered again, and its answer must still reach the orchestration.
        if (stored is null || (stored.Record.Closed && !stored.Record.CompletedBy(item.StepKey)))
        {
            span.WithOutcome("skipped");
            StepSkippedCaseGone(logger, item.CaseId, item.StepKey);
            return;
        }

        span?.SetTag(TongbanTelemetry.CaseType, stored.Record.CaseType);

        if (stored.Record.FindStep(item.StepKey)?.Status is StepStatus.Compensated)
        {
            // A repeated or moved-back message for work already undone: calling again would redo it.
            // (A succeeded step is called again: the province's key makes that harmless, and its answer must reach the
            // orchestration, which a crash between recording the step and raising the event would otherwise lose.)
            span.WithOutcome("skipped");
            StepSkippedCompensated(logger, item.CaseId, item.StepKey);
            return;
        }

        if (stored.Record.WithdrawalRequested && item.Operation == CanonicalOperations.StudentEnroll)
        {
            // Withdrawn while enrolment was being retried: the workflow stops the retries and cancels the transfer-out. An
            // enrolment made now could not be undone.
            span.WithOutcome("skipped");
            StepSkippedWithdrawn(logger, item.CaseId, item.StepKey);
            return;
        }

        StepResult result;
        // The province's time, for the hub's share of the case's (a call that failed is retried as the hub's time).
        var callFrom = time.GetUtcNow();
        try
        {
            result = await invoker.InvokeAsync(stored, item, ct);
        }
        catch (ProvinceParkedException parked)
        {
            // Nothing was sent (circuit open or over the rate): not an attempt. Put the step back for when the
            // province may take it, instead of burning the message's deliveries towards poison.
            // Queue visibility counts whole seconds: round up, at least one.
            var delay = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(parked.RetryAfter.TotalSeconds)));
            span.WithOutcome("parked");
            StepParked(logger, item.CaseId, item.StepKey, delay, parked.Message);
            await queue.EnqueueAsync(item, ct, delay);
            return;
        }
        catch (ProvinceTransientException)
        {
            span.WithOutcome("transient", error: true);
            await health.RecordCallAsync(item.Province, answered: false, ct);
            await CountUnansweredCallAsync(item, ct);
            throw;
        }

        var call = new CaseWait(item.StepKey, item.Province, callFrom, time.GetUtcNow());
        await health.RecordCallAsync(item.Province, answered: true, ct);
        var answered = Audit.AuditFacts.ProvinceCall(item, result);

        span.WithOutcome(result.Outcome.ToString(), error: result.Outcome == StepOutcome.Failed);
        StepAnswered(logger, item.CaseId, item.StepKey, item.Province, result.Outcome);
        if (result.Outcome == StepOutcome.Waiting)
        {
            await audit.AppendAsync(item.CaseId, answered, ct);
            var ticket = (result.Data as SlowWorkAccepted)?.Ticket ?? throw new InvalidOperationException("Slow work accepted without a ticket.");
            await WaitForSlowWorkAsync(item, ticket, callFrom, ct, read: stored);
            return;
        }

        // A success that sends steps to this same province has them handled here once it is told (HandleHereAsync).
        var here = bundle is null && item.Then is not null ? new List<ProvinceStep>() : null;
        if (!await CompleteAsync(item, result, calls: 1, answered, ct, call, read: stored, bundle, here)) await WaitForOrchestrationAsync(item, ct);
        if (here is { Count: > 0 }) await HandleHereAsync(here, stored.Record.CaseType, ct);
    }

    /// <summary>
    /// Steps a success sent to the province that has just answered (a marriage's registration, the marital update of the party
    /// registered there), handled here and now, each on the row that success wrote, instead of through the province's queue: one
    /// message put, read and deleted fewer. One whose handling throws (the province did not answer) goes on the queue as it would
    /// have, and the queue's retries take it from there; a hub that dies before leaves the message that sent it to be delivered
    /// again, and what has not succeeded is sent again then.
    /// </summary>
    private async Task HandleHereAsync(IReadOnlyList<ProvinceStep> here, string caseType, CancellationToken ct)
    {
        foreach (var next in here)
        {
            try
            {
                await HandleOneAsync(CaseActivities.HandOver(next, caseType), null, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                StepHandledHereFailed(logger, next.CaseId, next.StepKey, e.GetType().Name);
                await activities.SendNextAsync(caseType, [next], ct);
            }
        }
    }

    /// <summary>
    /// A call the province did not answer is one of the step's attempts, counted as it is made. The message's delivery count
    /// cannot tell: a delivery parked meanwhile (an open circuit) goes back on the queue as a new message, counting from one.
    /// </summary>
    private async Task CountUnansweredCallAsync(ProvinceStep item, CancellationToken ct)
    {
        try
        {
            await cases.UpdateAsync(item.CaseId, record =>
            {
                record.Step(item.StepName, item.Subject, item.Province).Attempts++;
                return true;
            }, ct);
        }
        catch (CaseNotFoundException)
        {
            // The case is gone: nothing to count on.
        }
    }

    public async Task HandlePoisonAsync(string message, CancellationToken ct)
    {
        var items = ProvinceStepQueue.Read(message);
        if (items.Count == 1)
        {
            await GiveUpAsync(items[0], ct);
            return;
        }

        // A bundle given up on: its steps whose answer was written (a sibling kept failing) keep it; the rest are given up on
        // as each step's own message would be (a failure tells the batch's quiet successes alongside).
        var stored = await cases.GetAsync(items[0].CaseId, ct);
        foreach (var item in items.Where(i => stored?.Record.FindStep(i.StepKey)?.Status is not StepStatus.Succeeded)) await GiveUpAsync(item, ct);
    }

    private async Task GiveUpAsync(ProvinceStep item, CancellationToken ct)
    {
        using var scope = CaseLogScope.Begin(logger, item);
        using var span = CaseSpans.Handle(item, "province.step.poison");
        span.WithOutcome(nameof(StepOutcome.Failed), error: true);
        StepRetriesExhausted(logger, item.CaseId, item.StepKey, item.Province);
        var result = new StepResult(StepOutcome.Failed, $"{item.Province} kept failing; queue retries exhausted", Transient: true);
        // Each delivery's call was counted as it was made.
        if (!await CompleteAsync(item, result, calls: 0, Audit.AuditFacts.ProvinceCallGaveUp(item), ct)) await WaitForOrchestrationAsync(item, ct);
    }

    /// <summary>Slow work has ended (a poll or a callback): complete the step it belongs to.</summary>
    public async Task CompleteSlowWorkAsync(ProvinceStep item, SlowWorkResult result, CancellationToken ct)
    {
        using var scope = CaseLogScope.Begin(logger, item);
        SlowWorkEnded(logger, item.CaseId, item.StepKey, item.Province, result.State);
        // The case's people's names come out of the province's reason here, where the case is read.
        var childId = CitizenIndex.IssuedChildId(result);
        var stored = result.Reason is null && childId is null && result.IdNumberLookup is null ? null : await cases.GetAsync(item.CaseId, ct);
        // The newborn's new ID number finds the case too, indexed before the step completes (a repeated result indexes it again,
        // harmlessly); a result kept from an early callback has only the number's keyed hash.
        if (stored?.Record.CaseType == CaseTypeNames.Newborn)
        {
            if (childId is not null) await citizens.IndexChildAsync(stored.Record, childId, ct);
            else if (result.IdNumberLookup is { } lookup) await citizens.IndexChildByHashAsync(stored.Record, lookup, ct);
        }

        if (!await CompleteAsync(item, ProvinceStepInvoker.FromSlowWork(item.Operation, result, stored?.Command), calls: 0, Audit.AuditFacts.SlowWork(item, result), ct))
        {
            // The poller polls the ticket again, the province sends its callback again (it got no 204).
            throw new OrchestrationNotStartedException(item.CaseId);
        }
    }

    private async Task WaitForSlowWorkAsync(ProvinceStep item, string ticket, DateTimeOffset callFrom, CancellationToken ct, StoredCase? read = null)
    {
        var succeeded = false;
        await cases.UpdateAsync(item.CaseId, read, record =>
        {
            var step = record.Step(item.StepName, item.Subject, item.Province);
            succeeded = step.Status == StepStatus.Succeeded;
            if (step.Status.IsFinal()) return false;
            CaseActivities.Apply(record, new StepChange(item.StepName, item.Subject, item.Province, StepStatus.Waiting, time.GetUtcNow(),
                $"waiting on {item.Province} (ticket {ticket})", Attempts: step.Attempts + 1));
            // The province's from the call until the slow work's result (a repeated message leaves the open wait as it is).
            if (!record.Waits.Any(w => w.Step == item.StepKey && w.To is null)) record.Waits.Add(new CaseWait(item.StepKey, item.Province, callFrom, null));
            return true;
        }, ct);

        if (succeeded && await tickets.GetAsync(item.Province, ticket, ct) is null)
        {
            // A repeated message for work already done and handed over: its ticket row was deleted when the step was settled,
            // and recording it again would leave a row no callback comes for. (While the row is still there, the result has
            // not been handed over for sure: it is taken from the row below and raised again.)
            TicketNotRecordedAgain(logger, item.CaseId, item.StepKey);
            return;
        }

        // A result that came before the ticket was recorded (an early callback) completes the step now.
        // The ticket row carries this span's context: the poll or callback that ends the work continues the step's trace.
        var early = await tickets.RegisterAsync(item.Province, ticket, item with { TraceParent = TongbanTelemetry.CurrentTraceParent ?? item.TraceParent }, ct);
        if (early is not null && early.State != SlowWorkState.Processing)
        {
            await CompleteSlowWorkAsync(item, early, ct);
            await tickets.SettleAsync(item.Province, ticket, ct);
        }
    }

    /// <summary>
    /// Whether the case's orchestration has saved its start. Once it has, it stays so: this process remembers it (one read
    /// per case, not per step), forgetting all at <see cref="StartedMemory"/> cases.
    /// </summary>
    private async Task<bool> HasStartedAsync(string caseId, CancellationToken ct)
    {
        if (started.ContainsKey(caseId)) return true;
        // A case's steps answering together (its parallel checks) share one question: the answer does not change between them.
        var asked = asking.GetOrAdd(caseId, id => new Lazy<Task<bool>>(() => AskStartedAsync(id)));
        try
        {
            return await asked.Value.WaitAsync(ct);
        }
        finally
        {
            asking.TryRemove(new KeyValuePair<string, Lazy<Task<bool>>>(caseId, asked));
        }
    }

    /// <summary>The question <see cref="HasStartedAsync"/> asks the engine, once for every step of the case waiting on it.</summary>
    private async Task<bool> AskStartedAsync(string caseId)
    {
        var ct = CancellationToken.None;
        var instance = await durable.GetInstanceAsync(caseId, getInputsAndOutputs: false, ct);
        if (instance is null) return false;
        // Pending: not started, or started by a hub that died between saving the start to the history and to the instance
        // row, which then says Pending until the orchestration ends (DTFx Azure Storage sets Running only in the episode
        // that saves the start). Only the history tells, and the client API does not read it: its table does.
        if (instance.RuntimeStatus == OrchestrationRuntimeStatus.Pending && !await HistoryHasStartAsync(caseId, ct)) return false;
        if (started.Count >= StartedMemory) started.Clear();
        started.TryAdd(caseId, 0);
        return true;
    }

    /// <summary>Whether the engine's history table (<c>{TaskHub}History</c>, partition = instance) holds the instance's start.</summary>
    private async Task<bool> HistoryHasStartAsync(string instanceId, CancellationToken ct)
    {
        var history = tables.GetTableClient(options.Value.TaskHub + "History");
        try
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {instanceId} and EventType eq {"ExecutionStarted"}");
            await foreach (var _ in history.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: ct)) return true;
            return false;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false; // no history table yet: nothing has started
        }
    }

    /// <summary>
    /// The step's message goes back on the queue for a few seconds, without counting as a delivery: its answer waits until
    /// the orchestration has started. (Calling the province again is harmless: every call is repeat-safe.)
    /// </summary>
    private async Task WaitForOrchestrationAsync(ProvinceStep item, CancellationToken ct)
    {
        OrchestrationNotStarted(logger, item.CaseId, item.StepKey, NotStartedDelay);
        await queue.EnqueueAsync(item, ct, NotStartedDelay);
    }

    /// <summary>
    /// Records the step and raises its result; false, with nothing raised, when the orchestration has not started. The engine
    /// (DTFx Azure Storage) discards an event for an instance with no history yet ("No such instance"): a hub killed after
    /// an orchestration's first activity ran, but before the engine saved that first step, leaves its start message hidden
    /// until the queue's visibility timeout, and the steps' answers raised meanwhile would be lost.
    /// </summary>
    /// <param name="calls">The calls to the province this completion counts: the one that answered, or none (counted when made).</param>
    /// <param name="answered">The trail's entry for the answer (the call, the queue giving up, the slow work's result): appended after
    /// the write, with the status entry of a case this answer moved or completed in one transaction. A crash before it leaves the
    /// message to be delivered again, which appends it then.</param>
    private async Task<bool> CompleteAsync(ProvinceStep item, StepResult result, int calls, Audit.AuditFact answered, CancellationToken ct, CaseWait? call = null,
        StoredCase? read = null, Bundle? bundle = null, List<ProvinceStep>? here = null)
    {
        var answer = new Answer(item, result, calls, answered, call);
        var (written, hasStarted) = bundle is null ? await WriteAsync([answer], read, ct, here) : await bundle.JoinAsync(answer);
        // The case is gone: its province was asked all the same.
        if (written is null) return true;
        if (!hasStarted) return false;
        var moved = written.Record.MovedBy(item.StepKey);
        var sent = item.Then is not null && written.Record.SentBy == item.StepKey;
        using (CaseSpans.RaiseResult(item, result))
        {
            var told = result with { MovedCase = moved, SentNext = sent };
            if (item.Together is { } together)
            {
                await TellTogetherAsync(item, together, told, written.Record, wrote: answer.Took is not null, answer.Prior, ct);
            }
            else
            {
                await durable.RaiseEventAsync(item.CaseId, CaseEvents.StepResult(item.StepKey, item.Round), told, ct);
            }
        }

        return true;
    }

    /// <summary>An answer to write: the step, what the province said, and what its write found and did (set by the write).</summary>
    private sealed class Answer(ProvinceStep item, StepResult result, int calls, Audit.AuditFact fact, CaseWait? call)
    {
        public ProvinceStep Item => item;
        public StepResult Result => result;
        public int Calls => calls;
        public Audit.AuditFact Fact => fact;
        public CaseWait? Call => call;

        /// <summary>How long the step took, when this write recorded its answer; null when it found the answer recorded before.</summary>
        public TimeSpan? Took { get; set; }

        /// <summary>The case's status before this answer's change.</summary>
        public CaseStatus? Before { get; set; }

        /// <summary>The step's status before this answer's change.</summary>
        public StepStatus? Prior { get; set; }
    }

    /// <summary>The case as the answers' write left it (null: the case is gone), and whether its orchestration had started.</summary>
    private readonly record struct Written(StoredCase? Case, bool HasStarted);

    /// <summary>
    /// Writes <paramref name="answers"/> (one step's, or a bundle's in its order) to the case in one write, each changed as its own
    /// write would change it after the one before; then queues what a success sent, and enters the answers in the trail in one
    /// transaction, with the status entry of a case one of them moved or completed.
    /// </summary>
    /// <param name="here">When given, the steps a success sent to its own province are added to it instead of queued: the caller
    /// handles them (<see cref="HandleHereAsync"/>).</param>
    private async Task<Written> WriteAsync(IReadOnlyList<Answer> answers, StoredCase? read, CancellationToken ct, List<ProvinceStep>? here = null)
    {
        var caseId = answers[0].Item.CaseId;
        // The case moves on by itself (to review, or to the steps after this one) only once its orchestration has saved its
        // start: a case shown awaiting review before that would take a decision whose event the engine discards ("No such
        // instance", a hub killed before the start was saved). Not started, the answer is written as it is, and the workflow
        // makes the move itself when the answer is raised again.
        var hasStarted = await HasStartedAsync(caseId, ct);
        StoredCase stored;
        try
        {
            // The row the handler read before the call is tried first: one read fewer per step when no other step wrote meanwhile.
            stored = await cases.UpdateAsync(caseId, read, record =>
            {
                var changed = false;
                foreach (var answer in answers) changed |= Apply(record, answer, hasStarted);
                return changed;
            }, ct);
        }
        catch (CaseNotFoundException)
        {
            await audit.AppendAllAsync(caseId, [.. answers.Select(a => a.Fact)], ct);
            return new Written(null, hasStarted);
        }

        var record = stored.Record;
        foreach (var answer in answers)
        {
            if (answer.Took is { } duration) metrics?.StepAnswered(answer.Item.Province, answer.Item.Operation, Telemetry.MetricWords.Of(answer.Result.Outcome), duration);
            // Also when delivered again (the hub died between the write and the queueing): what has not succeeded is sent again.
            if (answer.Item.Then is null || record.SentBy != answer.Item.StepKey) continue;
            var next = CaseActivities.NextToSend(record, answer.Item);
            var local = here is null ? [] : next.Where(n => n.Province == answer.Item.Province).ToList();
            here?.AddRange(local);
            await activities.SendNextAsync(record.CaseType, next.Except(local), ct);
        }

        // Also when delivered again: the trail's entries are appended once (the head signed when an answer closes the case).
        var mover = answers.FirstOrDefault(a => record.CompletedBy(a.Item.StepKey) || (record.MovedBy(a.Item.StepKey) && record.Status == record.Move!.Status));
        if (mover is not null)
        {
            await activities.StatusChangedAsync(record, mover.Before, mover.Item.TraceParent, ct, causes: [.. answers.Select(a => a.Fact)]);
        }
        else
        {
            await audit.AppendAllAsync(caseId, [.. answers.Select(a => a.Fact)], ct);
        }

        return new Written(stored, hasStarted);
    }

    /// <summary>One answer's change to the case row (see <see cref="WriteAsync"/>); false when it changes nothing.</summary>
    private bool Apply(CaseRecord record, Answer answer, bool hasStarted)
    {
        var item = answer.Item;
        var result = answer.Result;
        var step = record.Step(item.StepName, item.Subject, item.Province);
        answer.Took = null;
        answer.Before = record.Status;
        answer.Prior = step.Status;
        // A closed case is final (one this very step completed is the exception: its answer is still handed over).
        if (step.Status == StepStatus.Succeeded || (record.Closed && !record.CompletedBy(item.StepKey))) return false;
        var at = time.GetUtcNow();
        answer.Took = step.StartedAt is { } started ? at - started : TimeSpan.Zero;
        var status = result.Outcome == StepOutcome.Succeeded ? StepStatus.Succeeded : StepStatus.Failed;
        CaseActivities.Apply(record, new StepChange(item.StepName, item.Subject, item.Province, status, at,
            result.Reason, Attempts: step.Attempts + answer.Calls));
        // Slow work ends: its open wait closes now. A call answered now is the province's time too.
        var open = record.Waits.FindIndex(w => w.Step == item.StepKey && w.To is null);
        if (open >= 0) record.Waits[open] = record.Waits[open] with { To = at };
        if (answer.Call is not null) record.Waits.Add(answer.Call);
        // The last success of the workflow's last batch completes the case in this same write; the last clear answer
        // of a batch the workflow asked it of moves the case on (to review).
        // The success of a step whose message names the steps after it sends them in this same write.
        if (!CaseActivities.CompleteIfLastStep(record, at) && hasStarted && !CaseActivities.MoveIfCleared(record, item, result, at))
        {
            CaseActivities.SendIfSucceeded(record, item, result, at);
        }

        // A first-round clear success that leaves a step of its batch to answer raises nothing (version 8).
        if (hasStarted) CaseActivities.KeepQuiet(record, item, result, answer.Prior);
        return true;
    }

    /// <summary>
    /// A bundle's steps (<see cref="ProvinceStepQueue.Bundles"/>) handled side by side: the case as read once for them all, and their
    /// answers written together once every step has answered or dropped out (skipped, parked, its call failed).
    /// </summary>
    private sealed class Bundle(IReadOnlyList<ProvinceStep> items, StoredCase? read, Func<IReadOnlyList<Answer>, StoredCase?, Task<Written>> write)
    {
        private readonly Lock gate = new();
        private readonly List<Answer> answers = [];
        private readonly HashSet<string> open = [.. items.Select(i => i.StepKey)];
        private readonly TaskCompletionSource<Written> written = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Each step's place in the bundle (its first, should a message name a step twice): the order answers are written in.</summary>
        private readonly Dictionary<string, int> places = items.Select((item, place) => KeyValuePair.Create(item.StepKey, place)).DistinctBy(p => p.Key).ToDictionary();

        public StoredCase? Case => read;

        /// <summary>Adds a step's answer; the write comes once every step has answered or dropped out.</summary>
        public Task<Written> JoinAsync(Answer answer)
        {
            bool last;
            lock (gate)
            {
                answers.Add(answer);
                open.Remove(answer.Item.StepKey);
                last = open.Count == 0;
            }

            if (last) _ = WriteAsync();
            return written.Task;
        }

        /// <summary>A step that has not answered drops out (nothing to write); a step that has answered is unaffected.</summary>
        public void Leave(ProvinceStep item)
        {
            bool last;
            lock (gate)
            {
                last = open.Remove(item.StepKey) && open.Count == 0 && answers.Count > 0;
            }

            if (last) _ = WriteAsync();
        }

        private async Task WriteAsync()
        {
            try
            {
                // In the bundle's order, as its messages' writes would have come one after another.
                written.SetResult(await write([.. answers.OrderBy(a => places[a.Item.StepKey])], read));
            }
            catch (Exception e)
            {
                written.SetException(e);
            }
        }
    }

    /// <summary>
    /// Tells the workflow the answer of a step told with its batch (<see cref="ProvinceStep.Together"/>, version 8). This write kept
    /// it quiet (<see cref="CaseRecord.QuietSteps"/>): nothing, the batch's event tells it. A clear answer that leaves no step of the
    /// batch to answer: one event for this answer and the batch's quiet ones (<see cref="StepResult.Cleared"/>; every other step
    /// raised its own), and this answer's own too when the step was not in its first round as sent (a later round, a held step, a
    /// message delivered again), whose wait may be its own. Anything else: its own event, and for an answer the batch cannot go
    /// on with (a refusal, a failure), the batch's quiet ones told alongside, so that the workflow hears every step out as before.
    /// </summary>
    private async Task TellTogetherAsync(ProvinceStep item, IReadOnlyList<string> together, StepResult answer, CaseRecord record, bool wrote,
        StepStatus? prior, CancellationToken ct)
    {
        if (wrote && record.QuietSteps.Contains(item.StepKey)) return;
        var clear = CaseActivities.Clear(record, item, answer);
        // The batch's quiet ones, told cleared.
        var told = together.Where(key => key != item.StepKey && record.QuietSteps.Contains(key))
            .ToDictionary(key => key, _ => new StepResult(StepOutcome.Succeeded) { Cleared = true });
        if (clear && !CaseActivities.LeavesToAnswer(record, item, together))
        {
            told[item.StepKey] = answer;
            await durable.RaiseEventAsync(item.CaseId, CaseEvents.Batch(together), new BatchAnswers(told), ct);
            if (!(wrote && CaseActivities.FirstRoundAsSent(item, prior))) await durable.RaiseEventAsync(item.CaseId, CaseEvents.StepResult(item.StepKey, item.Round), answer, ct);
            return;
        }

        await durable.RaiseEventAsync(item.CaseId, CaseEvents.StepResult(item.StepKey, item.Round), answer, ct);
        if (!clear && told.Count > 0) await durable.RaiseEventAsync(item.CaseId, CaseEvents.Batch(together), new BatchAnswers(told), ct);
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "Case {CaseId} step {Step} skipped: the case is gone or ended")]
    private static partial void StepSkippedCaseGone(ILogger logger, string caseId, string step);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "Case {CaseId} step {Step} skipped: already compensated")]
    private static partial void StepSkippedCompensated(ILogger logger, string caseId, string step);

    [LoggerMessage(EventId = 2028, Level = LogLevel.Information, Message = "Case {CaseId} step {Step} skipped: the case is being withdrawn")]
    private static partial void StepSkippedWithdrawn(ILogger logger, string caseId, string step);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Information, Message = "Case {CaseId} step {Step} parked for {Delay}: {Reason}")]
    private static partial void StepParked(ILogger logger, string caseId, string step, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Information, Message = "Case {CaseId} step {Step} at {Province}: {Outcome}")]
    private static partial void StepAnswered(ILogger logger, string caseId, string step, string province, StepOutcome outcome);

    [LoggerMessage(EventId = 2024, Level = LogLevel.Warning, Message = "Case {CaseId} step {Step} at {Province}: retries exhausted")]
    private static partial void StepRetriesExhausted(ILogger logger, string caseId, string step, string province);

    [LoggerMessage(EventId = 2025, Level = LogLevel.Information, Message = "Case {CaseId} step {Step} at {Province}: slow work {State}")]
    private static partial void SlowWorkEnded(ILogger logger, string caseId, string step, string province, Provinces.SlowWorkState state);

    [LoggerMessage(EventId = 2026, Level = LogLevel.Information, Message = "Case {CaseId} step {Step}: already succeeded and settled; ticket not recorded again")]
    private static partial void TicketNotRecordedAgain(ILogger logger, string caseId, string step);

    [LoggerMessage(EventId = 2027, Level = LogLevel.Warning, Message = "Case {CaseId} step {Step}: the orchestration has not started yet; the answer waits {Delay}")]
    private static partial void OrchestrationNotStarted(ILogger logger, string caseId, string step, TimeSpan delay);

    [LoggerMessage(EventId = 2029, Level = LogLevel.Warning, Message = "Case {CaseId} step {Step}: handling it here failed ({Error}); it goes on its queue")]
    private static partial void StepHandledHereFailed(ILogger logger, string caseId, string step, string error);
}

/// <summary>A step's answer came before its orchestration started: try again later.</summary>
public sealed class OrchestrationNotStartedException(string caseId)
    : Exception($"The orchestration of case {caseId} has not started yet; its step's answer waits.");
