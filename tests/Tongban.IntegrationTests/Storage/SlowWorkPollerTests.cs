using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using Tongban.Cases;
using Tongban.Configuration;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Operations;
using Tongban.Provinces;
using Tongban.Security;
using Tongban.Storage;
using Tongban.Workflows;
using Tongban.Workflows.Dispatch;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// Handing province answers to the orchestration, on Azurite with a polling province and the orchestration client mocked: a
/// hub that dies between taking an answer and handing it over must not lose it, and an answer that comes before its
/// orchestration has started waits instead of being raised into the engine's "No such instance" discard.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SlowWorkPollerTests(AzuriteFixture azurite) : IDisposable
{
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
    private readonly ServiceProvider http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    private readonly Mock<DurableTaskClient> durable = new("test-hub");
    private readonly Mock<IProvinceAdapter> province = new();
    private readonly string code = CaseData.NewProvinceCode();

    public void Dispose() => http.Dispose();

    private static readonly SlowWorkResult Approved = new(SlowWorkState.Approved, IdNumber: ChildIdNumber, HouseholdNo: "H-1");

    private OrchestrationRuntimeStatus engineStatus = OrchestrationRuntimeStatus.Running;

    private (SlowWorkPoller Poller, CaseStore Cases, TicketStore Tickets, ProvinceStepHandler Handler) Build()
    {
        durable.AcceptsEvents(() => engineStatus);
        province.SetupGet(p => p.ProvinceCode).Returns(code);
        province.SetupGet(p => p.SlowWork).Returns(SlowWorkCompletion.Polling);
        var registry = ProvinceWorkHandlers.RegistryOf(code, province.Object, http.GetRequiredService<IHttpClientFactory>());
        var cases = new CaseStore(azurite.Tables, CaseData.NewCipher(), TimeProvider.System);
        var tickets = new TicketStore(azurite.Tables, TimeProvider.System);
        var handler = ProvinceWorkHandlers.OnAzurite(azurite, cases, registry, durable.Object);
        return (new SlowWorkPoller(registry, tickets, handler, NullLogger<SlowWorkPoller>.Instance), cases, tickets, handler);
    }

    /// <summary>A case whose newborn registration waits on <paramref name="ticket"/> at the test's province.</summary>
    private async Task<ProvinceStep> WaitingCaseAsync(CaseStore cases, TicketStore tickets, string ticket)
    {
        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([code], ct);
        var command = CaseData.MarriageCommand(code, code, code);
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, DateTimeOffset.UtcNow);
        await cases.CreateAsync(record, command, ct);
        var item = new ProvinceStep(record.CaseId, StepNames.RegisterNewborn, null, CanonicalOperations.NewbornRegister, code, 1);
        await cases.UpdateAsync(record.CaseId, r =>
        {
            var step = r.Step(item.StepName, item.Subject, code);
            (step.Status, step.StartedAt) = (StepStatus.Waiting, DateTimeOffset.UtcNow);
            return true;
        }, ct);
        Assert.Null(await tickets.RegisterAsync(code, ticket, item, ct));
        return item;
    }

    /// <summary>A case's resident verification at the test's province, which answers it; the engine says the orchestration is Pending.</summary>
    private async Task<(CaseStore Cases, ProvinceStepHandler Handler, ProvinceStep Item)> VerificationWhileStartPendingAsync()
    {
        var (_, cases, tickets, handler) = Build();
        var waiting = await WaitingCaseAsync(cases, tickets, "T-" + Guid.NewGuid().ToString("N"));
        province.Setup(p => p.VerifyResidentAsync(It.IsAny<Person>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProvinceAnswer<ResidentVerification>.Ok(new ResidentVerification(true, code, ResidentStatus.Normal)));
        engineStatus = OrchestrationRuntimeStatus.Pending;
        return (cases, handler, waiting with { StepName = StepNames.VerifyResident, Subject = "partyA", Operation = CanonicalOperations.ResidentVerify });
    }

    private void VerifyRaised(ProvinceStep item, Times times) => durable.Verify(d => d.RaiseEventAsync(item.CaseId,
        CaseEvents.StepResult(item.StepKey, item.Round), It.Is<object?>(o => o is StepResult && ((StepResult)o).Outcome == StepOutcome.Succeeded),
        It.IsAny<CancellationToken>()), times);

    /// <summary>A case waiting on a ticket that the province answers Approved when polled.</summary>
    private async Task<(SlowWorkPoller Poller, CaseStore Cases, ProvinceStep Item, string Ticket)> ApprovedTicketAsync()
    {
        var (poller, cases, tickets, _) = Build();
        var ticket = "T-" + Guid.NewGuid().ToString("N");
        var item = await WaitingCaseAsync(cases, tickets, ticket);
        province.Setup(p => p.QueryTicketAsync(It.IsAny<SlowTicket>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProvinceAnswer<SlowWorkResult>.Ok(Approved));
        return (poller, cases, item, ticket);
    }

    [Fact]
    public async Task A_hub_dying_before_the_answer_reaches_the_orchestration_leaves_the_ticket_to_be_polled_again()
    {
        var (poller, cases, item, ticket) = await ApprovedTicketAsync();
        // The first hand-over dies with the process (here: throws); the next one goes through.
        durable.SetupSequence(d => d.RaiseEventAsync(item.CaseId, It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new IOException("the hub died"))
            .Returns(Task.CompletedTask);

        await Assert.ThrowsAsync<IOException>(() => poller.PollAsync(ct));
        Assert.Equal(StepStatus.Succeeded, await StepStatusAsync(cases, item));
        AssertNoIdNumber(await RawTicketAsync(ticket) ?? throw new Xunit.Sdk.XunitException("the ticket's row went with the crash"));

        Assert.Equal(1, await poller.PollAsync(ct));
        VerifyRaised(item, Times.Exactly(2));

        // Handed over: the ticket is settled, its row deleted, and never asked about again.
        Assert.Null(await RawTicketAsync(ticket));
        Assert.Equal(0, await poller.PollAsync(ct));
        province.Verify(p => p.QueryTicketAsync(It.IsAny<SlowTicket>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task A_settled_ticket_leaves_no_row()
    {
        var (poller, cases, item, ticket) = await ApprovedTicketAsync();

        Assert.Equal(1, await poller.PollAsync(ct));

        Assert.Null(await RawTicketAsync(ticket));
        Assert.Equal(StepStatus.Succeeded, await StepStatusAsync(cases, item));
    }

    [Fact]
    public async Task An_early_result_is_stored_without_the_id_number_and_still_completes_the_step_once()
    {
        var result = Approved with { Reason = $"approved for {ChildIdNumber}", TransferId = "TR-1" };
        var (cases, tickets, handler, item, ticket) = await EarlyResultAsync(result);
        var early = await RawTicketAsync(ticket);
        AssertNoIdNumber(early!);
        var kept = TongbanJson.Deserialize<SlowWorkResult>(early!.GetString("Result"));
        Assert.Equal((IdNumberMask.Mask(ChildIdNumber), "H-1", "TR-1", SlowWorkState.Approved), (kept.IdNumber, kept.HouseholdNo, kept.TransferId, kept.State));

        await handler.HandleAsync(TongbanJson.Serialize(item), dequeueCount: 1, ct);

        VerifyRaised(item, Times.Once());
        Assert.Equal(StepStatus.Succeeded, await StepStatusAsync(cases, item));
        Assert.Null(await RawTicketAsync(ticket));

        // The province repeats its callback after the row is gone: answered (kept as unclaimed), nothing raised again.
        Assert.Null(await tickets.DeliverAsync(code, ticket, result, ct));
        VerifyRaised(item, Times.Once());
        AssertNoIdNumber((await RawTicketAsync(ticket))!);

        // The queue delivers the step's message again: the succeeded step records no new ticket and raises nothing.
        await tickets.SettleAsync(code, ticket, ct);
        await handler.HandleAsync(TongbanJson.Serialize(item), dequeueCount: 2, ct);
        Assert.Null(await RawTicketAsync(ticket));
        VerifyRaised(item, Times.Once());
    }

    [Fact]
    public async Task An_early_result_whose_orchestration_had_not_started_is_raised_when_the_message_comes_again()
    {
        var (cases, _, handler, item, ticket) = await EarlyResultAsync(Approved);
        var message = TongbanJson.Serialize(item);
        engineStatus = OrchestrationRuntimeStatus.Pending;

        await Assert.ThrowsAsync<OrchestrationNotStartedException>(() => handler.HandleAsync(message, dequeueCount: 1, ct));
        VerifyRaised(item, Times.Never());
        Assert.Equal(StepStatus.Succeeded, await StepStatusAsync(cases, item));
        Assert.NotNull(await RawTicketAsync(ticket)); // not settled: the result is still to be handed over

        engineStatus = OrchestrationRuntimeStatus.Running;
        await handler.HandleAsync(message, dequeueCount: 2, ct);
        VerifyRaised(item, Times.Once());
        Assert.Null(await RawTicketAsync(ticket));
    }

    /// <summary>A school transfer whose transfer-out the province answers with a ticket, and whose result came first.</summary>
    private async Task<(CaseStore Cases, TicketStore Tickets, ProvinceStepHandler Handler, ProvinceStep Item, string Ticket)> EarlyResultAsync(SlowWorkResult result)
    {
        var (_, cases, tickets, handler) = Build();
        var ticket = "T-" + Guid.NewGuid().ToString("N");
        var item = await TransferCaseAsync(cases);
        province.Setup(p => p.RequestTransferOutAsync(It.IsAny<TransferOutRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProvinceAnswer<SlowTicket>.Ok(new SlowTicket(ticket)));

        // The province's callback comes before the dispatcher has recorded the ticket.
        Assert.Null(await tickets.DeliverAsync(code, ticket, result, ct));
        return (cases, tickets, handler, item, ticket);
    }

    [Fact]
    public async Task An_unclaimed_result_is_purged_after_its_keeping_time_and_a_recorded_ticket_is_not()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tickets = new TicketStore(azurite.Tables, clock);
        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([code], ct);
        string unclaimed = "T-" + Guid.NewGuid().ToString("N"), recorded = "T-" + Guid.NewGuid().ToString("N");
        Assert.Null(await tickets.DeliverAsync(code, unclaimed, Approved, ct));
        Assert.Null(await tickets.DeliverAsync(code, recorded, Approved, ct));
        Assert.NotNull(await tickets.RegisterAsync(code, recorded, new ProvinceStep(CaseData.NewCaseId(), StepNames.RegisterNewborn, null,
            CanonicalOperations.NewbornRegister, code, 1), ct));

        clock.Advance(TicketStore.UnclaimedResultKeptFor - TimeSpan.FromMinutes(1));
        await tickets.PurgeUnclaimedAsync(1000, ct);
        Assert.NotNull(await RawTicketAsync(unclaimed));

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await tickets.PurgeUnclaimedAsync(1000, ct) >= 1);
        Assert.Null(await RawTicketAsync(unclaimed));
        Assert.NotNull(await RawTicketAsync(recorded));
    }

    private async Task<StepStatus> StepStatusAsync(CaseStore cases, ProvinceStep item) =>
        (await cases.GetAsync(item.CaseId, ct))!.Record.FindStep(item.StepKey)!.Status;

    private const string ChildIdNumber = "330106202601010011";

    private async Task<Azure.Data.Tables.TableEntity?> RawTicketAsync(string ticket)
    {
        var row = await azurite.Tables.GetTableClient(StorageNames.TicketsTable).GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>(code, ticket, cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    private static void AssertNoIdNumber(Azure.Data.Tables.TableEntity row)
    {
        Assert.NotEmpty(TableRows.StringValues(row));
        Assert.All(TableRows.StringValues(row), value => Assert.DoesNotContain(ChildIdNumber, value, StringComparison.Ordinal));
    }

    /// <summary>A school transfer handled at the test's province, its transfer-out not yet requested.</summary>
    private async Task<ProvinceStep> TransferCaseAsync(CaseStore cases)
    {
        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([code], ct);
        var command = new OpenCaseCommand(CaseType.SchoolTransfer, "REF-T", code, null,
            SchoolTransfer: new SchoolTransferDetails(new Student("S-1", CaseData.PartyAName, CaseData.PartyAIdNumber), code, "SRC-1", "TGT-1", 3, "moving"));
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, DateTimeOffset.UtcNow, CaseTypeNames.SchoolTransfer);
        await cases.CreateAsync(record, command, ct);
        return new ProvinceStep(record.CaseId, StepNames.RequestTransferOut, null, CanonicalOperations.TransferOutRequest, code, 1);
    }

    [Fact]
    public async Task Work_still_processing_is_postponed_and_handed_over_once_final()
    {
        var (poller, cases, tickets, _) = Build();
        var ticket = "T-" + Guid.NewGuid().ToString("N");
        var item = await WaitingCaseAsync(cases, tickets, ticket);
        province.SetupSequence(p => p.QueryTicketAsync(It.IsAny<SlowTicket>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProvinceAnswer<SlowWorkResult>.Ok(new SlowWorkResult(SlowWorkState.Processing)))
            .ReturnsAsync(ProvinceAnswer<SlowWorkResult>.Ok(Approved));

        Assert.Equal(0, await poller.PollAsync(ct));
        var postponed = (await tickets.GetAsync(code, ticket, ct))!;
        Assert.Equal(1, postponed.Polls);
        Assert.Equal(0, await poller.PollAsync(ct)); // not due yet: the province is not asked
        province.Verify(p => p.QueryTicketAsync(It.IsAny<SlowTicket>(), It.IsAny<CancellationToken>()), Times.Once());

        await Task.Delay(SlowWorkPoller.NextDelay(0) + TimeSpan.FromMilliseconds(200), ct);
        Assert.Equal(1, await poller.PollAsync(ct));
        VerifyRaised(item, Times.Once());
        Assert.Equal(StepStatus.Succeeded, await StepStatusAsync(cases, item));
    }

    [Fact]
    public async Task A_polled_answer_for_an_orchestration_not_yet_started_waits_with_its_ticket_pending()
    {
        var (poller, cases, item, ticket) = await ApprovedTicketAsync();
        engineStatus = OrchestrationRuntimeStatus.Pending;

        Assert.Equal(0, await poller.PollAsync(ct));
        VerifyRaised(item, Times.Never());
        Assert.Equal(1, (await RawTicketAsync(ticket))!.GetInt32("Polls"));

        engineStatus = OrchestrationRuntimeStatus.Running;
        await Task.Delay(SlowWorkPoller.NextDelay(0) + TimeSpan.FromMilliseconds(200), ct);
        Assert.Equal(1, await poller.PollAsync(ct));
        VerifyRaised(item, Times.Once());
        Assert.Null(await RawTicketAsync(ticket));
    }

    [Fact]
    public async Task A_queued_answer_for_an_orchestration_not_yet_started_goes_back_on_the_queue_without_using_a_delivery()
    {
        var (cases, handler, item) = await VerificationWhileStartPendingAsync();
        var message = TongbanJson.Serialize(item);
        var sent = DateTimeOffset.UtcNow;

        await handler.HandleAsync(message, dequeueCount: 1, ct);

        durable.Verify(d => d.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never());
        Assert.Equal(StepStatus.Succeeded, await StepStatusAsync(cases, item));
        var queue = azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(code));
        Assert.Empty((await queue.PeekMessagesAsync(32, ct)).Value); // hidden for a while
        Azure.Storage.Queues.Models.QueueMessage? back = null;
        await Eventually.UntilAsync(async () => (back = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30), ct)).Value.SingleOrDefault()) is not null,
            TimeSpan.FromSeconds(15), "the step's message to come back");
        Assert.Equal(message, back!.Body.ToString());
        Assert.Equal(1, back.DequeueCount);
        Assert.True(DateTimeOffset.UtcNow - sent >= ProvinceStepHandler.NotStartedDelay - TimeSpan.FromMilliseconds(500));

        // Delivered again once the orchestration runs: the answer is raised.
        engineStatus = OrchestrationRuntimeStatus.Running;
        await handler.HandleAsync(back.Body.ToString(), back.DequeueCount, ct);
        durable.Verify(d => d.RaiseEventAsync(item.CaseId, CaseEvents.StepResult(item.StepKey, item.Round), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Once());

        // Started stays started: the case's next answers are raised without asking the engine again.
        var partyB = item with { Subject = "partyB" };
        await handler.HandleAsync(TongbanJson.Serialize(partyB), dequeueCount: 1, ct);
        durable.Verify(d => d.RaiseEventAsync(item.CaseId, CaseEvents.StepResult(partyB.StepKey, partyB.Round), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Once());
        durable.Verify(d => d.GetInstanceAsync(item.CaseId, false, It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task An_instance_row_left_pending_by_a_killed_hub_counts_as_started_once_the_history_holds_the_start()
    {
        // A hub killed between saving an orchestration's first history and its instance row leaves the row Pending for good.
        var (_, handler, item) = await VerificationWhileStartPendingAsync();
        var history = azurite.Tables.GetTableClient(new TongbanOptions().TaskHub + "History");
        await history.CreateIfNotExistsAsync(ct);
        await history.AddEntityAsync(new Azure.Data.Tables.TableEntity(item.CaseId, "0000000000000000") { ["EventType"] = "OrchestratorStarted" }, ct);

        await handler.HandleAsync(TongbanJson.Serialize(item), dequeueCount: 1, ct);
        durable.Verify(d => d.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never());

        await history.AddEntityAsync(new Azure.Data.Tables.TableEntity(item.CaseId, "0000000000000001") { ["EventType"] = "ExecutionStarted" }, ct);
        await handler.HandleAsync(TongbanJson.Serialize(item), dequeueCount: 1, ct);
        durable.Verify(d => d.RaiseEventAsync(item.CaseId, CaseEvents.StepResult(item.StepKey, item.Round), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Once());
    }
}
