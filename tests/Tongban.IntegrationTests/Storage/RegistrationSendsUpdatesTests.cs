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
/// Azurite, with the province mocked and the orchestration client mocked (the test's province registers and holds both parties, so
/// the updates sent are handled where the registration was, without a queue message): one case-row write for the answer and
/// the sending, then the updates complete the case; an update whose province does not answer goes on its queue; a
/// registration delivered again sends only what has not succeeded and still hands its answer over after the close; a refusal,
/// an answer without a certificate or a message that names nothing sends nothing.
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
    public async Task The_registrations_success_records_the_certificate_and_sends_both_updates_in_one_write_handled_here_at_its_own_province()
    {
        var rig = await DispatchedAsync();
        var before = Requests.Lines.Count;

        await HandleAsync(rig, rig.Register);

        // Three writes of the case row: the registration's success with the certificate and the updates opened as the completing
        // batch, then each update's answer (the last, completing the case, with the partner's callback row: a transaction).
        Assert.Equal([$"PATCH {StorageNames.CasesTable}", $"PATCH {StorageNames.CasesTable}", "POST $batch"],
            Requests.Lines.Skip(before).Where(l => l.StartsWith($"PATCH {StorageNames.CasesTable}", StringComparison.Ordinal) || l.Contains("$batch", StringComparison.Ordinal))
                .Select(l => string.Join(' ', l.Split(' ').Take(2))));
        VerifyRaised(rig.Register, StepOutcome.Succeeded, sent: true, Times.Once());
        // Both updates are at the province that registered: handled here, on the row the registration wrote (no read), not queued.
        Assert.DoesNotContain(Requests.Lines.Skip(before), l => l.StartsWith($"GET {StorageNames.CasesTable}", StringComparison.Ordinal));
        Assert.Empty(await QueuedAsync());
        Province.Verify(p => p.UpdateMaritalStatusAsync(It.Is<MaritalUpdate>(u => u.CertificateNo == CertificateNo), It.IsAny<CancellationToken>()), Times.Exactly(2));
        foreach (var update in rig.Updates) VerifyRaised(update, StepOutcome.Succeeded, sent: false, Times.Once());
        var done = await RecordAsync(rig);
        Assert.Equal((CaseStatus.Completed, true, CertificateNo, rig.Register.StepKey), (done.Status, done.Closed, done.Outcome!.CertificateNo, done.SentBy));
        Assert.Equal(BeijingTime.Today(TimeProvider.System).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), done.Outcome.RegisteredOn);
        var trail = await AuditTrails.OnAzurite(Azurite).ReadAsync(rig.CaseId, Ct);
        Assert.Equal([rig.Register.StepKey, .. rig.Updates.Select(u => u.StepKey)],
            trail.Entries.Where(e => e.Step is not null && e.Action == "province-call").Select(e => e.Step).ToList());
    }

    [Fact]
    public async Task An_update_whose_province_does_not_answer_here_goes_on_its_queue_and_a_registration_delivered_again_sends_only_what_has_not_succeeded()
    {
        var rig = await DispatchedAsync();
        // partyA's update answers; partyB's gets no answer the first time, then answers.
        var calls = 0;
        Province.Setup(p => p.UpdateMaritalStatusAsync(It.IsAny<MaritalUpdate>(), It.IsAny<CancellationToken>()))
            .Returns(() => ++calls == 2
                ? throw new ProvinceTransientException(Code, "no answer")
                : Task.FromResult(ProvinceAnswer<Acknowledged>.Ok(Acknowledged.Instance)));

        await HandleAsync(rig, rig.Register);

        // The registration's message is done with (nothing thrown); partyB's update is on its queue, as it would have been sent.
        var record = await RecordAsync(rig);
        Assert.Equal((StepStatus.Succeeded, StepStatus.Running, CaseStatus.InProgress),
            (record.FindStep(rig.Updates[0].StepKey)!.Status, record.FindStep(rig.Updates[1].StepKey)!.Status, record.Status));
        Assert.Equal(1, record.FindStep(rig.Updates[1].StepKey)!.Attempts);
        var queued = Assert.Single(await QueuedAsync());
        Assert.Equal((rig.Updates[1].StepKey, 1), (queued.StepKey, queued.Round));

        // The registration delivered again (its answer's raise had failed): only partyB's update, not succeeded, is sent again.
        await Queue.ClearMessagesAsync(Ct);
        await HandleAsync(rig, rig.Register, delivery: 2);
        Assert.Equal(3, calls);
        VerifyRaised(rig.Register, StepOutcome.Succeeded, sent: true, Times.Exactly(2));
        var closed = await RecordAsync(rig);
        Assert.Equal((CaseStatus.Completed, true, 2), (closed.Status, closed.Closed, closed.FindStep(rig.Updates[1].StepKey)!.Attempts));
        Assert.Empty(await QueuedAsync());

        // Delivered once more after the case closed: still answered, nothing sent, the row as it was.
        await HandleAsync(rig, rig.Register, delivery: 3);
        VerifyRaised(rig.Register, StepOutcome.Succeeded, sent: true, Times.Exactly(3));
        Assert.Equal(3, calls);
        Assert.Empty(await QueuedAsync());
        Assert.Equal(closed.UpdatedAt, (await RecordAsync(rig)).UpdatedAt);
    }

    [Fact]
    public async Task Told_with_its_updates_the_registrations_success_raises_nothing_and_the_last_update_tells_all_three()
    {
        var rig = await DispatchedAsync(together: true);

        await HandleAsync(rig, rig.Register);

        // The updates, handled here one after the other: the registration and partyA's kept quiet, partyB's telling all three.
        VerifyRaised(rig.Register, StepOutcome.Succeeded, sent: true, Times.Never());
        Assert.Empty(await QueuedAsync());
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
