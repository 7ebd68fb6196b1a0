using System.Security.Cryptography;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// What a case update costs in storage requests (issue 14), counted by an Azure.Core pipeline policy on the store's own
/// client: an update on a row just read does not read it again, step progress rewrites no index row, and the sealed
/// details are not sent again.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CaseStoreRequestTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly CaseDetailsCipher pii = CaseData.NewCipher();
    private readonly FakeTimeProvider clock = new(T0);
    private readonly TableRequestLog requests = new();
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token;

    public Task InitializeAsync() => new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([], CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;

    private CaseStore Store(HttpPipelinePolicy? answers = null)
    {
        var options = new TableClientOptions();
        options.AddPolicy(requests, HttpPipelinePosition.PerRetry);
        if (answers is not null) options.AddPolicy(answers, HttpPipelinePosition.PerRetry);
        return new CaseStore(new TableServiceClient(azurite.ConnectionString, options), pii, clock);
    }

    private async Task<(CaseStore Store, StoredCase Created)> CreateAsync(string province)
    {
        var store = Store();
        var command = CaseData.MarriageCommand(province, province, CaseData.NewProvinceCode());
        var created = await store.CreateAsync(CaseData.RecordFor(CaseData.NewCaseId(), command, T0), command, ct);
        requests.Clear();
        return (store, created);
    }

    /// <summary>Both racing writers' steps are in the row, succeeded.</summary>
    private async Task AssertBothChangesStayAsync(CaseStore store, string caseId)
    {
        var steps = (await store.GetAsync(caseId, ct))!.Record.Steps;
        Assert.All(steps, s => Assert.Equal(StepStatus.Succeeded, s.Status));
        Assert.Equal(2, steps.Count);
    }

    private static bool StepSucceeds(CaseRecord record, string province, string subject = "partyA")
    {
        record.Step("verify-resident", subject, province).Status = StepStatus.Succeeded;
        return true;
    }

    [Fact]
    public async Task An_update_on_the_row_just_read_writes_without_reading_again()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);
        var read = (await store.GetAsync(created.Record.CaseId, ct))!;
        requests.Clear();

        var updated = await store.UpdateAsync(read.Record.CaseId, read, r => StepSucceeds(r, province), ct);

        Assert.Equal([$"PATCH {StorageNames.CasesTable}"], requests.Lines);
        Assert.Equal(StepStatus.Succeeded, (await store.GetAsync(read.Record.CaseId, ct))!.Record.FindStep("verify-resident.partyA")!.Status);
        Assert.NotEqual(read.ETag, updated.ETag);
    }

    [Fact]
    public async Task Parallel_steps_ending_together_on_one_host_write_one_after_another_without_a_refusal_or_a_read()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);
        // Four steps' handlers read the row before their province calls, and their answers come back at once.
        var subjects = new[] { "partyA", "partyB", "partyC", "partyD" };
        var reads = await Task.WhenAll(subjects.Select(_ => store.GetAsync(created.Record.CaseId, ct)));
        requests.Clear();

        await Task.WhenAll(subjects.Select((subject, i) => store.UpdateAsync(created.Record.CaseId, reads[i], r => StepSucceeds(r, province, subject), ct)));

        Assert.Equal(Enumerable.Repeat($"PATCH {StorageNames.CasesTable}", 4), requests.Lines);
        var steps = (await store.GetAsync(created.Record.CaseId, ct))!.Record.Steps;
        Assert.Equal(subjects, steps.Select(s => s.Subject).Order());
        Assert.All(steps, s => Assert.Equal(StepStatus.Succeeded, s.Status));
    }

    [Fact]
    public async Task A_read_older_than_this_stores_own_last_write_gives_way_to_that_write_without_a_read()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);
        var stale = (await store.GetAsync(created.Record.CaseId, ct))!;
        await store.UpdateAsync(created.Record.CaseId, r => StepSucceeds(r, province, "partyB"), ct);
        requests.Clear();

        await store.UpdateAsync(stale.Record.CaseId, stale, r => StepSucceeds(r, province), ct);

        Assert.Equal([$"PATCH {StorageNames.CasesTable}"], requests.Lines);
        await AssertBothChangesStayAsync(store, created.Record.CaseId);
    }

    [Fact]
    public async Task Updates_after_this_stores_own_writes_read_nothing_and_keep_every_change_and_the_command()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);

        await store.UpdateAsync(created.Record.CaseId, r => StepSucceeds(r, province), ct);
        // A status change of a case with a callback: the row goes in a transaction with its outbox row.
        await store.UpdateAsync(created.Record.CaseId, r => { r.Status = CaseStatus.InProgress; return true; }, ct);
        var last = await store.UpdateAsync(created.Record.CaseId, r => { r.Step("verify-resident", "partyB", province).Status = StepStatus.Running; return true; }, ct);

        Assert.Equal([$"PATCH {StorageNames.CasesTable}", $"POST $batch", $"PATCH {StorageNames.CasesTable}"],
            requests.Lines.Where(l => !l.Contains(StorageNames.CaseIndexTable, StringComparison.Ordinal)));
        var stored = (await store.GetAsync(created.Record.CaseId, ct))!;
        Assert.Equal(CaseStatus.InProgress, stored.Record.Status);
        Assert.Equal([StepStatus.Succeeded, StepStatus.Running], stored.Record.Steps.Select(s => s.Status));
        Assert.Equal(1, stored.Record.CallbackSequence);
        Assert.Equal(created.Command, last.Command);
        Assert.Equal(stored.ETag, last.ETag);
    }

    [Fact]
    public async Task A_row_another_host_changed_since_this_stores_write_is_refused_then_read_and_both_changes_stay()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);
        var otherHost = new CaseStore(azurite.Tables, pii, clock);
        await otherHost.UpdateAsync(created.Record.CaseId, r => StepSucceeds(r, province, "partyB"), ct);
        requests.Clear();

        await store.UpdateAsync(created.Record.CaseId, r => StepSucceeds(r, province), ct);
        await store.UpdateAsync(created.Record.CaseId, r => { r.Step("check-marital-status", "partyA", province).Status = StepStatus.Running; return true; }, ct);

        Assert.Equal([$"PATCH {StorageNames.CasesTable} 412", $"GET {StorageNames.CasesTable}", $"PATCH {StorageNames.CasesTable}", $"PATCH {StorageNames.CasesTable}"],
            requests.Lines);
        Assert.Equal(3, (await store.GetAsync(created.Record.CaseId, ct))!.Record.Steps.Count);
    }

    [Fact]
    public async Task A_case_the_caller_built_itself_is_written_but_not_kept_so_the_next_update_reads_the_row()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);
        var built = new StoredCase(created.Record, created.Command, created.ETag);

        await store.UpdateAsync(created.Record.CaseId, built, r => StepSucceeds(r, province), ct);
        var last = await store.UpdateAsync(created.Record.CaseId, r => StepSucceeds(r, province, "partyB"), ct);

        Assert.Equal([$"PATCH {StorageNames.CasesTable}", $"GET {StorageNames.CasesTable}", $"PATCH {StorageNames.CasesTable}"],
            requests.Lines.Where(l => !l.Contains(StorageNames.CaseIndexTable, StringComparison.Ordinal)));
        Assert.Equal(created.Command, last.Command);
        await AssertBothChangesStayAsync(store, created.Record.CaseId);
    }

    [Fact]
    public async Task A_row_deleted_since_this_stores_write_is_not_found()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);
        await azurite.Tables.GetTableClient(StorageNames.CasesTable).DeleteEntityAsync(created.Record.CaseId, "case", cancellationToken: ct);
        requests.Clear();

        var missing = await Assert.ThrowsAsync<CaseNotFoundException>(() => store.UpdateAsync(created.Record.CaseId, r => StepSucceeds(r, province), ct));

        Assert.Equal(created.Record.CaseId, missing.CaseId);
        Assert.Equal([$"PATCH {StorageNames.CasesTable} 404", $"GET {StorageNames.CasesTable} 404"], requests.Lines);
    }

    [Fact]
    public async Task A_row_deleted_since_the_caller_took_it_from_this_stores_last_write_is_not_found()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);
        // A query step starts from the row as this store last wrote it; the case is deleted (say, purged) meanwhile.
        var last = store.LastWritten(created.Record.CaseId)!;
        await azurite.Tables.GetTableClient(StorageNames.CasesTable).DeleteEntityAsync(created.Record.CaseId, "case", cancellationToken: ct);
        requests.Clear();

        var missing = await Assert.ThrowsAsync<CaseNotFoundException>(() => store.UpdateAsync(created.Record.CaseId, last, r => StepSucceeds(r, province), ct));

        Assert.Equal(created.Record.CaseId, missing.CaseId);
        Assert.Equal([$"PATCH {StorageNames.CasesTable} 404", $"GET {StorageNames.CasesTable} 404"], requests.Lines);
    }

    [Fact]
    public async Task A_read_made_stale_by_another_host_is_refused_then_read_again_and_both_changes_stay()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);
        var stale = (await store.GetAsync(created.Record.CaseId, ct))!;
        var otherHost = new CaseStore(azurite.Tables, pii, clock);
        await otherHost.UpdateAsync(created.Record.CaseId, r => StepSucceeds(r, province, "partyB"), ct);
        requests.Clear();

        await store.UpdateAsync(stale.Record.CaseId, stale, r => StepSucceeds(r, province), ct);

        Assert.Equal([$"PATCH {StorageNames.CasesTable} 412", $"GET {StorageNames.CasesTable}", $"PATCH {StorageNames.CasesTable}"], requests.Lines);
        await AssertBothChangesStayAsync(store, created.Record.CaseId);
    }

    [Fact]
    public async Task Step_progress_and_moves_between_open_statuses_rewrite_no_index_row_the_end_rewrites_each_provinces()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);

        await store.UpdateAsync(created.Record.CaseId, r => StepSucceeds(r, province), ct);
        await store.UpdateAsync(created.Record.CaseId, r => { r.Status = CaseStatus.InProgress; return true; }, ct);
        await store.UpdateAsync(created.Record.CaseId, r => { r.Status = CaseStatus.AwaitingReview; return true; }, ct);
        var whileOpen = requests.Lines.Count(l => l.Contains(StorageNames.CaseIndexTable, StringComparison.Ordinal));
        requests.Clear();
        await store.UpdateAsync(created.Record.CaseId, r => { r.Status = CaseStatus.Completed; return true; }, ct);

        Assert.Equal(0, whileOpen);
        Assert.Equal(created.Record.InvolvedProvinces.Count, requests.Lines.Count(l => l.StartsWith($"PUT {StorageNames.CaseIndexTable}", StringComparison.Ordinal)));
        Assert.Equal(2, created.Record.InvolvedProvinces.Count);
    }

    [Fact]
    public async Task A_move_from_one_end_to_another_or_back_to_open_rewrites_the_index_and_each_status_filter_finds_the_case_where_it_is()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);
        var id = created.Record.CaseId;
        async Task<string> FoundUnderAsync()
        {
            var under = new List<string>();
            foreach (var status in Enum.GetValues<CaseStatus>())
            {
                if ((await store.ListAsync(province, status, null, null, 10, null, ct)).Items.Any(c => c.CaseId == id)) under.Add(status.ToString());
            }

            return string.Join(",", under);
        }

        await store.UpdateAsync(id, r => { r.Status = CaseStatus.AwaitingReview; return true; }, ct);
        var awaiting = await FoundUnderAsync();
        await store.UpdateAsync(id, r => { r.Status = CaseStatus.Failed; return true; }, ct);
        var failed = await FoundUnderAsync();
        requests.Clear();
        await store.UpdateAsync(id, r => { r.Status = CaseStatus.Rejected; return true; }, ct);
        var rejectedWrites = requests.Lines.Count(l => l.StartsWith($"PUT {StorageNames.CaseIndexTable}", StringComparison.Ordinal));
        var rejected = await FoundUnderAsync();
        requests.Clear();
        await store.UpdateAsync(id, r => { r.Status = CaseStatus.InProgress; return true; }, ct);
        var reopenedWrites = requests.Lines.Count(l => l.StartsWith($"PUT {StorageNames.CaseIndexTable}", StringComparison.Ordinal));
        var reopened = await FoundUnderAsync();

        // The index still says Received while the case awaits review: the filter for AwaitingReview finds it all the same.
        Assert.Equal("AwaitingReview", awaiting);
        Assert.Equal("Failed", failed);
        Assert.Equal("Rejected", rejected);
        Assert.Equal("InProgress", reopened);
        Assert.Equal(2, rejectedWrites);
        Assert.Equal(2, reopenedWrites);
    }

    [Fact]
    public async Task Step_progress_rewrites_the_index_once_it_would_trail_by_the_slack()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);

        clock.Advance(CaseStore.IndexSlack - TimeSpan.FromSeconds(1));
        await store.UpdateAsync(created.Record.CaseId, r => StepSucceeds(r, province), ct);
        var withinSlack = requests.Lines.Count(l => l.Contains(StorageNames.CaseIndexTable, StringComparison.Ordinal));
        requests.Clear();
        clock.Advance(TimeSpan.FromSeconds(1));
        await store.UpdateAsync(created.Record.CaseId, r => { r.Step("verify-resident", "partyB", province).Status = StepStatus.Running; return true; }, ct);

        Assert.Equal(0, withinSlack);
        Assert.Equal(2, requests.Lines.Count(l => l.StartsWith($"PUT {StorageNames.CaseIndexTable}", StringComparison.Ordinal)));
        // And the list's updatedSince still finds the case at its row's time.
        var page = await store.ListAsync(province, null, null, clock.GetUtcNow(), 10, null, ct);
        Assert.Equal([created.Record.CaseId], page.Items.Select(c => c.CaseId));
    }

    [Fact]
    public async Task Updated_since_finds_a_case_whose_index_trails_its_row_within_the_slack()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);
        clock.Advance(TimeSpan.FromSeconds(30));
        await store.UpdateAsync(created.Record.CaseId, r => StepSucceeds(r, province), ct);

        var found = await store.ListAsync(province, null, null, T0.AddSeconds(30), 10, null, ct);
        var later = await store.ListAsync(province, null, null, T0.AddSeconds(31), 10, null, ct);

        Assert.Equal([created.Record.CaseId], found.Items.Select(c => c.CaseId));
        Assert.Empty(later.Items);
    }

    [Fact]
    public async Task An_update_leaves_the_sealed_details_as_they_were()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);
        var rows = azurite.Tables.GetTableClient(StorageNames.CasesTable);
        var before = (await rows.GetEntityAsync<TableEntity>(created.Record.CaseId, "case", cancellationToken: ct)).Value.GetString("Details");

        await store.UpdateAsync(created.Record.CaseId, r => { r.Status = CaseStatus.InProgress; return true; }, ct);

        var after = (await rows.GetEntityAsync<TableEntity>(created.Record.CaseId, "case", cancellationToken: ct)).Value;
        Assert.Equal(before, after.GetString("Details"));
        Assert.Equal(nameof(CaseStatus.InProgress), after.GetString("Status"));
        Assert.Equal(created.Command, (await store.GetAsync(created.Record.CaseId, ct))!.Command);
    }

    [Fact]
    public async Task Each_status_change_of_a_case_with_a_callback_merges_with_the_next_outbox_row()
    {
        var province = CaseData.NewProvinceCode();
        var (store, created) = await CreateAsync(province);
        Assert.NotNull(created.Record.CallbackUrl);

        await store.UpdateAsync(created.Record.CaseId, r => { r.Status = CaseStatus.InProgress; return true; }, ct);
        await store.UpdateAsync(created.Record.CaseId, r => StepSucceeds(r, province), ct);
        await store.UpdateAsync(created.Record.CaseId, r => { r.Status = CaseStatus.AwaitingReview; return true; }, ct);

        Assert.Equal(2, (await store.GetAsync(created.Record.CaseId, ct))!.Record.CallbackSequence);
        var rows = azurite.Tables.GetTableClient(StorageNames.CasesTable)
            .QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {created.Record.CaseId} and RowKey ne {"case"}"), cancellationToken: ct);
        var outbox = new List<string>();
        await foreach (var row in rows) outbox.Add(row.RowKey);
        Assert.Equal([Tongban.Callbacks.PartnerCallbackOutbox.RowKey(1), Tongban.Callbacks.PartnerCallbackOutbox.RowKey(2)], outbox);
    }

    /// <summary>
    /// Cases of <paramref name="provinces"/> in turn, one a millisecond from a moment no other test uses, with the hub's own
    /// time-ordered case IDs; returns each province's, oldest first.
    /// </summary>
    private async Task<Dictionary<string, List<string>>> CreateInTurnAsync(CaseStore store, IReadOnlyList<string> provinces, int count)
    {
        var from = T0.AddYears(-RandomNumberGenerator.GetInt32(1, 40)).AddMinutes(RandomNumberGenerator.GetInt32(0, 500_000));
        var made = provinces.Distinct().ToDictionary(p => p, _ => new List<string>());
        for (var i = 0; i < count; i++)
        {
            var province = provinces[i % provinces.Count];
            var command = CaseData.MarriageCommand(province, province, province);
            var caseId = CaseIds.New(from.AddMilliseconds(i));
            await store.CreateAsync(CaseData.RecordFor(caseId, command, from.AddMilliseconds(i)), command, ct);
            made[province].Add(caseId);
        }

        requests.Clear();
        return made;
    }

    [Fact]
    public async Task A_list_page_reads_its_cases_as_ranges_not_one_by_one_and_leaves_out_the_other_provinces_cases_between_them()
    {
        string mine = CaseData.NewProvinceCode(), other = CaseData.NewProvinceCode();
        var store = Store();
        var made = await CreateInTurnAsync(store, [mine, other], 60);

        var page = await store.ListAsync(mine, null, null, null, 30, null, ct);

        Assert.Equal(made[mine].AsEnumerable().Reverse(), page.Items.Select(c => c.CaseId));
        // A range read per run of RangeReadRun cases (each run's range holds its cases and the other's between them, fewer
        // rows than an answer takes), not 30 point reads.
        var ranges = (30 + CaseStore.RangeReadRun - 1) / CaseStore.RangeReadRun;
        Assert.True(2 * CaseStore.RangeReadRun - 1 <= CaseStore.RangeReadPage, "a run's range must fit in one answer");
        Assert.Equal($"GET {StorageNames.CaseIndexTable}", requests.Lines[0]);
        Assert.Equal(Enumerable.Repeat($"GET {StorageNames.CasesTable}", ranges), requests.Lines.Skip(1));
        Assert.InRange(ranges, 1, 5);
        Assert.All(page.Items, c => Assert.Equal(mine, c.HandlingProvince));
    }

    [Fact]
    public async Task A_range_crowded_with_other_provinces_cases_is_left_after_its_budget_and_the_rest_read_one_by_one()
    {
        string mine = CaseData.NewProvinceCode(), other = CaseData.NewProvinceCode();
        var store = Store();
        // Each of this province's three cases is followed by 20 of the other's: the range holds 43 rows for 3 wanted.
        var turn = Enumerable.Repeat(other, 20).Prepend(mine).ToList();
        var made = await CreateInTurnAsync(store, turn, 3 * turn.Count);
        Assert.True(3 * CaseStore.RangeReadSpread < 2 * turn.Count, "the range must exceed the read's budget");

        var page = await store.ListAsync(mine, null, null, null, 10, null, ct);

        Assert.Equal(made[mine].AsEnumerable().Reverse(), page.Items.Select(c => c.CaseId));
        // The range query, then a point read for each case it had not reached within its budget (all but the first).
        Assert.Equal(3, requests.Lines.Count(l => l == $"GET {StorageNames.CasesTable}"));
    }

    [Fact]
    public async Task A_page_too_small_for_a_range_is_read_a_case_at_a_time_and_a_case_gone_since_its_index_row_is_left_out()
    {
        var mine = CaseData.NewProvinceCode();
        var store = Store();
        var made = await CreateInTurnAsync(store, [mine], CaseStore.RangeReadMinimum);
        await azurite.Tables.GetTableClient(StorageNames.CasesTable).DeleteEntityAsync(made[mine][0], "case", cancellationToken: ct);

        var page = await store.ListAsync(mine, null, null, null, 10, null, ct);
        var small = await store.ListAsync(mine, null, null, null, CaseStore.RangeReadMinimum - 1, null, ct);

        Assert.Equal(made[mine].Skip(1).Reverse(), page.Items.Select(c => c.CaseId));
        Assert.Equal(made[mine].Skip(1).Reverse(), small.Items.Select(c => c.CaseId));
        // The range query found two of three and read the missing one alone; the small page read its two alone.
        Assert.Equal(2 + 1 + 1 + 2, requests.Lines.Count);
    }

    [Fact]
    public async Task A_range_the_service_answers_with_empty_pages_is_left_after_a_bounded_number_of_answers()
    {
        var mine = CaseData.NewProvinceCode();
        var store = Store(new EmptyRangeAnswers());
        var made = await CreateInTurnAsync(store, [mine], 10);

        var page = await store.ListAsync(mine, null, null, null, 10, null, ct);

        Assert.Equal(made[mine].AsEnumerable().Reverse(), page.Items.Select(c => c.CaseId));
        // Ten cases: a budget of 40 rows, so at most 40 / RangeReadPage + 2 answers, then the ten point reads.
        var answers = 10 * CaseStore.RangeReadSpread / CaseStore.RangeReadPage + 2;
        Assert.Equal(answers + 10, requests.Lines.Count(l => l == $"GET {StorageNames.CasesTable}"));
    }

    /// <summary>
    /// The cases table's range queries answered as a service may at a partition server's boundary: no rows, and a
    /// continuation to ask again. Point reads pass.
    /// </summary>
    private sealed class EmptyRangeAnswers : HttpPipelineSynchronousPolicy
    {
        public override void OnReceivedResponse(HttpMessage message)
        {
            if (message.Request.Method == RequestMethod.Get && message.Request.Uri.Path.EndsWith($"/{StorageNames.CasesTable}()", StringComparison.Ordinal))
            {
                message.Response = new EmptyPage(message.Response.ClientRequestId);
            }
        }
    }

    private sealed class EmptyPage(string clientRequestId) : Response
    {
        private static readonly Dictionary<string, string> Answer = new(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = "application/json;odata=minimalmetadata",
            ["x-ms-continuation-NextPartitionKey"] = "1!8!Yy0wMDA-",
            ["x-ms-continuation-NextRowKey"] = "1!8!Y2FzZQ--",
        };

        public override int Status => 200;

        public override string ReasonPhrase => "OK";

        public override Stream? ContentStream { get; set; } = new MemoryStream("""{"value":[]}"""u8.ToArray());

        public override string ClientRequestId { get; set; } = clientRequestId;

        public override void Dispose() => ContentStream?.Dispose();

        protected override bool ContainsHeader(string name) => Answer.ContainsKey(name);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => Answer.Select(h => new HttpHeader(h.Key, h.Value));

        protected override bool TryGetHeader(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => Answer.TryGetValue(name, out value);

        protected override bool TryGetHeaderValues(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = Answer.TryGetValue(name, out var value) ? [value] : null;
            return values is not null;
        }
    }
}
