using Moq;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Provinces;
using Tongban.Storage;
using Tongban.Workflows;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// From workflow version 6 marriage.register's message names both marital.update steps (<see cref="ProvinceStep.Then"/>), and
/// the step handler's write of its success records the certificate, opens the updates as the completing batch and queues them,
/// and the answer raised says so (<see cref="StepResult.SentNext"/>), so that the workflow runs no dispatch of its own. On
/// Azurite, with the province mocked and the orchestration client mocked: one case-row write for the answer and the sending;
/// the updates then complete the case; a registration delivered again sends only what has not succeeded and still hands its
/// answer over after the close; a refusal, an answer without a certificate or a message that names nothing sends nothing.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RegistrationSendsUpdatesTests(AzuriteFixture azurite) : MockedProvinceTest(azurite)
{
    private const string CertificateNo = "J310115-2026-000042";

    private sealed record Rig(MockedMarriage Case, ProvinceStep Register, IReadOnlyList<ProvinceStep> Updates) : MockedMarriage(Case);

    /// <summary>
    /// A marriage at the test's province, approved, its registration dispatched as version 6 does (<paramref name="sends"/>) or
    /// version 5; the province registers with <paramref name="answer"/> (a certificate by default) and acknowledges updates.
    /// </summary>
    /// <param name="together">As version 10 does: the registration and the updates one batch told together.</param>
    private async Task<Rig> DispatchedAsync(bool sends = true, ProvinceAnswer<MarriageCertificate>? answer = null, bool together = false)
    {
        Province.Setup(p => p.RegisterMarriageAsync(It.IsAny<MarriageRegistration>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(answer ?? ProvinceAnswer<MarriageCertificate>.Ok(new MarriageCertificate(CertificateNo)));
        Province.Setup(p => p.UpdateMaritalStatusAsync(It.IsAny<MaritalUpdate>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProvinceAnswer<Acknowledged>.Ok(Acknowledged.Instance));
        var marriage = await MarriageAsync();
        var updates = new[] { "partyA", "partyB" }
            .Select(p => new ProvinceStep(marriage.CaseId, StepNames.UpdateMaritalStatus, p, CanonicalOperations.MaritalUpdate, Code, 1)).ToList();
        var register = new ProvinceStep(marriage.CaseId, StepNames.RegisterMarriage, null, CanonicalOperations.MarriageRegister, Code, 1);
        if (together)
        {
            IReadOnlyList<string> keys = [register.StepKey, .. updates.Select(u => u.StepKey)];
            register = register with { Together = keys };
            updates = [.. updates.Select(u => u with { Together = keys })];
        }

        register = register with
        {
            Then = sends ? new ProvinceStepDispatch(marriage.CaseId, updates, DateTimeOffset.UtcNow) { CompletesCase = true, OutcomeFromAnswer = true } : null,
        };
        await marriage.Activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(marriage.CaseId, [register], DateTimeOffset.UtcNow, CaseStatus.InProgress)
        {
            Changes = [new StepChange(StepNames.OfficerReview, null, Code, StepStatus.Succeeded, DateTimeOffset.UtcNow, "approved by officer-7")],
            IrreversibleStep = StepNames.RegisterMarriage,
        }, Ct);
        await Queue.ClearMessagesAsync(Ct);
        Requests.Clear();
        return new Rig(marriage, register, updates);
    }

    private Azure.Storage.Queues.QueueClient Queue => Azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(Code));

    /// <summary>The step messages on the test's province queue (peeked, not taken).</summary>
    private async Task<List<ProvinceStep>> QueuedAsync() =>
        [.. (await Queue.PeekMessagesAsync(32, Ct)).Value.Select(m => TongbanJson.Deserialize<ProvinceStep>(m.Body.ToString()))];

    /// <summary>How many times <paramref name="item"/>'s answer was raised as <paramref name="outcome"/>, saying (or not) that it sent the steps after it.</summary>
    private void VerifyRaised(ProvinceStep item, StepOutcome outcome, bool sent, Times times) => Durable.Verify(d => d.RaiseEventAsync(item.CaseId,
        CaseEvents.StepResult(item.StepKey, item.Round), It.Is<object?>(o => o is StepResult && ((StepResult)o).Outcome == outcome && ((StepResult)o).SentNext == sent),
        It.IsAny<CancellationToken>()), times);

    [Fact]
    public async Task The_registrations_success_records_the_certificate_and_sends_both_updates_in_one_write_and_its_answer_says_so()
    {
        var rig = await DispatchedAsync();

        await HandleAsync(rig, rig.Register);

        Assert.Equal(1, Requests.Lines.Count(l => l.StartsWith($"PATCH {StorageNames.CasesTable}", StringComparison.Ordinal)));
        var record = await RecordAsync(rig);
        Assert.Equal((CaseStatus.InProgress, rig.Register.StepKey, CertificateNo), (record.Status, record.SentBy, record.Outcome!.CertificateNo));
        Assert.Equal(BeijingTime.Today(TimeProvider.System).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), record.Outcome.RegisteredOn);
        Assert.Equal(StepStatus.Succeeded, record.FindStep(rig.Register.StepKey)!.Status);
        Assert.All(rig.Updates, u => Assert.Equal(StepStatus.Running, record.FindStep(u.StepKey)!.Status));
        Assert.Equal(rig.Updates.Select(u => u.StepKey), record.CompletingSteps);
        var queued = await QueuedAsync();
        Assert.Equal(rig.Updates.Select(u => (u.StepKey, 1)), queued.Select(q => (q.StepKey, q.Round)).Order());
        VerifyRaised(rig.Register, StepOutcome.Succeeded, sent: true, Times.Once());

        // The updates sent complete the case, as the workflow's dispatch of them would have.
        foreach (var update in queued) await HandleAsync(rig, update);
        var done = await RecordAsync(rig);
        Assert.Equal((CaseStatus.Completed, true, CertificateNo), (done.Status, done.Closed, done.Outcome!.CertificateNo));
    }

    [Fact]
    public async Task A_registration_delivered_again_sends_only_what_has_not_succeeded_and_hands_its_answer_over_even_after_the_close()
    {
        var rig = await DispatchedAsync();
        await HandleAsync(rig, rig.Register);
        // The hub died after the write and before its messages were queued (lost here), or after partyA's update was answered.
        await Queue.ClearMessagesAsync(Ct);
        await HandleAsync(rig, rig.Updates[0]);

        await HandleAsync(rig, rig.Register, delivery: 2);
        Assert.Equal([rig.Updates[1].StepKey], (await QueuedAsync()).Select(q => q.StepKey));
        VerifyRaised(rig.Register, StepOutcome.Succeeded, sent: true, Times.Exactly(2));

        await HandleAsync(rig, rig.Updates[1]);
        await Queue.ClearMessagesAsync(Ct);
        var closed = await RecordAsync(rig);
        Assert.Equal((CaseStatus.Completed, true), (closed.Status, closed.Closed));

        // Delivered once more after the case closed (its raise had failed): still answered, nothing sent, the row as it was.
        await HandleAsync(rig, rig.Register, delivery: 3);
        VerifyRaised(rig.Register, StepOutcome.Succeeded, sent: true, Times.Exactly(3));
        Assert.Empty(await QueuedAsync());
        Assert.Equal(closed.UpdatedAt, (await RecordAsync(rig)).UpdatedAt);
    }

    [Fact]
    public async Task Told_with_its_updates_the_registrations_success_raises_nothing_and_the_last_update_tells_all_three()
    {
        var rig = await DispatchedAsync(together: true);

        await HandleAsync(rig, rig.Register);

        VerifyRaised(rig.Register, StepOutcome.Succeeded, sent: true, Times.Never());
        Assert.Equal([rig.Register.StepKey], await rig.Activities.QuietStepsAsync(new QuietStepsQuery(rig.CaseId, rig.Register.Together!), Ct));
        var queued = await QueuedAsync();
        Assert.Equal(rig.Updates.Select(u => u.StepKey), queued.Select(q => q.StepKey).Order());
        foreach (var update in queued.OrderBy(q => q.StepKey, StringComparer.Ordinal)) await HandleAsync(rig, update);

        var told = Assert.Single(BatchesOf(rig.Register));
        Assert.Equal([rig.Register.StepKey, .. rig.Updates.Select(u => u.StepKey)], told.Answers.Keys.Order(StringComparer.Ordinal));
        Assert.True(told.Answers[rig.Register.StepKey].Cleared);
        Assert.True(told.Answers[rig.Updates[0].StepKey].Cleared);
        Assert.Equal(StepOutcome.Succeeded, told.Answers[rig.Updates[1].StepKey].Outcome);
        Assert.False(told.Answers[rig.Updates[1].StepKey].Cleared);
        foreach (var step in rig.Updates) VerifyRaised(step, StepOutcome.Succeeded, sent: false, Times.Never());
        Assert.Equal((CaseStatus.Completed, CertificateNo), ((await RecordAsync(rig)).Status, (await RecordAsync(rig)).Outcome!.CertificateNo));
    }

    [Fact]
    public async Task Told_with_its_updates_a_registration_that_sent_nothing_is_raised_on_its_own()
    {
        var rig = await DispatchedAsync(together: true, answer: ProvinceAnswer<MarriageCertificate>.Ok(new MarriageCertificate(null!)));

        await HandleAsync(rig, rig.Register);

        VerifyRaised(rig.Register, StepOutcome.Succeeded, sent: false, Times.Once());
        Assert.Empty(await rig.Activities.QuietStepsAsync(new QuietStepsQuery(rig.CaseId, rig.Register.Together!), Ct));
        Assert.Empty(BatchesOf(rig.Register));
    }

    /// <summary>The events raised for <paramref name="item"/>'s batch, in order.</summary>
    private List<BatchAnswers> BatchesOf(ProvinceStep item) => [.. Durable.Invocations
        .Where(i => i.Method.Name == nameof(Microsoft.DurableTask.Client.DurableTaskClient.RaiseEventAsync) && (string?)i.Arguments[1] == CaseEvents.Batch(item.Together!))
        .Select(i => (BatchAnswers)i.Arguments[2]!)];

    [Theory]
    [InlineData("refused")]
    [InlineData("no certificate")]
    [InlineData("older version")]
    public async Task A_refusal_an_answer_without_a_certificate_or_a_message_that_names_nothing_sends_nothing(string what)
    {
        var rig = await DispatchedAsync(sends: what != "older version", answer: what switch
        {
            "refused" => ProvinceAnswer<MarriageCertificate>.Refused("one of the parties is married"),
            "no certificate" => ProvinceAnswer<MarriageCertificate>.Ok(new MarriageCertificate(null!)),
            _ => null,
        });

        await HandleAsync(rig, rig.Register);

        var record = await RecordAsync(rig);
        Assert.Null(record.SentBy);
        Assert.Null(record.Outcome?.CertificateNo);
        Assert.Empty(record.CompletingSteps);
        Assert.All(rig.Updates, u => Assert.Null(record.FindStep(u.StepKey)));
        Assert.Empty(await QueuedAsync());
        VerifyRaised(rig.Register, what == "refused" ? StepOutcome.Refused : StepOutcome.Succeeded, sent: false, Times.Once());
    }
}
