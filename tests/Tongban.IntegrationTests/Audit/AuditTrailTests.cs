using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Tongban.Audit;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;
using Xunit.Abstractions;

namespace Tongban.IntegrationTests.Audit;

/// <summary>The trail on Azurite: appends once per cause under races and replays, and the verifier catching rows edited in storage.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AuditTrailTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(300)).Token;

    private AuditTrail Trail => AuditTrails.OnAzurite(azurite);

    private AuditVerifier Verifier => new(Trail, AuditTrails.Signer, TimeProvider.System);

    private TableClient Table => azurite.Tables.GetTableClient(StorageNames.AuditTable);

    private static AuditFact Fact(int i) => new($"call:step-{i}#1", "province-call", $"step-{i}", "310000", "Succeeded", "hub", "resident.verify",
        AuditChain.AnswerHash(new { i }));

    /// <summary>A case with <paramref name="count"/> entries, ended and signed.</summary>
    private async Task<string> SignedCaseAsync(int count = 6)
    {
        var caseId = CaseData.NewCaseId();
        for (var i = 1; i <= count; i++) Assert.NotNull(await Trail.AppendAsync(caseId, Fact(i), ct, ends: i == count));
        Assert.True(await Trail.SignHeadAsync(caseId, ct));
        Assert.Empty((await Verifier.VerifyAsync(caseId, ct)).Failures);
        return caseId;
    }

    private async Task<AuditFailure> FirstFailureAsync(string caseId) => Assert.Single((await Verifier.VerifyAsync(caseId, ct)).Failures);

    [Fact]
    public async Task A_cause_recorded_twice_appends_once_even_after_others()
    {
        var caseId = CaseData.NewCaseId();
        Assert.NotNull(await Trail.AppendAsync(caseId, Fact(1), ct));
        Assert.Null(await Trail.AppendAsync(caseId, Fact(1), ct)); // the latest again: the head says so
        Assert.NotNull(await Trail.AppendAsync(caseId, Fact(2), ct));
        Assert.Null(await Trail.AppendAsync(caseId, Fact(1), ct)); // an older one again: its identity row says so
        var read = await Trail.ReadAsync(caseId, ct);
        Assert.Equal([1L, 2L], read.Entries.Select(e => e.Seq));
        Assert.Equal(2, read.Head!.Seq);
    }

    [Fact]
    public async Task Facts_appended_together_are_one_transaction_in_order_and_those_recorded_before_are_left_out()
    {
        var (hub, counter) = CountedTrail();
        var caseId = CaseData.NewCaseId();
        Assert.NotNull(await hub.AppendAsync(caseId, Fact(1), ct));
        counter.Count = 0;

        // A province's answer and the status it closed the case with: one transaction, the head signed.
        var both = await hub.AppendAllAsync(caseId, [Fact(2), Fact(3)], ct, ends: true);
        Assert.Equal(1, counter.Count);
        Assert.Equal([2L, 3L], both.Select(e => e!.Seq));
        // Delivered again (a crash after the case's write), and with an older cause among new ones: only the new are appended.
        Assert.Equal([null, null], await hub.AppendAllAsync(caseId, [Fact(2), Fact(3)], ct, ends: true));
        var mixed = await Trail.AppendAllAsync(caseId, [Fact(1), Fact(4)], ct);

        Assert.Null(mixed[0]);
        Assert.Equal(4L, mixed[1]!.Seq);
        var read = await Trail.ReadAsync(caseId, ct);
        Assert.Equal([1L, 2L, 3L, 4L], read.Entries.Select(e => e.Seq));
        Assert.Equal(["step-1", "step-2", "step-3", "step-4"], read.Entries.Select(e => e.Step));
        Assert.Equal((false, 3L), (read.Head!.Open, read.Head.SignedSeq));
        Assert.Empty((await Verifier.VerifyAsync(caseId, ct)).Failures);
    }

    [Fact]
    public async Task Racing_appends_and_redeliveries_make_one_gapless_chain()
    {
        var caseId = CaseData.NewCaseId();
        // 12 causes, each delivered three times at once (a message redelivered, an activity replayed).
        // Two hubs, each with its own head hints, and a fresh trail per call as well.
        var hubs = new[] { Trail, Trail };
        var results = await Task.WhenAll(Enumerable.Range(1, 12).SelectMany(i => Enumerable.Repeat(i, 3))
            .Select((i, n) => Task.Run(() => (n % 3 == 2 ? Trail : hubs[n % 2]).AppendAsync(caseId, Fact(i), ct))));
        Assert.Equal(12, results.Count(r => r is not null));
        var read = await Trail.ReadAsync(caseId, ct);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), read.Entries.Select(e => e.Seq));
        Assert.Equal(12, read.Entries.Select(e => e.Step).Distinct().Count());
        Assert.Empty((await Verifier.VerifyAsync(caseId, ct)).Failures);
    }

    [Fact]
    public async Task A_just_created_cases_first_entry_is_one_transaction_and_a_head_there_after_all_is_read_and_built_on()
    {
        var (hub, counter) = CountedTrail();
        var created = CaseData.NewCaseId();
        var existing = CaseData.NewCaseId();
        Assert.NotNull(await Trail.AppendAsync(existing, Fact(1), ct));

        Assert.NotNull(await hub.AppendAsync(created, Fact(1), ct, first: true));
        var fresh = counter.Count;
        counter.Count = 0;
        // Told "first" wrongly (say, a takeover of a dead request's case): the head is there, so the append is refused and read.
        Assert.NotNull(await hub.AppendAsync(existing, Fact(2), ct, first: true));

        Assert.Equal(1, fresh);
        Assert.Equal(3, counter.Count);
        Assert.Equal([1L, 2L], (await Trail.ReadAsync(existing, ct)).Entries.Select(e => e.Seq));
        Assert.Empty((await Verifier.VerifyAsync(existing, ct)).Failures);
        Assert.Empty((await Verifier.VerifyAsync(created, ct)).Failures);
    }

    [Fact]
    public async Task Appends_racing_in_one_hub_take_turns_one_transaction_each_and_no_head_read()
    {
        var (hub, counter) = CountedTrail();
        var caseId = CaseData.NewCaseId();
        Assert.NotNull(await hub.AppendAsync(caseId, Fact(1), ct));
        counter.Count = 0;

        // Parallel steps of one case ending together, and a status change with them.
        var appended = await Task.WhenAll(Enumerable.Range(2, 8).Select(i => Task.Run(() => hub.AppendAsync(caseId, Fact(i), ct))));

        Assert.All(appended, Assert.NotNull);
        Assert.Equal(8, counter.Count);
        var read = await Trail.ReadAsync(caseId, ct);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), read.Entries.Select(e => e.Seq));
        Assert.Empty((await Verifier.VerifyAsync(caseId, ct)).Failures);
    }

    [Fact]
    public async Task A_hub_appending_to_a_trail_reads_its_head_once_and_an_append_by_another_hub_meanwhile_is_built_on_not_lost()
    {
        var (hubA, counter) = CountedTrail();
        var hubB = Trail;
        var caseId = CaseData.NewCaseId();

        Assert.NotNull(await hubA.AppendAsync(caseId, Fact(1), ct));
        var first = counter.Count;
        for (var i = 2; i <= 5; i++) Assert.NotNull(await hubA.AppendAsync(caseId, Fact(i), ct));
        var next = counter.Count - first;
        Assert.Null(await hubA.AppendAsync(caseId, Fact(5), ct)); // the latest again: the hint says so, no request
        var repeated = counter.Count - first - next;
        Assert.NotNull(await hubB.AppendAsync(caseId, Fact(6), ct));
        counter.Count = 0;
        Assert.NotNull(await hubA.AppendAsync(caseId, Fact(7), ct, ends: true));
        var afterOther = counter.Count;
        var ended = (await Trail.ReadAsync(caseId, ct)).Head!;
        Assert.Equal((7L, false, 7L), (ended.Seq, ended.Open, ended.SignedSeq)); // the ending transaction signed its head
        Assert.Empty((await Verifier.VerifyAsync(caseId, ct)).Failures);
        counter.Count = 0;
        Assert.True(await hubA.SignHeadAsync(caseId, ct));
        var sign = counter.Count;

        Assert.Equal(2, first); // the head read (none yet), the transaction
        Assert.Equal(4, next); // one transaction each
        Assert.Equal(0, repeated);
        Assert.Equal(3, afterOther); // the transaction on the old head refused, the head read, the transaction
        Assert.Equal(1, sign);
        var read = await Trail.ReadAsync(caseId, ct);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), read.Entries.Select(e => e.Seq));
        Assert.Equal((7L, false, 7L), (read.Head!.Seq, read.Head.Open, read.Head.SignedSeq));
        Assert.Empty((await Verifier.VerifyAsync(caseId, ct)).Failures);
    }

    [Fact]
    public async Task A_row_edited_in_storage_is_caught_at_that_entry()
    {
        var caseId = await SignedCaseAsync();
        var row = (await Table.GetEntityAsync<TableEntity>(caseId, AuditTrail.EntryRowKey(3), cancellationToken: ct)).Value;
        row["Outcome"] = "Refused";
        await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct);
        Assert.Equal(new AuditFailure(caseId, 3, "changed"), await FirstFailureAsync(caseId));
    }

    [Fact]
    public async Task A_row_edited_with_its_hash_recomputed_is_caught_at_that_entry()
    {
        var caseId = await SignedCaseAsync();
        var row = (await Table.GetEntityAsync<TableEntity>(caseId, AuditTrail.EntryRowKey(2), cancellationToken: ct)).Value;
        row["Outcome"] = "Refused";
        row["Hash"] = AuditChain.HashOf(2, row.GetDateTimeOffset("At")!.Value, row.GetString("Action"), row.GetString("Step"), row.GetString("Province"),
            "Refused", row.GetString("Actor"), row.GetString("Detail"), row.GetString("AnswerHash"), row.GetString("PrevHash"));
        await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct);
        Assert.Equal(new AuditFailure(caseId, 2, "changed"), await FirstFailureAsync(caseId));
    }

    [Fact]
    public async Task A_row_deleted_in_storage_is_caught_at_its_place_and_the_last_one_too()
    {
        var caseId = await SignedCaseAsync();
        await Table.DeleteEntityAsync(caseId, AuditTrail.EntryRowKey(4), cancellationToken: ct);
        Assert.Equal(new AuditFailure(caseId, 4, "removed"), await FirstFailureAsync(caseId));

        var other = await SignedCaseAsync();
        await Table.DeleteEntityAsync(other, AuditTrail.EntryRowKey(6), cancellationToken: ct);
        Assert.Equal(new AuditFailure(other, 6, "removed"), await FirstFailureAsync(other));
    }

    [Fact]
    public async Task Rows_swapped_in_storage_are_caught_as_reordered()
    {
        var caseId = await SignedCaseAsync();
        var two = (await Table.GetEntityAsync<TableEntity>(caseId, AuditTrail.EntryRowKey(2), cancellationToken: ct)).Value;
        var three = (await Table.GetEntityAsync<TableEntity>(caseId, AuditTrail.EntryRowKey(3), cancellationToken: ct)).Value;
        (two.RowKey, three.RowKey) = (three.RowKey, two.RowKey);
        await Table.UpsertEntityAsync(two, TableUpdateMode.Replace, ct);
        await Table.UpsertEntityAsync(three, TableUpdateMode.Replace, ct);
        Assert.Equal(new AuditFailure(caseId, 2, "reordered"), await FirstFailureAsync(caseId));
    }

    [Fact]
    public async Task A_row_put_in_the_middle_is_caught_as_inserted_and_one_past_the_head_too()
    {
        var caseId = await SignedCaseAsync(4);
        // Entries 3 and 4 pushed down a place, and a well-formed entry chained onto 2 put at 3.
        foreach (var seq in new[] { 4, 3 })
        {
            var row = (await Table.GetEntityAsync<TableEntity>(caseId, AuditTrail.EntryRowKey(seq), cancellationToken: ct)).Value;
            row.RowKey = AuditTrail.EntryRowKey(seq + 1);
            await Table.UpsertEntityAsync(row, TableUpdateMode.Replace, ct);
        }

        var two = (await Table.GetEntityAsync<TableEntity>(caseId, AuditTrail.EntryRowKey(2), cancellationToken: ct)).Value;
        await Table.UpsertEntityAsync(Forged(caseId, 3, two.GetString("Hash")), TableUpdateMode.Replace, ct);
        Assert.Equal(new AuditFailure(caseId, 3, "inserted"), await FirstFailureAsync(caseId));

        var other = await SignedCaseAsync(4);
        var four = (await Table.GetEntityAsync<TableEntity>(other, AuditTrail.EntryRowKey(4), cancellationToken: ct)).Value;
        await Table.AddEntityAsync(Forged(other, 5, four.GetString("Hash")), ct);
        Assert.Equal(new AuditFailure(other, 5, "inserted"), await FirstFailureAsync(other));
    }

    [Fact]
    public async Task A_head_forged_or_moved_is_caught()
    {
        var caseId = await SignedCaseAsync();
        var head = (await Table.GetEntityAsync<TableEntity>(caseId, AuditTrail.HeadRow, cancellationToken: ct)).Value;
        // Signed with a key of the forger's own, under the hub's key ID.
        var forger = AuditSigner.From(new Configuration.AuditOptions { SigningKey = AuditSigner.NewKeyPair().PrivatePem, KeyId = "test" });
        head["Signature"] = forger.Sign(AuditChain.HeadText(caseId, 6, head.GetString("SignedHash"), head.GetDateTimeOffset("SignedAt")!.Value, "test"));
        await Table.UpdateEntityAsync(head, head.ETag, TableUpdateMode.Replace, ct);
        Assert.Equal(new AuditFailure(caseId, 6, "head-signature"), await FirstFailureAsync(caseId));

        // The signed hash moved (to match a rewritten chain, say) under the old signature: the signature no longer covers it.
        var other = await SignedCaseAsync();
        var otherHead = (await Table.GetEntityAsync<TableEntity>(other, AuditTrail.HeadRow, cancellationToken: ct)).Value;
        otherHead["SignedHash"] = new string('a', 64);
        await Table.UpdateEntityAsync(otherHead, otherHead.ETag, TableUpdateMode.Replace, ct);
        Assert.Equal(new AuditFailure(other, 6, "head-signature"), await FirstFailureAsync(other));
    }

    [Fact]
    public async Task Heads_due_are_signed_open_daily_and_ended_after_late_entries_and_ended_cases_are_found_for_purging()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var trail = AuditTrails.OnAzurite(azurite, clock);
        var open = CaseData.NewCaseId();
        var ended = CaseData.NewCaseId();
        await trail.AppendAsync(open, Fact(1), ct);
        await trail.AppendAsync(ended, Fact(1), ct, ends: true); // signed as it ends
        Assert.Equal(1L, (await trail.ReadAsync(ended, ct)).Head!.SignedSeq);
        await trail.AppendAsync(ended, Fact(2), ct); // a callback delivered after the end

        await trail.SignDueHeadsAsync(clock.GetUtcNow().AddDays(-1), 10_000, ct);
        var openHead = (await trail.ReadAsync(open, ct)).Head!;
        var endedHead = (await trail.ReadAsync(ended, ct)).Head!;
        Assert.Equal((1L, 2L), (openHead.SignedSeq, endedHead.SignedSeq));
        Assert.False(endedHead.Open);

        // A day later the open case is due again; the ended one, signed to its end, is not.
        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await trail.SignDueHeadsAsync(clock.GetUtcNow().AddDays(-1), 10_000, ct);
        Assert.True((await trail.ReadAsync(open, ct)).Head!.SignedAt > openHead.SignedAt);
        Assert.Equal(endedHead.SignedAt, (await trail.ReadAsync(ended, ct)).Head!.SignedAt);

        var due = await trail.EndedBeforeAsync(clock.GetUtcNow(), 10_000, ct);
        Assert.Contains(ended, due);
        Assert.DoesNotContain(open, due);
        Assert.DoesNotContain(ended, await trail.EndedBeforeAsync(clock.GetUtcNow().AddDays(-2), 10_000, ct));
        await trail.MarkHistoryPurgedAsync(ended, ct);
        Assert.DoesNotContain(ended, await trail.EndedBeforeAsync(clock.GetUtcNow(), 10_000, ct));
    }

    /// <summary>Not timed as a test: prints the storage requests per append and the verifier's speed.</summary>
    [Fact]
    public async Task Cost_and_verifier_speed_are_printed()
    {
        var (trail, counter) = CountedTrail();
        var caseId = CaseData.NewCaseId();
        await trail.AppendAsync(caseId, Fact(0), ct); // the table exists
        counter.Count = 0;
        const int appends = 20;
        for (var i = 1; i <= appends; i++) await trail.AppendAsync(caseId, Fact(i), ct);
        var perAppend = counter.Count / (double)appends;
        counter.Count = 0;
        for (var i = 1; i <= appends; i++) await trail.AppendAsync(caseId, Fact(i), ct);
        var perRepeat = counter.Count / (double)appends;
        Assert.Equal(1.0, perAppend); // commit head + entry + identity on the head this trail last wrote: no read
        Assert.True(perRepeat <= 1.0); // the same commit, refused on the identity row; none for the last one (the hint names it)

        // Sound signed chains written one transaction a case (appending them one by one would measure the appends).
        const int cases = 200, entriesPerCase = 25;
        foreach (var chunk in Enumerable.Range(0, cases).Chunk(10))
        {
            await Task.WhenAll(chunk.Select(_ => Table.SubmitTransactionAsync(SignedChain(CaseData.NewCaseId(), entriesPerCase), ct)));
        }

        var watch = Stopwatch.StartNew();
        var all = await Verifier.VerifyAsync(null, ct);
        watch.Stop();
        Assert.True(all.CheckedCases >= cases);
        Assert.True(all.CheckedEntries >= cases * entriesPerCase);
        output.WriteLine($"audit append: {perAppend:0.0} storage requests (a repeat: {perRepeat:0.0}); verifier: {all.CheckedCases} cases, " +
            $"{all.CheckedEntries} entries in {watch.ElapsedMilliseconds} ms = {all.CheckedEntries / watch.Elapsed.TotalSeconds:0} entries/s on Azurite");
    }

    private static List<TableTransactionAction> SignedChain(string caseId, int count)
    {
        var actions = new List<TableTransactionAction>();
        var prev = AuditChain.Genesis(caseId);
        var at = DateTimeOffset.UtcNow;
        for (var seq = 1; seq <= count; seq++)
        {
            var fact = Fact(seq);
            var hash = AuditChain.HashOf(seq, at, fact.Action, fact.Step, fact.Province, fact.Outcome, fact.Actor, fact.Detail, fact.AnswerHash, prev);
            actions.Add(new(TableTransactionActionType.Add, AuditTrail.ToEntity(caseId,
                new AuditEntry(seq, at, fact.Action, fact.Step, fact.Province, fact.Outcome, fact.Actor, fact.Detail, fact.AnswerHash, prev, hash))));
            prev = hash;
        }

        actions.Add(new(TableTransactionActionType.Add, new TableEntity(caseId, AuditTrail.HeadRow)
        {
            ["Seq"] = (long)count, ["Hash"] = prev, ["Open"] = false, ["EndedAt"] = at, ["SignedSeq"] = (long)count, ["SignedHash"] = prev, ["SignedAt"] = at,
            ["KeyId"] = "test", ["Signature"] = AuditTrails.Signer.Sign(AuditChain.HeadText(caseId, count, prev, at, "test")),
        }));
        return actions;
    }

    private static TableEntity Forged(string caseId, long seq, string prevHash)
    {
        var at = DateTimeOffset.UtcNow;
        var hash = AuditChain.HashOf(seq, at, "decision", "officer-review", "310000", "approve", "officer X", null, null, prevHash);
        return new TableEntity(caseId, AuditTrail.EntryRowKey(seq))
        {
            ["Seq"] = seq, ["At"] = at, ["Action"] = "decision", ["Step"] = "officer-review", ["Province"] = "310000", ["Outcome"] = "approve",
            ["Actor"] = "officer X", ["PrevHash"] = prevHash, ["Hash"] = hash,
        };
    }

    /// <summary>A trail of its own (its own head hints) whose every storage request, retries included, is counted.</summary>
    private (AuditTrail Trail, RequestCounter Counter) CountedTrail()
    {
        var counter = new RequestCounter();
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        return (new AuditTrail(new TableServiceClient(azurite.ConnectionString, options), AuditTrails.Signer, TimeProvider.System), counter);
    }

    private sealed class RequestCounter : HttpPipelineSynchronousPolicy
    {
        public int Count;

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref Count);
    }
}
