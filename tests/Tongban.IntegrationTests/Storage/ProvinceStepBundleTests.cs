using Moq;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Provinces;
using Tongban.Provinces.Resilience;
using Tongban.Storage;
using Tongban.Workflows;
using Tongban.Workflows.Dispatch;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// A dispatch's queries for one province go on its queue as one message (<see cref="ProvinceStepQueue.Bundles"/>): the step
/// handler calls the province for each side by side and writes their answers to the case in one write, entered in the trail
/// in one transaction. On Azurite, the province and the orchestration client mocked (the test's province is both parties').
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProvinceStepBundleTests(AzuriteFixture azurite) : MockedProvinceTest(azurite)
{
    private async Task<string> TheMessageAsync()
    {
        var queue = Azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(Code));
        var message = Assert.Single((await queue.ReceiveMessagesAsync(32, cancellationToken: Ct)).Value);
        return message.Body.ToString();
    }

    private List<BatchAnswers> Batches(MarriageChecks rig) => [.. Durable.Invocations
        .Where(i => i.Method.Name == nameof(Microsoft.DurableTask.Client.DurableTaskClient.RaiseEventAsync) && (string?)i.Arguments[1] == CaseEvents.Batch(rig.Checks[0].Together!))
        .Select(i => (BatchAnswers)i.Arguments[2]!)];

    private void VerifyOwn(ProvinceStep item, Times times) => Durable.Verify(d => d.RaiseEventAsync(item.CaseId,
        CaseEvents.StepResult(item.StepKey, item.Round), It.IsAny<object?>(), It.IsAny<CancellationToken>()), times);

    [Fact]
    public async Task A_provinces_four_checks_are_one_message_answered_in_one_case_write_one_trail_transaction_and_one_event()
    {
        var rig = await ChecksDispatchedAsync(together: true);
        var message = await TheMessageAsync();
        Assert.Equal(rig.Checks.Select(c => c.StepKey), ProvinceStepQueue.Read(message).Select(s => s.StepKey));
        var entriesBefore = (await AuditTrails.OnAzurite(Azurite).ReadAsync(rig.CaseId, Ct)).Entries.Count;
        Requests.Clear();

        await rig.Handler.HandleAsync(message, 1, Ct);

        // The four answers and the move to review: one write of the case row (a transaction with the partner's callback row), the
        // dispatch's row, last written here, not read again.
        Assert.Equal(["POST $batch"], Requests.Lines.Where(l => l.Contains("TongbanCases", StringComparison.Ordinal) || l.Contains("$batch", StringComparison.Ordinal)));
        var record = await RecordAsync(rig);
        Assert.Equal(CaseStatus.AwaitingReview, record.Status);
        Assert.All(rig.Checks, c => Assert.Equal((StepStatus.Succeeded, 1), (record.FindStep(c.StepKey)!.Status, record.FindStep(c.StepKey)!.Attempts)));
        // Told as four answers one after another would be: three quiet, the last telling all four, no step's own event.
        var batch = Assert.Single(Batches(rig));
        Assert.Equal(rig.Checks.Select(c => c.StepKey).Order(StringComparer.Ordinal), batch.Answers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, batch.Answers.Values.Count(a => a.Cleared));
        Assert.True(batch.Answers[rig.Checks[^1].StepKey].MovedCase);
        foreach (var check in rig.Checks) VerifyOwn(check, Times.Never());
        // In the trail: each call, then the status change, all valid in the chain.
        var trail = await AuditTrails.OnAzurite(Azurite).ReadAsync(rig.CaseId, Ct);
        var added = trail.Entries.Skip(entriesBefore).ToList();
        Assert.Equal(rig.Checks.Select(c => (string?)c.StepKey).Append(null), added.Select(e => e.Step));
        Assert.Equal(nameof(CaseStatus.AwaitingReview), added[^1].Outcome);
        Assert.Null(Tongban.Audit.AuditVerifier.Check(trail, AuditTrails.Signer));

        // Delivered again (the hub died before the message's delete): nothing written or entered again; each step hands its
        // answer over as its own message delivered again would (the batch's event and its own: the workflow takes the first).
        await rig.Handler.HandleAsync(message, 2, Ct);
        Assert.Equal(record.UpdatedAt, (await RecordAsync(rig)).UpdatedAt);
        Assert.Equal(trail.Entries.Count, (await AuditTrails.OnAzurite(Azurite).ReadAsync(rig.CaseId, Ct)).Entries.Count);
        Assert.Equal(1 + rig.Checks.Count, Batches(rig).Count);
        foreach (var check in rig.Checks) VerifyOwn(check, Times.Once());
    }

    [Fact]
    public async Task A_check_whose_province_fails_puts_the_bundle_back_its_siblings_answers_written_and_given_up_on_it_alone_is_failed()
    {
        var rig = await ChecksDispatchedAsync(together: true);
        var failing = rig.Checks.Single(c => c.StepKey == $"{StepNames.CheckMaritalStatus}.partyB");
        Province.Setup(p => p.GetMaritalStatusAsync(It.Is<Person>(x => x.IdNumber == CaseData.PartyBIdNumber), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ProvinceTransientException(Code, "system busy"));
        var message = await TheMessageAsync();

        await Assert.ThrowsAsync<ProvinceTransientException>(() => rig.Handler.HandleAsync(message, 1, Ct));

        var record = await RecordAsync(rig);
        Assert.Equal(CaseStatus.InProgress, record.Status);
        Assert.Equal((StepStatus.Running, 1), (record.FindStep(failing.StepKey)!.Status, record.FindStep(failing.StepKey)!.Attempts));
        var siblings = rig.Checks.Where(c => c != failing).ToList();
        Assert.All(siblings, c => Assert.Equal(StepStatus.Succeeded, record.FindStep(c.StepKey)!.Status));
        Assert.Empty(Batches(rig));

        // The queue gives up on the message: the failing check is failed and raised, its siblings' successes told alongside and
        // kept (not failed with it).
        await rig.Handler.HandlePoisonAsync(message, Ct);

        var after = await RecordAsync(rig);
        Assert.Equal(StepStatus.Failed, after.FindStep(failing.StepKey)!.Status);
        Assert.All(siblings, c => Assert.Equal(StepStatus.Succeeded, after.FindStep(c.StepKey)!.Status));
        VerifyOwn(failing, Times.Once());
        foreach (var sibling in siblings) VerifyOwn(sibling, Times.Never());
        var told = Assert.Single(Batches(rig));
        Assert.Equal(siblings.Select(c => c.StepKey).Order(StringComparer.Ordinal), told.Answers.Keys.Order(StringComparer.Ordinal));
        Assert.All(told.Answers.Values, a => Assert.True(a.Cleared));
    }

    [Fact]
    public async Task A_check_whose_province_is_over_its_rate_goes_back_on_its_own_and_its_siblings_are_written()
    {
        var rig = await ChecksDispatchedAsync(together: true);
        var parked = rig.Checks.Single(c => c.StepKey == $"{StepNames.VerifyResident}.partyA");
        Province.Setup(p => p.VerifyResidentAsync(It.Is<Person>(x => x.IdNumber == CaseData.PartyAIdNumber), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ProvinceParkedException(Code, "over the rate", TimeSpan.FromSeconds(1)));
        var message = await TheMessageAsync();

        await rig.Handler.HandleAsync(message, 1, Ct);

        var record = await RecordAsync(rig);
        Assert.Equal(StepStatus.Running, record.FindStep(parked.StepKey)!.Status);
        Assert.All(rig.Checks.Where(c => c != parked), c => Assert.Equal(StepStatus.Succeeded, record.FindStep(c.StepKey)!.Status));
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        Assert.Equal(parked.StepKey, Assert.Single(ProvinceStepQueue.Read(await TheMessageAsync())).StepKey);
    }
}
