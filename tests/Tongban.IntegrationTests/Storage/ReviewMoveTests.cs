using Moq;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Provinces;
using Tongban.Workflows;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// From workflow version 5 a marriage's four checks bring the case to review with the step handler's write of their last
/// clear answer (<see cref="CaseMove"/>), and the answer raised says so, so that the workflow records no review of its own.
/// On Azurite, with the province mocked and the orchestration client mocked: the move is made once, by the last clear answer;
/// a refusing answer, a case held failed or a withdrawal leave it to the workflow; a dispatch of other steps or a status the
/// workflow records drops it, a later round of a check keeps it; a check's message delivered again says the move was made.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReviewMoveTests(AzuriteFixture azurite) : MockedProvinceTest(azurite)
{
    private async Task HandleAllAsync(MarriageChecks rig)
    {
        foreach (var check in rig.Checks) await HandleAsync(rig, check);
    }

    /// <summary>How many times <paramref name="item"/>'s answer was raised saying (or not saying) that it moved the case.</summary>
    private void VerifyRaised(ProvinceStep item, bool moved, Times times) => Durable.Verify(d => d.RaiseEventAsync(item.CaseId,
        CaseEvents.StepResult(item.StepKey, item.Round), It.Is<object?>(o => o is StepResult && ((StepResult)o).MovedCase == moved),
        It.IsAny<CancellationToken>()), times);

    private async Task<int> StatusEntriesAsync(MarriageChecks rig) =>
        (await AuditTrails.OnAzurite(Azurite).ReadAsync(rig.CaseId, Ct)).Entries.Count(e => e.Outcome == nameof(CaseStatus.AwaitingReview));

    [Fact]
    public async Task The_last_clear_check_brings_the_case_to_review_once_and_its_answer_says_so()
    {
        var rig = await ChecksDispatchedAsync();
        Assert.Equal(rig.Checks.Select(c => c.StepKey), (await RecordAsync(rig)).Move!.Steps);

        foreach (var check in rig.Checks.SkipLast(1)) await HandleAsync(rig, check);
        Assert.Equal(CaseStatus.InProgress, (await RecordAsync(rig)).Status);
        await HandleAsync(rig, rig.Checks[^1]);

        var record = await RecordAsync(rig);
        Assert.Equal((CaseStatus.AwaitingReview, 2, true), (record.Status, record.StatusChanges, record.Move!.Made));
        var review = record.FindStep(StepNames.OfficerReview)!;
        Assert.Equal((StepStatus.Waiting, Code, "awaiting the officer's decision"), (review.Status, review.Province, review.Detail));
        foreach (var check in rig.Checks.SkipLast(1)) VerifyRaised(check, moved: false, Times.Once());
        VerifyRaised(rig.Checks[^1], moved: true, Times.Once());
        Assert.Equal(1, await StatusEntriesAsync(rig));

        // The hub died between the write and the raise: the message delivered again hands the same answer over, and adds nothing.
        await HandleAsync(rig, rig.Checks[^1], delivery: 2);
        VerifyRaised(rig.Checks[^1], moved: true, Times.Exactly(2));
        Assert.Equal(record.StatusChanges, (await RecordAsync(rig)).StatusChanges);
        Assert.Equal(1, await StatusEntriesAsync(rig));
    }

    [Fact]
    public async Task A_check_the_assessment_refuses_drops_the_move_and_the_case_stays_for_its_workflow_to_reject()
    {
        var rig = await ChecksDispatchedAsync(partyB: MaritalStatus.Married);

        await HandleAllAsync(rig);

        var record = await RecordAsync(rig);
        Assert.All(rig.Checks, c => Assert.Equal(StepStatus.Succeeded, record.FindStep(c.StepKey)!.Status));
        Assert.Equal(CaseStatus.InProgress, record.Status);
        Assert.Null(record.Move);
        Assert.Null(record.FindStep(StepNames.OfficerReview));
        foreach (var check in rig.Checks) VerifyRaised(check, moved: false, Times.Once());
    }

    [Fact]
    public async Task A_case_held_failed_or_being_withdrawn_is_not_moved()
    {
        var held = await ChecksDispatchedAsync();
        foreach (var check in held.Checks.SkipLast(1)) await HandleAsync(held, check);
        // The workflow holds the case failed at a check (a status of its own): the move is gone.
        await held.Activities.RecordCaseProgressAsync(new CaseProgress(held.CaseId, CaseStatus.Failed, Held: true), Ct);
        Assert.Null((await RecordAsync(held)).Move);
        await held.Activities.RecordCaseProgressAsync(new CaseProgress(held.CaseId, CaseStatus.InProgress), Ct);
        await HandleAsync(held, held.Checks[^1]);
        Assert.Equal(CaseStatus.InProgress, (await RecordAsync(held)).Status);
        VerifyRaised(held.Checks[^1], moved: false, Times.Once());

        var withdrawn = await ChecksDispatchedAsync();
        await withdrawn.Cases.UpdateAsync(withdrawn.CaseId, r => r.WithdrawalRequested = true, Ct);
        await HandleAllAsync(withdrawn);
        var record = await RecordAsync(withdrawn);
        Assert.Equal((CaseStatus.InProgress, false), (record.Status, record.Move!.Made));
        VerifyRaised(withdrawn.Checks[^1], moved: false, Times.Once());
    }

    [Fact]
    public async Task A_later_round_of_a_check_keeps_the_move_and_a_dispatch_of_other_steps_drops_it()
    {
        var rig = await ChecksDispatchedAsync();
        foreach (var check in rig.Checks.SkipLast(1)) await HandleAsync(rig, check);
        var again = rig.Checks[^1] with { Round = 2 };
        await rig.Activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(rig.CaseId, [again], DateTimeOffset.UtcNow, CaseStatus.InProgress), Ct);
        Assert.NotNull((await RecordAsync(rig)).Move);
        await HandleAsync(rig, again);
        Assert.Equal(CaseStatus.AwaitingReview, (await RecordAsync(rig)).Status);
        VerifyRaised(again, moved: true, Times.Once());

        var other = await ChecksDispatchedAsync();
        await other.Activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(other.CaseId,
            [new ProvinceStep(other.CaseId, StepNames.RegisterMarriage, null, CanonicalOperations.MarriageRegister, Code, 1)], DateTimeOffset.UtcNow), Ct);
        Assert.Null((await RecordAsync(other)).Move);
        await HandleAllAsync(other);
        Assert.Equal(CaseStatus.InProgress, (await RecordAsync(other)).Status);
    }

    [Fact]
    public async Task Checks_answered_before_the_orchestration_saved_its_start_do_not_move_the_case_and_the_answer_raised_later_leaves_the_review_to_the_workflow()
    {
        var rig = await ChecksDispatchedAsync();
        // The hub died after the first turn's activity ran and before the engine saved the start: Pending, no history. A case
        // shown awaiting review now would take a decision whose event the engine discards.
        var status = Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Pending;
        Durable.AcceptsEvents(() => status);

        await HandleAllAsync(rig);

        var waiting = await RecordAsync(rig);
        Assert.All(rig.Checks, c => Assert.Equal(StepStatus.Succeeded, waiting.FindStep(c.StepKey)!.Status));
        Assert.Equal((CaseStatus.InProgress, false), (waiting.Status, waiting.Move!.Made));
        Assert.Null(waiting.FindStep(StepNames.OfficerReview));
        Durable.Verify(d => d.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never());

        // The start saved, the answer's message comes back: raised without the move, so the workflow records the review.
        status = Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Running;
        await HandleAsync(rig, rig.Checks[^1], delivery: 2);
        Assert.Equal(CaseStatus.InProgress, (await RecordAsync(rig)).Status);
        VerifyRaised(rig.Checks[^1], moved: false, Times.Once());
    }

    [Fact]
    public async Task A_batch_dispatched_as_before_version_5_leaves_the_review_to_its_workflow()
    {
        var rig = await ChecksDispatchedAsync(move: false);

        await HandleAllAsync(rig);

        var record = await RecordAsync(rig);
        Assert.Equal(CaseStatus.InProgress, record.Status);
        Assert.Null(record.Move);
        foreach (var check in rig.Checks) VerifyRaised(check, moved: false, Times.Once());
    }

    [Fact]
    public async Task Checks_answering_together_ask_the_engine_once_whether_the_orchestration_started()
    {
        var rig = await ChecksDispatchedAsync();
        // The engine takes its time to answer: the other checks' answers come while the first one's question is in flight.
        var asked = 0;
        Durable.Setup(d => d.GetInstanceAsync(It.IsAny<string>(), false, It.IsAny<CancellationToken>()))
            .Returns(async (string id, bool _, CancellationToken _) =>
            {
                Interlocked.Increment(ref asked);
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
                return new Microsoft.DurableTask.Client.OrchestrationMetadata("CaseFlow", id) { RuntimeStatus = Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Running };
            });

        await Task.WhenAll(rig.Checks.Select(check => HandleAsync(rig, check)));

        Assert.Equal(1, asked);
        Assert.Equal(CaseStatus.AwaitingReview, (await RecordAsync(rig)).Status);
        foreach (var check in rig.Checks) Durable.Verify(d => d.RaiseEventAsync(rig.CaseId, CaseEvents.StepResult(check.StepKey, 1), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Once());

        // Known started, a later answer of the case asks nothing.
        await HandleAsync(rig, rig.Checks[0], delivery: 2);
        Assert.Equal(1, asked);
    }
}
