using Microsoft.Extensions.DependencyInjection;
using Moq;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Provinces;
using Tongban.Storage;
using Tongban.Workflows;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// From workflow version 4 the last batch of must-succeed steps completes the case with the step handler's write of its last
/// success (no completing activity of its own). On Azurite, with a province that acknowledges and the orchestration client
/// mocked: the case completes once, at the last success; its trail closes and its head is signed; a message delivered again
/// after that (a crash between the write and the raise) still hands its answer over; other work for the closed case is dropped.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CompletingStepTests(AzuriteFixture azurite) : MockedProvinceTest(azurite)
{
    private sealed record Rig(MockedMarriage Case, ProvinceStep UpdateA, ProvinceStep UpdateB) : MockedMarriage(Case);

    /// <summary>A marriage at the test's province, both marital updates dispatched in one batch (<paramref name="completes"/>: as version 4 does).</summary>
    private async Task<Rig> DispatchedAsync(bool completes)
    {
        Province.Setup(p => p.UpdateMaritalStatusAsync(It.IsAny<MaritalUpdate>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProvinceAnswer<Acknowledged>.Ok(Acknowledged.Instance));
        var marriage = await MarriageAsync();
        var a = new ProvinceStep(marriage.CaseId, StepNames.UpdateMaritalStatus, "partyA", CanonicalOperations.MaritalUpdate, Code, 1);
        var b = a with { Subject = "partyB" };
        await marriage.Activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(marriage.CaseId, [a, b], DateTimeOffset.UtcNow, CaseStatus.InProgress)
        {
            Outcome = new CaseOutcome { CertificateNo = "J-1", RegisteredOn = "2026-12-06" },
            CompletesCase = completes,
        }, Ct);
        return new Rig(marriage, a, b);
    }

    private void VerifyRaised(ProvinceStep item, Times times) => Durable.Verify(d => d.RaiseEventAsync(item.CaseId,
        CaseEvents.StepResult(item.StepKey, item.Round), It.Is<object?>(o => o is StepResult && ((StepResult)o).Outcome == StepOutcome.Succeeded),
        It.IsAny<CancellationToken>()), times);

    [Fact]
    public async Task The_batchs_last_success_completes_and_closes_the_case_and_its_trail_once()
    {
        var rig = await DispatchedAsync(completes: true);
        // partyA's update had been failing: flagged for an operator, then it succeeds.
        await rig.Cases.UpdateAsync(rig.CaseId, r => r.Step(rig.UpdateA.StepName, "partyA", Code).NeedsAttention = true, Ct);
        Assert.Equal([rig.UpdateA.StepKey, rig.UpdateB.StepKey], (await RecordAsync(rig)).CompletingSteps);

        await HandleAsync(rig, rig.UpdateA);
        var half = await RecordAsync(rig);
        Assert.Equal((CaseStatus.InProgress, false), (half.Status, half.Closed));
        Assert.True(half.FindStep(rig.UpdateA.StepKey)!.NeedsAttention);

        await HandleAsync(rig, rig.UpdateB);
        var done = await RecordAsync(rig);
        Assert.Equal((CaseStatus.Completed, true, "J-1"), (done.Status, done.Closed, done.Outcome!.CertificateNo));
        Assert.All(done.Steps, s => Assert.Equal((StepStatus.Succeeded, false), (s.Status, s.NeedsAttention)));
        Assert.Equal(2, done.StatusChanges);
        VerifyRaised(rig.UpdateA, Times.Once());
        VerifyRaised(rig.UpdateB, Times.Once());

        var trail = await AuditTrails.OnAzurite(Azurite).ReadAsync(rig.CaseId, Ct);
        var closing = Assert.Single(trail.Entries, e => e.Action == "closed");
        Assert.Equal((nameof(CaseStatus.Completed), trail.Entries[^1].Seq), (closing.Outcome, closing.Seq));
        Assert.Equal((false, closing.Seq), (trail.Head!.Open, trail.Head.SignedSeq));
        Assert.Null(Tongban.Audit.AuditVerifier.Check(trail, AuditTrails.Signer));
    }

    [Fact]
    public async Task The_completing_steps_message_delivered_again_after_the_case_closed_still_hands_its_answer_over_and_adds_nothing()
    {
        var rig = await DispatchedAsync(completes: true);
        await HandleAsync(rig, rig.UpdateA);
        await HandleAsync(rig, rig.UpdateB);
        var entries = (await AuditTrails.OnAzurite(Azurite).ReadAsync(rig.CaseId, Ct)).Entries.Count;
        var closed = await RecordAsync(rig);

        // The hub died after the completing write and before the raise: the queue delivers the message again.
        await HandleAsync(rig, rig.UpdateB, delivery: 2);
        await HandleAsync(rig, rig.UpdateA, delivery: 2);

        VerifyRaised(rig.UpdateB, Times.Exactly(2));
        VerifyRaised(rig.UpdateA, Times.Exactly(2));
        var after = await RecordAsync(rig);
        Assert.Equal((closed.Status, closed.StatusChanges, closed.UpdatedAt), (after.Status, after.StatusChanges, after.UpdatedAt));
        var trail = await AuditTrails.OnAzurite(Azurite).ReadAsync(rig.CaseId, Ct);
        // A call's entry is the step's round's (made again, it adds nothing), and the status change is not recorded twice.
        Assert.Equal(entries, trail.Entries.Count);
        Assert.Single(trail.Entries, e => e.Action == "closed");
    }

    [Fact]
    public async Task A_later_round_of_a_completing_step_whose_answer_was_lost_is_still_sent_and_answered_after_the_case_closed()
    {
        var rig = await DispatchedAsync(completes: true);
        await HandleAsync(rig, rig.UpdateA);
        await HandleAsync(rig, rig.UpdateB);
        var queue = Azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(Code));
        await queue.ClearMessagesAsync(Ct);

        // partyB's answer never reached the orchestration (its raise kept failing until the message went to poison, which
        // raised a failure): the workflow sends the step again on round 2.
        var again = rig.UpdateB with { Round = 2 };
        await rig.Activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(rig.CaseId, [again], DateTimeOffset.UtcNow), Ct);
        var queued = TongbanJson.Deserialize<ProvinceStep>(Assert.Single((await queue.PeekMessagesAsync(32, Ct)).Value).Body.ToString());
        Assert.Equal((again.StepKey, 2), (queued.StepKey, queued.Round));
        await HandleAsync(rig, queued);

        VerifyRaised(again, Times.Once());
        var record = await RecordAsync(rig);
        Assert.Equal((CaseStatus.Completed, true), (record.Status, record.Closed));

        // A round-1 dispatch delivered again late is still dropped, and so is work for a closed case's other steps: the
        // queue holds the round-2 message alone (peeked, not taken).
        await rig.Activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(rig.CaseId, [rig.UpdateA, rig.UpdateB], DateTimeOffset.UtcNow), Ct);
        await rig.Activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(rig.CaseId, [rig.UpdateA with { StepName = StepNames.VerifyResident, Round = 2 }], DateTimeOffset.UtcNow), Ct);
        Assert.Single((await queue.PeekMessagesAsync(32, Ct)).Value);
    }

    [Fact]
    public async Task Work_for_a_step_outside_the_completing_batch_is_dropped_once_the_case_completed()
    {
        var rig = await DispatchedAsync(completes: true);
        await HandleAsync(rig, rig.UpdateA);
        await HandleAsync(rig, rig.UpdateB);
        var verify = rig.UpdateA with { StepName = StepNames.VerifyResident, Operation = CanonicalOperations.ResidentVerify };

        await HandleAsync(rig, verify, delivery: 2);

        Province.Verify(p => p.VerifyResidentAsync(It.IsAny<Person>(), It.IsAny<CancellationToken>()), Times.Never());
        Durable.Verify(d => d.RaiseEventAsync(rig.CaseId, CaseEvents.StepResult(verify.StepKey, 1), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never());
    }

    [Fact]
    public async Task A_batch_dispatched_as_before_version_4_leaves_completing_the_case_to_its_workflow()
    {
        var rig = await DispatchedAsync(completes: false);

        await HandleAsync(rig, rig.UpdateA);
        await HandleAsync(rig, rig.UpdateB);

        var record = await RecordAsync(rig);
        Assert.Equal((CaseStatus.InProgress, false), (record.Status, record.Closed));
        Assert.Empty(record.CompletingSteps);
        Assert.All(record.Steps, s => Assert.Equal(StepStatus.Succeeded, s.Status));
        Assert.DoesNotContain((await AuditTrails.OnAzurite(Azurite).ReadAsync(rig.CaseId, Ct)).Entries, e => e.Action == "closed");
    }
}
