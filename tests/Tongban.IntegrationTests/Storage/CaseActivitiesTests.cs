using Tongban.Audit;
using Tongban.Configuration;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;
using Tongban.Workflows;
using Tongban.Workflows.Activities;

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
        var activities = ProvinceWorkHandlers.ActivitiesOnAzurite(azurite, store);
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
    public async Task A_dispatch_records_the_status_step_changes_outcome_and_irreversible_step_that_ride_on_it()
    {
        var (province, store, record, activities, verify) = await NewCaseAsync();
        var register = verify with { StepName = StepNames.RegisterMarriage, Subject = null, Operation = "marriage.register" };
        var at = DateTimeOffset.UtcNow;

        var dispatched = await activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(record.CaseId, [register], at, CaseStatus.InProgress)
        {
            Changes = [new StepChange(StepNames.OfficerReview, null, province, StepStatus.Succeeded, at, "approved by officer-7")],
            Outcome = new CaseOutcome { CertificateNo = "J310115-2026-000042" },
            IrreversibleStep = StepNames.RegisterMarriage,
        }, ct);

        Assert.True(dispatched);
        var after = (await store.GetAsync(record.CaseId, ct))!.Record;
        Assert.Equal(CaseStatus.InProgress, after.Status);
        Assert.Equal(StepNames.RegisterMarriage, after.IrreversibleStep);
        Assert.Equal("J310115-2026-000042", after.Outcome!.CertificateNo);
        Assert.Equal((StepStatus.Succeeded, "approved by officer-7"), (after.FindStep(StepNames.OfficerReview)!.Status, after.FindStep(StepNames.OfficerReview)!.Detail));
        Assert.Equal(StepStatus.Running, after.FindStep(register.StepKey)!.Status);
        var queued = Assert.Single((await azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(province)).PeekMessagesAsync(32, ct)).Value);
        Assert.Equal(register.StepKey, TongbanJson.Deserialize<ProvinceStep>(queued.Body.ToString()).StepKey);
    }

    [Fact]
    public async Task A_withdrawal_recorded_first_refuses_a_dispatch_or_record_entering_the_irreversible_step_and_nothing_is_written_or_queued()
    {
        var (province, store, record, activities, verify) = await NewCaseAsync();
        await store.UpdateAsync(record.CaseId, r => { r.WithdrawalRequested = true; return true; }, ct);
        var before = (await store.GetAsync(record.CaseId, ct))!.Record;
        var at = DateTimeOffset.UtcNow;

        var dispatched = await activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(record.CaseId, [verify], at, CaseStatus.InProgress)
        {
            Changes = [new StepChange(StepNames.OfficerReview, null, province, StepStatus.Succeeded, at)],
            IrreversibleStep = StepNames.RegisterMarriage,
        }, ct);
        var recorded = await activities.RecordCaseProgressAsync(new CaseProgress(record.CaseId, CaseStatus.Completed,
            Outcome: new CaseOutcome { HouseholdNo = "H310115-0042" }, IrreversibleStep: StepNames.RegisterNewborn), ct);

        Assert.False(dispatched);
        Assert.False(recorded);
        var after = (await store.GetAsync(record.CaseId, ct))!.Record;
        Assert.Equal((before.Status, before.UpdatedAt, before.StatusChanges), (after.Status, after.UpdatedAt, after.StatusChanges));
        Assert.Null(after.IrreversibleStep);
        Assert.False(after.Closed);
        Assert.Null(after.FindStep(StepNames.OfficerReview));
        Assert.Empty((await azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(province)).PeekMessagesAsync(32, ct)).Value);
    }

    [Fact]
    public async Task Closing_a_case_ends_and_signs_its_trail_and_a_repeated_run_signs_a_head_its_first_run_left_unsigned()
    {
        var (_, _, record, activities, _) = await NewCaseAsync();
        await activities.RecordCaseProgressAsync(new CaseProgress(record.CaseId, CaseStatus.Rejected, Outcome: new CaseOutcome { Reason = "partyB.married" }), ct);
        var head = (await AuditTrails.OnAzurite(azurite).ReadAsync(record.CaseId, ct)).Head!;
        Assert.Equal((false, head.Seq), (head.Open, head.SignedSeq));

        // A closing entry appended by a hub that could not sign: the activity run again finds it recorded, and signs.
        var (_, unsignedStore, unsigned, _, _) = await NewCaseAsync();
        // Its first status change, which closes it.
        await unsignedStore.UpdateAsync(unsigned.CaseId, r => { r.Status = CaseStatus.Rejected; r.Closed = true; return true; }, ct);
        var closing = AuditFacts.Status(1, CaseStatus.Rejected, null, closes: true);
        await new AuditTrail(azurite.Tables, AuditSigner.From(new AuditOptions()), TimeProvider.System).AppendAsync(unsigned.CaseId, closing, ct, ends: true);
        Assert.Equal(0, (await AuditTrails.OnAzurite(azurite).ReadAsync(unsigned.CaseId, ct)).Head!.SignedSeq);

        var again = ProvinceWorkHandlers.ActivitiesOnAzurite(azurite, unsignedStore);
        await again.RecordCaseProgressAsync(new CaseProgress(unsigned.CaseId, CaseStatus.Rejected), ct);

        var signed = await AuditTrails.OnAzurite(azurite).ReadAsync(unsigned.CaseId, ct);
        Assert.Equal((1L, 1L), (signed.Head!.Seq, signed.Head.SignedSeq));
        Assert.Empty((await new AuditVerifier(AuditTrails.OnAzurite(azurite), AuditTrails.Signer, TimeProvider.System).VerifyAsync(unsigned.CaseId, ct)).Failures);
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
