using System.Net;
using System.Net.Sockets;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tongban.Cases;
using Tongban.Workflows;
using Tongban.Workflows.Orchestration;
using Ops = Tongban.Provinces.CanonicalOperations;

namespace Tongban.Tests.Workflows;

/// <summary>
/// One in-process Durable Task host per test class: the real case orchestrators, fake activities
/// under the registry's names. Tests tell their cases apart by case ID (= instance ID).
/// </summary>
public sealed class WorkflowTestHost : IAsyncLifetime
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private DurableTaskTestHost? host;

    /// <summary>The recording fakes run in place of the registry's activities, by activity name.</summary>
    private static readonly Dictionary<string, Type> Fakes = new()
    {
        [WorkflowNames.Activities.RecordCaseProgress] = typeof(FakeRecordCaseProgress),
        [WorkflowNames.Activities.DispatchProvinceSteps] = typeof(FakeDispatchProvinceSteps),
        [WorkflowNames.Activities.EnterIrreversibleStep] = typeof(FakeEnterIrreversibleStep),
        [WorkflowNames.Activities.QuietSteps] = typeof(FakeQuietSteps),
    };

    public FakeProvinces Provinces { get; } = new();

    public FakeCaseRecorder Recorder { get; } = new();

    public DurableTaskClient Client => (host ?? throw new InvalidOperationException("Host not started.")).Client;

    public async Task InitializeAsync()
    {
        // The sidecar's own random port choice collides; take one the OS says is free.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        host = await DurableTaskTestHost.StartAsync(
            registry =>
            {
                OrchestratorRegistry.Register(registry, activity => Fakes[activity.Name]);
            },
            new DurableTaskTestHostOptions
            {
                Port = port,
                LoggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)),
                ConfigureServices = services =>
                {
                    services.AddSingleton(Provinces);
                    services.AddSingleton(Recorder);
                },
            });
    }

    public async Task DisposeAsync()
    {
        if (host is not null) await host.DisposeAsync();
    }

    /// <summary>A marriage case: partyA from Zhejiang, partyB from Shanghai, registering in Shanghai.</summary>
    public static CaseWorkflowInput Marriage(string caseId, TimeSpan? reviewWindow = null, StepPolicy? policy = null) => new(
        caseId, CaseTypeNames.Marriage, Shanghai, [new CaseParty("partyA", Zhejiang), new CaseParty("partyB", Shanghai)],
        reviewWindow ?? TimeSpan.FromHours(1), policy ?? Policy) { Version = WorkflowVersions.Current };

    /// <summary>A newborn case: born in Zhejiang, registered at the parent's hukou province Shanghai.</summary>
    public static CaseWorkflowInput Newborn(string caseId, StepPolicy? policy = null) => new(
        caseId, CaseTypeNames.Newborn, Shanghai,
        [new CaseParty(NewbornRegistrationOrchestrator.BirthRole, Zhejiang), new CaseParty(NewbornRegistrationOrchestrator.ParentRole, Shanghai)],
        TimeSpan.FromHours(1), policy ?? Policy) { Version = WorkflowVersions.Current };

    /// <summary>A school transfer from a Zhejiang school to a Shanghai school (the handling province).</summary>
    public static CaseWorkflowInput SchoolTransfer(string caseId, StepPolicy? policy = null) => new(
        caseId, CaseTypeNames.SchoolTransfer, Shanghai, [new CaseParty(SchoolTransferOrchestrator.SourceRole, Zhejiang)],
        TimeSpan.FromHours(1), policy ?? Policy) { Version = WorkflowVersions.Current };

    public const string Zhejiang = "330000";
    public const string Shanghai = "310000";

    public static StepPolicy Policy { get; } = new(
        StepTimeout: TimeSpan.FromSeconds(5), RetryDelay: TimeSpan.FromMilliseconds(100), MaxRetryDelay: TimeSpan.FromMilliseconds(200),
        MaxRounds: 3, AttentionAfterRounds: 2)
    {
        SlowStepTimeout = TimeSpan.FromSeconds(10),
    };

    public static string NewCaseId(string what) => $"mr-{what}-{Guid.NewGuid():N}";

    public async Task<string> StartAsync(CaseWorkflowInput input)
    {
        await Client.ScheduleNewOrchestrationInstanceAsync(WorkflowNames.OrchestratorFor(input.CaseType), input,
            new StartOrchestrationOptions(input.CaseId));
        return input.CaseId;
    }

    /// <summary>Waits for the orchestration to finish and returns its CaseStatus.</summary>
    public async Task<CaseStatus> FinishedAsync(string caseId)
    {
        using var cts = new CancellationTokenSource(WaitLimit);
        var metadata = await Client.WaitForInstanceCompletionAsync(caseId, getInputsAndOutputs: true, cts.Token);
        Assert.True(metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed,
            $"orchestration ended {metadata.RuntimeStatus}: {metadata.FailureDetails?.ErrorMessage}");
        return metadata.ReadOutputAs<CaseStatus>();
    }

    /// <summary>
    /// Approves the case's review as the decision API does: from version 7 its write sends the step the case's approval sends
    /// (<see cref="FakeCaseRecorder.Approving"/>), the event says so, and the province answers that step.
    /// </summary>
    public async Task ApproveAsync(string caseId, string officer = "officer-7")
    {
        await Recorder.WaitForStatusAsync(caseId, CaseStatus.AwaitingReview, WaitLimit);
        var sent = Recorder.Approving(caseId, officer);
        await Client.RaiseEventAsync(caseId, CaseEvents.Decision(StepNames.OfficerReview), new OfficerDecisionEvent("approve", officer, null) { Sent = sent is not null });
        if (sent is not null) await FakeDispatchProvinceSteps.AnswerAsync(Recorder, Provinces, Client, caseId, sent.Items);
    }

    /// <summary>Waits until a step's round has been dispatched (e.g. one scripted never to answer).</summary>
    public Task DispatchedAsync(string caseId, string operation, int round = 1) =>
        Recorder.WaitForAsync(caseId, _ => Recorder.Dispatched(caseId).Any(i => i.Operation == operation && i.Round == round), WaitLimit);

    /// <summary>Delivers a step's result as the worker would (for a step scripted never to answer).</summary>
    public Task AnswerAsync(string caseId, string stepName, StepResult result, int round = 1) =>
        Client.RaiseEventAsync(caseId, CaseEvents.StepResult(StepKeys.Of(stepName, null), round), result);

    /// <summary>Re-drives a held step as the operator API or the redrive timer would.</summary>
    public Task RedriveAsync(string caseId, string stepKey, string by = "operator ops-1", string reason = "province fixed") =>
        Client.RaiseEventAsync(caseId, CaseEvents.Redrive(stepKey), new RedriveNotice(by, reason));

    /// <summary>Waits until the orchestration holds the step for a redrive.</summary>
    public Task HeldAsync(string caseId, string stepKey) =>
        Recorder.WaitForAsync(caseId, _ => Recorder.StepChanges(caseId).Any(c => StepKeys.Of(c.Name, c.Subject) == stepKey && c.AwaitingRedrive == true), WaitLimit);

    public Task WithdrawAsync(string caseId, string reason = "applicant request") =>
        Client.RaiseEventAsync(caseId, CaseEvents.Withdrawal, new WithdrawalNotice(reason));
}

/// <summary>
/// Province answers scripted per (case, operation, subject, round). Unscripted steps succeed with a
/// plausible answer; a step scripted with null is never answered (the step times out).
/// </summary>
public sealed class FakeProvinces
{
    public const string CertificateNo = "J310115-2026-000042";
    public const string ChildIdNumber = "310115202602140021";
    public const string HouseholdNo = "H310115-0042";
    public const string TransferId = "TR330000-000007";

    private readonly Dictionary<(string CaseId, string Operation, string? Subject, int Round), StepResult?> script = [];
    private readonly Lock gate = new();

    public static StepResult Ok(StepData? data = null) => new(StepOutcome.Succeeded, null, data);

    public static StepResult Poisoned(string province) =>
        new(StepOutcome.Failed, $"{province} kept failing; queue retries exhausted", Transient: true);

    public static StepResult Defect(string what) => new(StepOutcome.Failed, $"defect: {what}");

    public FakeProvinces On(string caseId, string operation, string? subject, int round, StepResult? answer)
    {
        lock (gate) script[(caseId, operation, subject, round)] = answer;
        return this;
    }

    public FakeProvinces OnRounds(string caseId, string operation, string? subject, int rounds, StepResult answer)
    {
        for (var round = 1; round <= rounds; round++) On(caseId, operation, subject, round, answer);
        return this;
    }

    /// <summary>The answer to one dispatched item, or null when the province stays silent.</summary>
    public StepResult? Answer(ProvinceStep item)
    {
        lock (gate)
        {
            if (script.TryGetValue((item.CaseId, item.Operation, item.Subject, item.Round), out var scripted)) return scripted;
        }

        return item.Operation switch
        {
            Ops.ResidentVerify => Ok(new ResidentCheck(Match: true, "normal", item.Province)),
            Ops.MaritalStatus => Ok(new MaritalStatusCheck("unmarried")),
            Ops.MarriageRegister => Ok(new MarriageRegistered(CertificateNo)),
            Ops.BirthVerify => Ok(new BirthCertificateCheck(Valid: true, Used: false, MatchesChild: true)),
            Ops.NewbornRegister => Ok(new NewbornRegistered(ChildIdNumber, HouseholdNo)),
            Ops.StudentRecord => Ok(new StudentRecordCheck("enrolled", Match: true, SchoolMatch: true)),
            Ops.TransferOutRequest => Ok(new TransferOutApproved(TransferId)),
            _ => Ok(),
        };
    }
}

/// <summary>Everything the orchestration asked the activities to do, per case, in order.</summary>
public sealed class FakeCaseRecorder
{
    private readonly Dictionary<string, List<object>> entries = [];
    private readonly HashSet<string> withdrawalRequested = [];
    private readonly Lock gate = new();

    public void Add(string caseId, object entry)
    {
        lock (gate)
        {
            if (!entries.TryGetValue(caseId, out var list)) entries[caseId] = list = [];
            list.Add(entry);
        }
    }

    private readonly Dictionary<(string CaseId, string Activity), int> failures = [];

    /// <summary>The next <paramref name="times"/> runs of <paramref name="activity"/> for the case throw, as storage out would.</summary>
    public void FailNext(string caseId, string activity, int times)
    {
        lock (gate) failures[(caseId, activity)] = times;
    }

    /// <summary>Throws when a failure is due for this run of <paramref name="activity"/>; the run then records nothing.</summary>
    public void ThrowIfFailing(string caseId, string activity)
    {
        lock (gate)
        {
            if (!failures.TryGetValue((caseId, activity), out var left) || left == 0) return;
            failures[(caseId, activity)] = left - 1;
        }

        Add(caseId, $"failed {activity}");
        throw new InvalidOperationException($"{activity}: storage unavailable (a test's failure)");
    }

    public IReadOnlyList<object> Of(string caseId)
    {
        lock (gate) return entries.TryGetValue(caseId, out var list) ? [.. list] : [];
    }

    /// <summary>
    /// Every write to the case row, in order: records, what rode on dispatches (status, step changes, outcome), and the step
    /// handler's completing write. Refused writes are left out.
    /// </summary>
    public IReadOnlyList<CaseProgress> Progress(string caseId) => Of(caseId).Select(e => e switch
    {
        CaseProgress p => p,
        ProvinceStepDispatch d => new CaseProgress(d.CaseId, d.Status, d.Changes, d.Outcome),
        SentAfterStep s => new CaseProgress(s.Sent.CaseId, s.Sent.Status, s.Sent.Changes, s.Sent.Outcome),
        SentOnApproval s => new CaseProgress(s.Sent.CaseId, s.Sent.Status, s.Sent.Changes, s.Sent.Outcome),
        CompletedByLastStep c => new CaseProgress(c.CaseId, CaseStatus.Completed),
        MovedByLastCheck m => new CaseProgress(m.CaseId, m.Move.Status, [new StepChange(m.Move.StepName, null, m.Move.Province, m.Move.StepStatus, m.At, m.Move.Detail)]),
        _ => null,
    }).OfType<CaseProgress>().ToList();

    private readonly Dictionary<string, (HashSet<string> Batch, HashSet<string> Succeeded)> completing = [];

    /// <summary>The steps of batches told together (version 8) kept quiet (first-round clear successes), by case and batch.</summary>
    private readonly Dictionary<(string CaseId, string Batch), HashSet<string>> succeeded = [];

    /// <summary>The steps of batches told together that have answered at all (succeeded, refused or failed).</summary>
    private readonly Dictionary<(string CaseId, string Batch), HashSet<string>> answeredInBatch = [];

    /// <summary>Which of <paramref name="query"/>'s steps have succeeded, as the case row shows them (version 8); the read is recorded.</summary>
    public IReadOnlyList<string> QuietSteps(QuietStepsQuery query)
    {
        Add(query.CaseId, new ToldEvent($"read succeeded of {query.StepKeys[0]}"));
        lock (gate)
        {
            return succeeded.TryGetValue((query.CaseId, query.StepKeys[0]), out var done) ? [.. query.StepKeys.Where(done.Contains)] : [];
        }
    }

    /// <summary>Every answer of a batch told together (version 8), and the events raised for it, in order.</summary>
    public IReadOnlyList<string> Told(string caseId) => Of(caseId).OfType<ToldEvent>().Select(t => t.What).ToList();

    /// <summary>
    /// As the step handler tells an answer of a batch told together (version 8, <see cref="ProvinceStep.Together"/>): every step
    /// succeeded, the batch's event (the others cleared) and the answer's own only off its quiet first round; a first-round clear
    /// success short of that (one whose message names steps to follow, only when it sent them), nothing; anything else its own,
    /// with the silent successes told alongside an answer the batch
    /// cannot go on with. Returns the batch's event (null: none) and whether to raise the answer's own.
    /// </summary>
    public (IReadOnlyDictionary<string, StepResult>? Batch, bool Own) Telling(ProvinceStep item, StepResult answer)
    {
        var together = item.Together!;
        var clear = answer.Outcome == StepOutcome.Succeeded && !CaseFlow.Refuses(CaseFlow.Assessment(CaseTypeNames.Marriage))(item, answer);
        (IReadOnlyDictionary<string, StepResult>? Batch, bool Own) told;
        lock (gate)
        {
            if (!succeeded.TryGetValue((item.CaseId, together[0]), out var quietSteps)) succeeded[(item.CaseId, together[0])] = quietSteps = [];
            if (!answeredInBatch.TryGetValue((item.CaseId, together[0]), out var answered)) answeredInBatch[(item.CaseId, together[0])] = answered = [];
            var first = answered.Add(item.StepKey) && item.Round == 1;
            var open = together.Any(key => !answered.Contains(key));
            var others = together.Where(key => key != item.StepKey && quietSteps.Contains(key)).ToDictionary(key => key, _ => new StepResult(StepOutcome.Succeeded) { Cleared = true });
            // A step whose message names steps to follow is kept quiet only when its success sent them (version 10's registration).
            if (clear && first && open && (item.Then is null || answer.SentNext))
            {
                quietSteps.Add(item.StepKey);
                told = (null, false);
            }
            else if (clear && !open) told = (new Dictionary<string, StepResult>(others) { [item.StepKey] = answer }, !first);
            else told = (!clear && others.Count > 0 ? others : null, true);
        }

        Add(item.CaseId, new ToldEvent($"{item.StepKey}#{item.Round}: " + string.Join(" ",
            new[] { told.Batch is { } b ? $"batch[{string.Join(",", b.Keys.Order(StringComparer.Ordinal))}]" : null, told.Own ? "own" : null }.OfType<string>()
                .DefaultIfEmpty("silent"))));
        return told;
    }

    /// <summary>The step the case's approval sends (version 7), as the case row keeps it, and the cases whose approval sent it.</summary>
    private readonly Dictionary<string, ProvinceStep> onApproval = [];
    private readonly HashSet<string> approved = [];

    /// <summary>
    /// As the decision API's write of an approval does from version 7 (<see cref="ProvinceStepDispatch.OnApproval"/>): the review
    /// Succeeded, the step entered and sent (<see cref="SentOnApproval"/>). Returns that dispatch, or null when the case names no
    /// such step or a withdrawal was recorded first (the workflow then acts on the decision).
    /// </summary>
    public ProvinceStepDispatch? Approving(string caseId, string officer)
    {
        ProvinceStep step;
        lock (gate)
        {
            if (!onApproval.TryGetValue(caseId, out step!) || withdrawalRequested.Contains(caseId) || !approved.Add(caseId)) return null;
        }

        var at = DateTimeOffset.UtcNow;
        var sent = new ProvinceStepDispatch(caseId, [step], at, CaseStatus.InProgress)
        {
            Changes = [new StepChange(StepNames.OfficerReview, null, step.Province, StepStatus.Succeeded, at, CaseFlow.ApprovedBy(officer))],
            IrreversibleStep = step.StepName,
        };
        Add(caseId, new SentOnApproval(sent));
        Dispatching(sent);
        return sent;
    }

    /// <summary>Whether the decision API's write approved the case's review (a record <see cref="CaseProgress.UnlessDecided"/> refuses).</summary>
    public bool Approved(string caseId)
    {
        lock (gate) return approved.Contains(caseId);
    }

    /// <summary>The case's move (version 5) and the steps of its batch that have cleared, as the case row keeps them.</summary>
    private readonly Dictionary<string, (CaseMove Move, HashSet<string> Cleared)> moving = [];

    /// <summary>
    /// A dispatch that completes the case with its steps' last success: its steps are the batch that does (see <see cref="Answered"/>).
    /// A dispatch with a move keeps it; one of other steps drops the move, as the dispatch activity does.
    /// </summary>
    public void Dispatching(ProvinceStepDispatch dispatch)
    {
        lock (gate)
        {
            if (dispatch.CompletesCase) completing[dispatch.CaseId] = ([.. dispatch.Items.Select(i => i.StepKey)], []);
            if (dispatch.Move is { } move) moving[dispatch.CaseId] = (move, []);
            if (dispatch.OnApproval is { } approval) onApproval[dispatch.CaseId] = approval;
            else if (moving.TryGetValue(dispatch.CaseId, out var pending) && !dispatch.Items.All(i => pending.Move.Steps.Contains(i.StepKey))) moving.Remove(dispatch.CaseId);
        }
    }

    /// <summary>A record with a status drops the case's move, as the record activity does.</summary>
    public void Recording(CaseProgress progress)
    {
        lock (gate)
        {
            if (progress.Status is not null) moving.Remove(progress.CaseId);
        }
    }

    /// <summary>
    /// As the step handler does, before the answer is raised: the success of a completing batch's last step is recorded as
    /// the case's completion (<see cref="CompletedByLastStep"/>); the last clear answer of a move's batch makes the move
    /// (<see cref="MovedByLastCheck"/>, the answer raised says so), a refusing one drops it (a marriage's assessment: only
    /// marriage moves). A step of another batch is not counted. Returns the answer to raise.
    /// </summary>
    public StepResult Answered(ProvinceStep item, StepResult answer)
    {
        lock (gate)
        {
            if (moving.TryGetValue(item.CaseId, out var pending) && pending.Move.Steps.Contains(item.StepKey))
            {
                if (CaseFlow.Refuses(CaseFlow.Assessment(CaseTypeNames.Marriage))(item, answer)) moving.Remove(item.CaseId);
                else if (answer.Outcome == StepOutcome.Succeeded && pending.Cleared.Add(item.StepKey) && pending.Cleared.Count == pending.Move.Steps.Count
                    && !WithdrawalRequested(item.CaseId))
                {
                    moving.Remove(item.CaseId);
                    Add(item.CaseId, new MovedByLastCheck(item.CaseId, pending.Move, DateTimeOffset.UtcNow));
                    return answer with { MovedCase = true };
                }
            }

            if (answer.Outcome != StepOutcome.Succeeded || !completing.TryGetValue(item.CaseId, out var run) || !run.Batch.Contains(item.StepKey)) return answer;
            if (run.Succeeded.Add(item.StepKey) && run.Succeeded.SetEquals(run.Batch)) Add(item.CaseId, new CompletedByLastStep(item.CaseId));
            return answer;
        }
    }

    /// <summary>
    /// As the step handler does with a success whose message names the steps after it (version 6, <see cref="ProvinceStep.Then"/>):
    /// records them as sent in that write (<see cref="SentAfterStep"/>, with the outcome the answer gives) and returns the
    /// dispatch to answer, or null when the answer sends nothing (short of success, no outcome where one is wanted, withdrawn).
    /// </summary>
    public ProvinceStepDispatch? Sending(ProvinceStep item, StepResult answer)
    {
        if (item.Then is not { } then || answer.Outcome != StepOutcome.Succeeded || WithdrawalRequested(item.CaseId)) return null;
        var outcome = then.OutcomeFromAnswer ? CaseFlow.OutcomeOf(answer, DateTimeOffset.UtcNow) : then.Outcome;
        if (then.OutcomeFromAnswer && outcome is null) return null;
        var sent = then with { Outcome = outcome };
        Add(item.CaseId, new SentAfterStep(item.StepKey, sent));
        Dispatching(sent);
        return sent;
    }

    public IReadOnlyList<ProvinceStep> Dispatched(string caseId) => Of(caseId)
        .Select(e => e switch { SentAfterStep s => s.Sent, SentOnApproval s => s.Sent, _ => e as ProvinceStepDispatch }).OfType<ProvinceStepDispatch>()
        .SelectMany(d => d.Items).ToList();

    public IReadOnlyList<StepChange> StepChanges(string caseId) => Progress(caseId).SelectMany(p => p.Steps ?? []).ToList();

    /// <summary>The last status and outcome the case row was given.</summary>
    public (CaseStatus? Status, CaseOutcome? Outcome) Final(string caseId)
    {
        var progress = Progress(caseId);
        return (progress.LastOrDefault(p => p.Status is not null)?.Status, progress.LastOrDefault(p => p.Outcome is not null)?.Outcome);
    }

    /// <summary>
    /// A compact, ordered trace: "dispatch Status outcome step:Status irreversible:step op/subject#round,...", "progress Status
    /// held outcome step:Status irreversible:step", "irreversible step"; a write the irreversible gate refused is "refused …".
    /// </summary>
    public IReadOnlyList<string> Trace(string caseId) => Of(caseId).Where(e => e is not ToldEvent).Select(TraceOf).ToList();

    private static string TraceOf(object entry) => entry switch
    {
        ProvinceStepDispatch d => Join(["dispatch", d.Status?.ToString(), d.Outcome is null ? null : "outcome", .. Changes(d.Changes),
            d.IrreversibleStep is { } i ? $"irreversible:{i}" : null, d.CompletesCase ? "completes" : null,
            string.Join(",", d.Items.Select(i => $"{i.Operation}/{i.Subject}#{i.Round}"))]),
        CaseProgress p => Join(["progress", p.Status?.ToString(), p.Held ? "held" : null, p.Outcome is null ? null : "outcome", .. Changes(p.Steps),
            p.IrreversibleStep is { } i ? $"irreversible:{i}" : null]),
        IrreversibleStepRequest r => $"irreversible {r.StepName}",
        CompletedByLastStep => "completed by its last step",
        MovedByLastCheck m => $"moved {m.Move.Status} by its last check",
        SentAfterStep s => $"sent after {s.StepKey}: {TraceOf(s.Sent)}",
        SentOnApproval s => $"sent on approval: {TraceOf(s.Sent)}",
        RefusedWrite r => $"refused {TraceOf(r.Write)}",
        _ => entry.ToString() ?? "",
    };

    private static IEnumerable<string> Changes(IReadOnlyList<StepChange>? changes) => (changes ?? []).Select(c =>
        $"{StepKeys.Of(c.Name, c.Subject)}:{c.Status}{(c.NeedsAttention is { } a ? $"!{a}" : "")}" + (c.AwaitingRedrive is { } r ? (r ? "~awaiting" : "~resumed") : ""));

    private static string Join(IEnumerable<string?> parts) => string.Join(" ", parts.Where(x => x is not null));

    /// <summary>The irreversible steps the workflow tried to enter, in order, whichever write carried the gate, taken or refused.</summary>
    public IReadOnlyList<string> Gates(string caseId) => Of(caseId).Select(e => (e is RefusedWrite r ? r.Write : e) switch
    {
        IrreversibleStepRequest request => request.StepName,
        ProvinceStepDispatch d => d.IrreversibleStep,
        SentOnApproval s => s.Sent.IrreversibleStep,
        CaseProgress p => p.IrreversibleStep,
        _ => null,
    }).OfType<string>().ToList();

    /// <summary>Records a write the irreversible gate refused (a withdrawal came first), or the write itself; true when it was taken.</summary>
    public bool Gate(string caseId, object write, string? irreversibleStep)
    {
        var refused = irreversibleStep is not null && WithdrawalRequested(caseId);
        Add(caseId, refused ? new RefusedWrite(write) : write);
        return !refused;
    }

    /// <summary>Simulates the API's withdrawal having marked the case row, so the irreversible gate refuses.</summary>
    public void MarkWithdrawalRequested(string caseId)
    {
        lock (gate) withdrawalRequested.Add(caseId);
    }

    public bool WithdrawalRequested(string caseId)
    {
        lock (gate) return withdrawalRequested.Contains(caseId);
    }

    public async Task WaitForStatusAsync(string caseId, CaseStatus status, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (!Progress(caseId).Any(p => p.Status == status))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"case {caseId} never reached {status}; trace: {string.Join(" | ", Trace(caseId))}");
            await Task.Delay(50);
        }
    }

    public async Task WaitForAsync(string caseId, Func<IReadOnlyList<object>, bool> condition, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (!condition(Of(caseId)))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"case {caseId}: condition not met; trace: {string.Join(" | ", Trace(caseId))}");
            await Task.Delay(50);
        }
    }
}

/// <summary>A write the irreversible gate refused: nothing of it reached the case row.</summary>
public sealed record RefusedWrite(object Write);

/// <summary>The step handler's write of a completing batch's last success: the case is Completed and closed.</summary>
public sealed record CompletedByLastStep(string CaseId);

/// <summary>The step handler's write of a success whose message named the steps after it: <paramref name="Sent"/> recorded and queued.</summary>
public sealed record SentAfterStep(string StepKey, ProvinceStepDispatch Sent);

/// <summary>How the step handler told an answer of a batch told together (version 8): "{step}#{round}: batch[…] own", or "silent".</summary>
public sealed record ToldEvent(string What);

/// <summary>The decision API's write of an approval (version 7): <paramref name="Sent"/> recorded, the step entered and queued.</summary>
public sealed record SentOnApproval(ProvinceStepDispatch Sent);

/// <summary>The step handler's write of a move's last clear answer: the case moved (to review).</summary>
public sealed record MovedByLastCheck(string CaseId, CaseMove Move, DateTimeOffset At);

public sealed class FakeRecordCaseProgress(FakeCaseRecorder recorder) : TaskActivity<CaseProgress, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, CaseProgress input)
    {
        recorder.ThrowIfFailing(input.CaseId, WorkflowNames.Activities.RecordCaseProgress);
        if (input.UnlessDecided is not null && recorder.Approved(input.CaseId))
        {
            recorder.Add(input.CaseId, new RefusedWrite(input));
            return Task.FromResult(false);
        }

        if (!recorder.Gate(input.CaseId, input, input.IrreversibleStep)) return Task.FromResult(false);
        recorder.Recording(input);
        return Task.FromResult(true);
    }
}

/// <summary>Records the dispatch, then answers each item as the province (through the worker) would: a StepResult event.</summary>
public sealed class FakeDispatchProvinceSteps(FakeCaseRecorder recorder, FakeProvinces provinces, DurableTaskClient client)
    : TaskActivity<ProvinceStepDispatch, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, ProvinceStepDispatch input)
    {
        recorder.ThrowIfFailing(input.CaseId, WorkflowNames.Activities.DispatchProvinceSteps);
        if (!recorder.Gate(input.CaseId, input, input.IrreversibleStep)) return false;
        recorder.Dispatching(input);
        await AnswerAsync(recorder, provinces, client, context.InstanceId, input.Items);
        return true;
    }

    /// <summary>Raises each answered step's answer; a success that sends the steps after it has them answered too.</summary>
    public static async Task AnswerAsync(FakeCaseRecorder recorder, FakeProvinces provinces, DurableTaskClient client, string instanceId, IReadOnlyList<ProvinceStep> items)
    {
        foreach (var item in items)
        {
            if (provinces.Answer(item) is not { } answer) continue;
            var raised = recorder.Answered(item, answer);
            var sent = recorder.Sending(item, raised);
            raised = raised with { SentNext = sent is not null };
            var (batch, own) = item.Together is null ? (null, true) : recorder.Telling(item, raised);
            if (batch is not null) await client.RaiseEventAsync(instanceId, CaseEvents.Batch(item.Together!), new BatchAnswers(batch));
            if (own) await client.RaiseEventAsync(instanceId, CaseEvents.StepResult(item.StepKey, item.Round), raised);
            if (sent is not null) await AnswerAsync(recorder, provinces, client, instanceId, sent.Items);
        }
    }
}

public sealed class FakeQuietSteps(FakeCaseRecorder recorder) : TaskActivity<QuietStepsQuery, IReadOnlyList<string>>
{
    public override Task<IReadOnlyList<string>> RunAsync(TaskActivityContext context, QuietStepsQuery input) => Task.FromResult(recorder.QuietSteps(input));
}

public sealed class FakeEnterIrreversibleStep(FakeCaseRecorder recorder) : TaskActivity<IrreversibleStepRequest, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, IrreversibleStepRequest input)
    {
        recorder.Add(input.CaseId, input);
        return Task.FromResult(!recorder.WithdrawalRequested(input.CaseId));
    }
}
