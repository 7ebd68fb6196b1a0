using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;
using Tongban.Workflows;
using Tongban.Workflows.Dispatch;

namespace Tongban.IntegrationTests.Storage;

/// <summary>What the operator API and the redrive timer read and move: poison messages, the attention index, province health.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class OperatorStorageTests(AzuriteFixture azurite)
{
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private async Task<string> ProvinceAsync()
    {
        var code = CaseData.NewProvinceCode();
        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([code], ct);
        return code;
    }

    [Fact]
    public async Task Poison_messages_move_back_onto_their_queue_unchanged_and_up_to_the_limit()
    {
        var code = await ProvinceAsync();
        var poison = azurite.Queues.GetQueueClient(StorageNames.PoisonQueue(StorageNames.ProvinceQueue(code)));
        var items = Enumerable.Range(1, 40).Select(i => new ProvinceStep($"c-{i}", StepNames.VerifyResident, "partyA", "resident.verify", code, 3)).ToList();
        foreach (var item in items) await poison.SendMessageAsync(TongbanJson.Serialize(item), ct);
        var queue = new ProvinceStepQueue(azurite.Queues);

        Assert.Equal(new QueueDepth(0, 40), await queue.DepthAsync(code, ct));
        Assert.Equal(35, await queue.RequeuePoisonAsync(code, 35, ct));
        Assert.Equal(5, await queue.RequeuePoisonAsync(code, 100, ct));
        Assert.Equal(0, await queue.RequeuePoisonAsync(code, 100, ct));

        Assert.Equal(new QueueDepth(40, 0), await queue.DepthAsync(code, ct));
        var main = azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(code));
        var moved = new List<ProvinceStep>();
        while ((await main.ReceiveMessagesAsync(32, cancellationToken: ct)).Value is { Length: > 0 } batch)
        {
            moved.AddRange(batch.Select(m => TongbanJson.Deserialize<ProvinceStep>(m.Body.ToString())));
        }

        Assert.Equal(items.OrderBy(i => i.CaseId), moved.OrderBy(i => i.CaseId));
    }

    [Fact]
    public async Task The_attention_index_follows_the_case_row_and_forgets_a_closed_case()
    {
        var code = await ProvinceAsync();
        var store = new CaseStore(azurite.Tables, CaseData.NewCipher(), TimeProvider.System);
        var command = CaseData.MarriageCommand(code, code, code);
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, DateTimeOffset.UtcNow);
        await store.CreateAsync(record, command, ct);
        var index = new AttentionIndex(azurite.Tables);

        await store.UpdateAsync(record.CaseId, r =>
        {
            var step = r.Step(StepNames.VerifyResident, "partyA", code);
            (step.Status, step.NeedsAttention, step.AwaitingRedrive, step.StartedAt) = (StepStatus.Waiting, true, true, DateTimeOffset.UtcNow);
            return true;
        }, ct);
        var parked = Assert.Single(await index.ListAsync(code, ct));
        Assert.Equal((record.CaseId, "verify-resident.partyA", true), (parked.CaseId, parked.Step, parked.Parked));

        await store.UpdateAsync(record.CaseId, r =>
        {
            var step = r.Step(StepNames.VerifyResident, "partyA", code);
            (step.Status, step.AwaitingRedrive) = (StepStatus.Running, false);
            return true;
        }, ct);
        var flagged = Assert.Single(await index.ListAsync(code, ct));
        Assert.False(flagged.Parked);
        Assert.Equal(StepStatus.Running, flagged.Status);

        await store.UpdateAsync(record.CaseId, r =>
        {
            r.Status = CaseStatus.Failed;
            r.Closed = true;
            return true;
        }, ct);
        Assert.Empty(await index.ListAsync(code, ct));
    }

    [Fact]
    public async Task A_province_answers_again_once_its_latest_word_is_an_answer_and_its_circuit_is_not_open()
    {
        var code = await ProvinceAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var health = new ProvinceHealthStore(azurite.Tables, clock, NullLogger<ProvinceHealthStore>.Instance);
        Assert.False((await health.GetAsync(code, ct)).Answering);

        await health.RecordCallAsync(code, answered: false, ct);
        Assert.False((await health.GetAsync(code, ct)).Answering);

        clock.Advance(TimeSpan.FromSeconds(1));
        await health.RecordCallAsync(code, answered: true, ct);
        Assert.True((await health.GetAsync(code, ct)).Answering);

        // The same word again within the throttle is not written; a change of word always is.
        clock.Advance(TimeSpan.FromSeconds(1));
        await health.RecordCallAsync(code, answered: true, ct);
        var seen = await health.GetAsync(code, ct);
        var written = clock.GetUtcNow() - TimeSpan.FromSeconds(1);
        Assert.InRange(seen.LastAnsweredAt!.Value, written.AddMilliseconds(-1), written.AddMilliseconds(1));

        health.CircuitChanged(code, "open");
        await Eventually.UntilAsync(async () => (await health.GetAsync(code, ct)).Circuit == "open", TimeSpan.FromSeconds(10), "the open circuit recorded");
        Assert.False((await health.GetAsync(code, ct)).Answering);
    }
}
