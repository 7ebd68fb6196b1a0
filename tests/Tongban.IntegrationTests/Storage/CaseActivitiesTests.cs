using Microsoft.Extensions.Logging.Abstractions;
using Tongban.Callbacks;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;
using Tongban.Workflows;
using Tongban.Workflows.Activities;
using Tongban.Workflows.Dispatch;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// Activities run at least once: one redelivered after a crash may come after the case has closed. A closed case stays as
/// it ended: no status moves back, no step is queued again.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CaseActivitiesTests(AzuriteFixture azurite)
{
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    /// <summary>A stored case at a fresh province, the activities over it, and its first verification step.</summary>
    private async Task<(string Province, CaseStore Store, CaseRecord Record, CaseActivities Activities, ProvinceStep Verify)> NewCaseAsync()
    {
        var province = CaseData.NewProvinceCode();
        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([province], ct);
        var store = new CaseStore(azurite.Tables, CaseData.NewCipher(), TimeProvider.System);
        var command = CaseData.MarriageCommand(province, province, province);
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, DateTimeOffset.UtcNow);
        await store.CreateAsync(record, command, ct);
        var activities = new CaseActivities(store, new ProvinceStepQueue(azurite.Queues),
            new PartnerCallbackOutbox(azurite.Tables, azurite.Queues), NullLogger<CaseActivities>.Instance, AuditTrails.OnAzurite(azurite));
        return (province, store, record, activities, new ProvinceStep(record.CaseId, StepNames.VerifyResident, "partyA", "resident.verify", province, 1));
    }

    [Fact]
    public async Task A_dispatch_delivered_again_after_its_steps_succeeded_does_not_move_the_case_back()
    {
        var (province, store, record, activities, verify) = await NewCaseAsync();
        var dispatch = new ProvinceStepDispatch(record.CaseId, [verify], DateTimeOffset.UtcNow, CaseStatus.InProgress);

        await activities.DispatchProvinceStepsAsync(dispatch, ct);
        await activities.RecordCaseProgressAsync(new CaseProgress(record.CaseId, CaseStatus.AwaitingReview,
            [new StepChange(verify.StepName, verify.Subject, province, StepStatus.Succeeded, DateTimeOffset.UtcNow)]), ct);
        await activities.DispatchProvinceStepsAsync(dispatch, ct);

        var after = (await store.GetAsync(record.CaseId, ct))!.Record;
        Assert.Equal(CaseStatus.AwaitingReview, after.Status);
        Assert.Equal(StepStatus.Succeeded, after.FindStep(verify.StepKey)!.Status);
        Assert.Single((await azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(province)).PeekMessagesAsync(32, ct)).Value);
    }

    [Fact]
    public async Task A_new_round_of_a_step_that_succeeded_meanwhile_is_still_queued_and_leaves_the_case_as_it_is()
    {
        // A held step's late answer (round 1) lands just as an operator re-drives it: the orchestration now waits for round 2.
        var (province, store, record, activities, verify) = await NewCaseAsync();
        await activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(record.CaseId, [verify], DateTimeOffset.UtcNow, CaseStatus.InProgress), ct);
        await activities.RecordCaseProgressAsync(new CaseProgress(record.CaseId, CaseStatus.AwaitingReview,
            [new StepChange(verify.StepName, verify.Subject, province, StepStatus.Succeeded, DateTimeOffset.UtcNow)]), ct);
        var before = (await store.GetAsync(record.CaseId, ct))!.Record;

        await activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(record.CaseId, [verify with { Round = 2 }], DateTimeOffset.UtcNow, CaseStatus.InProgress), ct);

        var after = (await store.GetAsync(record.CaseId, ct))!.Record;
        Assert.Equal(CaseStatus.AwaitingReview, after.Status);
        Assert.Equal(StepStatus.Succeeded, after.FindStep(verify.StepKey)!.Status);
        Assert.Equal(before.UpdatedAt, after.UpdatedAt);
        var queued = (await azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(province)).PeekMessagesAsync(32, ct)).Value;
        Assert.Equal([1, 2], queued.Select(m => TongbanJson.Deserialize<ProvinceStep>(m.Body.ToString()).Round).Order());
    }

    [Fact]
    public async Task A_late_progress_or_dispatch_for_a_closed_case_changes_nothing_and_queues_nothing()
    {
        var (province, store, record, activities, verify) = await NewCaseAsync();
        var at = DateTimeOffset.UtcNow;

        await activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(record.CaseId, [verify], at, CaseStatus.InProgress), ct);
        await activities.RecordCaseProgressAsync(new CaseProgress(record.CaseId, CaseStatus.Rejected, Outcome: new CaseOutcome { Reason = "partyB.married" }), ct);
        var closed = (await store.GetAsync(record.CaseId, ct))!.Record;
        Assert.True(closed.Closed);
        Assert.Equal(StepStatus.Skipped, closed.FindStep(verify.StepKey)!.Status);

        // The earlier activities, delivered again after the case closed.
        await activities.RecordCaseProgressAsync(new CaseProgress(record.CaseId, CaseStatus.InProgress,
            [new StepChange(verify.StepName, verify.Subject, province, StepStatus.Running, at)]), ct);
        await activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(record.CaseId, [verify with { Round = 2 }], at, CaseStatus.InProgress), ct);

        var after = (await store.GetAsync(record.CaseId, ct))!.Record;
        Assert.Equal(CaseStatus.Rejected, after.Status);
        Assert.Equal("partyB.married", after.Outcome!.Reason);
        Assert.Equal(StepStatus.Skipped, after.FindStep(verify.StepKey)!.Status);
        Assert.Equal(closed.UpdatedAt, after.UpdatedAt);
        // Only the first dispatch reached the queue.
        var queued = (await azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(province)).PeekMessagesAsync(32, ct)).Value;
        Assert.Equal([1], queued.Select(m => TongbanJson.Deserialize<ProvinceStep>(m.Body.ToString()).Round));
    }
}
