using Moq;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Provinces;
using Tongban.Workflows;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// From workflow version 8 a marriage's four checks are told to the workflow in one event (<see cref="ProvinceStep.Together"/>,
/// <see cref="BatchAnswers"/>). On Azurite, with the province and the orchestration client mocked: a first-round clear success
/// that leaves the batch unfinished raises nothing; the answer that finishes it raises the batch's event only; delivered again,
/// it raises that event and its own; a refusal raises its own with the silent successes told alongside; the row says which
/// steps succeeded without a word (the workflow's read when its time-out comes first).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BatchToldTogetherTests(AzuriteFixture azurite) : MockedProvinceTest(azurite)
{
    private void VerifyOwn(ProvinceStep item, Times times) => Durable.Verify(d => d.RaiseEventAsync(item.CaseId,
        CaseEvents.StepResult(item.StepKey, item.Round), It.IsAny<object?>(), It.IsAny<CancellationToken>()), times);

    /// <summary>The batch events raised, in order.</summary>
    private List<BatchAnswers> Batches(MarriageChecks rig) => [.. Durable.Invocations
        .Where(i => i.Method.Name == nameof(Microsoft.DurableTask.Client.DurableTaskClient.RaiseEventAsync) && (string?)i.Arguments[1] == CaseEvents.Batch(rig.Checks[0].Together!))
        .Select(i => (BatchAnswers)i.Arguments[2]!)];

    /// <summary>The batch events raised, each as its steps (sorted), "~" after one told cleared.</summary>
    private List<string> BatchEvents(MarriageChecks rig) => [.. Batches(rig)
        .Select(b => string.Join(",", b.Answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}{(a.Value.Cleared ? "~" : "")}")))];

    [Fact]
    public async Task Three_clear_checks_raise_nothing_and_the_fourth_tells_all_four_in_one_event_that_moves_the_case()
    {
        var rig = await ChecksDispatchedAsync(together: true);

        foreach (var check in rig.Checks) await HandleAsync(rig, check);

        foreach (var check in rig.Checks) VerifyOwn(check, Times.Never());
        var last = rig.Checks[^1].StepKey;
        Assert.Equal([string.Join(",", rig.Checks.Select(c => c.StepKey).Order(StringComparer.Ordinal).Select(k => k == last ? k : k + "~"))], BatchEvents(rig));
        var batch = Assert.Single(Batches(rig));
        Assert.True(batch.Answers[last].MovedCase);
        Assert.IsType<MaritalStatusCheck>(batch.Answers[last].Data);
        Assert.Equal(CaseStatus.AwaitingReview, (await RecordAsync(rig)).Status);

        // The hub died between the last write and the raise: delivered again, the batch's event again, and its own this time.
        await HandleAsync(rig, rig.Checks[^1], delivery: 2);
        Assert.Equal(2, BatchEvents(rig).Count);
        VerifyOwn(rig.Checks[^1], Times.Once());
    }

    [Fact]
    public async Task A_refusal_is_raised_on_its_own_with_the_silent_successes_told_and_the_row_names_them()
    {
        var rig = await ChecksDispatchedAsync(together: true, partyB: MaritalStatus.Married);
        var refusing = rig.Checks.Single(c => c.StepKey == $"{StepNames.CheckMaritalStatus}.partyB");
        var before = rig.Checks.TakeWhile(c => c != refusing).ToList();
        foreach (var check in before) await HandleAsync(rig, check);
        Assert.Empty(BatchEvents(rig));
        Assert.Equal(before.Select(c => c.StepKey),
            await rig.Activities.QuietStepsAsync(new QuietStepsQuery(rig.CaseId, rig.Checks[0].Together!), Ct));

        await HandleAsync(rig, refusing);

        VerifyOwn(refusing, Times.Once());
        Assert.Equal([string.Join(",", before.Select(c => c.StepKey + "~").Order(StringComparer.Ordinal))], BatchEvents(rig));
        foreach (var check in before) VerifyOwn(check, Times.Never());
        Assert.Equal(CaseStatus.InProgress, (await RecordAsync(rig)).Status);
    }

    [Fact]
    public async Task After_a_check_with_no_record_the_clear_answers_are_told_together_once_none_is_left_to_answer()
    {
        var rig = await ChecksDispatchedAsync(together: true);
        Province.Setup(p => p.VerifyResidentAsync(It.Is<Person>(x => x.IdNumber == CaseData.PartyAIdNumber), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProvinceAnswer<ResidentVerification>.NoRecord());
        var noRecord = rig.Checks.Single(c => c.StepKey == $"{StepNames.VerifyResident}.partyA");
        await HandleAsync(rig, noRecord);
        VerifyOwn(noRecord, Times.Once());
        Assert.Empty(BatchEvents(rig));

        var clear = rig.Checks.Where(c => c != noRecord).ToList();
        await HandleAsync(rig, clear[0]);
        await HandleAsync(rig, clear[1]);
        Assert.Empty(BatchEvents(rig));
        await HandleAsync(rig, clear[2]);

        foreach (var check in clear) VerifyOwn(check, Times.Never());
        Assert.Equal([$"{clear[0].StepKey}~,{clear[2].StepKey},{clear[1].StepKey}~".Split(',').Order(StringComparer.Ordinal).Aggregate((a, b) => a + "," + b)],
            BatchEvents(rig));
        Assert.Equal(CaseStatus.InProgress, (await RecordAsync(rig)).Status);
    }

    [Fact]
    public async Task A_success_whose_answer_refuses_the_case_is_never_told_cleared_with_the_batch()
    {
        // partyB is married: a success the workflow's assessment refuses, shown Succeeded on the row. Answered first, it is
        // raised on its own; the batch's event after the others tells only the quiet ones, never it (were it told cleared
        // before its own event reached the workflow, the refusal would be missed and the marriage registered).
        var rig = await ChecksDispatchedAsync(together: true, partyB: MaritalStatus.Married);
        var married = rig.Checks.Single(c => c.StepKey == $"{StepNames.CheckMaritalStatus}.partyB");
        await HandleAsync(rig, married);
        VerifyOwn(married, Times.Once());
        Assert.Equal(StepStatus.Succeeded, (await RecordAsync(rig)).FindStep(married.StepKey)!.Status);

        var clear = rig.Checks.Where(c => c != married).ToList();
        foreach (var check in clear) await HandleAsync(rig, check);

        var told = Assert.Single(Batches(rig));
        Assert.Equal(clear.Select(c => c.StepKey).Order(StringComparer.Ordinal), told.Answers.Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(married.StepKey, await rig.Activities.QuietStepsAsync(new QuietStepsQuery(rig.CaseId, rig.Checks[0].Together!), Ct));
        Assert.Equal(CaseStatus.InProgress, (await RecordAsync(rig)).Status);
    }
}
