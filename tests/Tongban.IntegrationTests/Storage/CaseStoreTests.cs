using System.Security.Cryptography;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;

namespace Tongban.IntegrationTests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class CaseStoreTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly CaseDetailsCipher pii = CaseData.NewCipher();
    private readonly FakeTimeProvider clock = new(T0);

    public Task InitializeAsync() => new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([], CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;

    private CaseStore Store(CaseDetailsCipher? key = null) => new(azurite.Tables, key ?? pii, clock);

    // Bounds every storage call: a hung Azurite fails the test instead of stalling the run.
    private readonly CancellationToken Ct = new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token;

    private async Task<CaseRecord> CreateAsync(CaseStore store, string handling, DateTimeOffset createdAt, string? partyB = null, string caseType = CaseTypeNames.Marriage)
    {
        var command = CaseData.MarriageCommand(handling, handling, partyB ?? handling);
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, createdAt, caseType);
        await store.CreateAsync(record, command, Ct);
        return record;
    }

    [Fact]
    public async Task Created_case_reads_back_with_its_record_and_command()
    {
        var store = Store();
        var command = CaseData.MarriageCommand("330000", "330000", "310000", reference: "REF-roundtrip");
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, T0);
        record.Steps.Add(new CaseStep { Name = "verify-resident", Subject = "partyA", Province = "330000", Status = StepStatus.Running, StartedAt = T0 });

        var created = await store.CreateAsync(record, command, Ct);
        var read = await store.GetAsync(record.CaseId, Ct);

        Assert.NotNull(read);
        Assert.Equal(created.ETag, read.ETag);
        Assert.Equal(command, read.Command);
        Assert.Equal(record.CaseId, read.Record.CaseId);
        Assert.Equal("REF-roundtrip", read.Record.Reference);
        Assert.Equal(CaseStatus.Received, read.Record.Status);
        Assert.Equal(["330000", "310000"], read.Record.InvolvedProvinces);
        Assert.Equal(T0, read.Record.CreatedAt);
        Assert.Equal(record.CallbackUrl, read.Record.CallbackUrl);
        var step = Assert.Single(read.Record.Steps);
        Assert.Equal(("verify-resident.partyA", StepStatus.Running, T0), (step.Key, step.Status, step.StartedAt!.Value));
    }

    [Fact]
    public async Task Missing_case_reads_as_null()
    {
        Assert.Null(await Store().GetAsync(CaseData.NewCaseId(), Ct));
    }

    [Fact]
    public async Task Creating_the_same_case_twice_keeps_the_first()
    {
        var store = Store();
        var caseId = CaseData.NewCaseId();
        var first = CaseData.MarriageCommand("330000", "330000", "330000", reference: "REF-first");
        var second = CaseData.MarriageCommand("330000", "330000", "330000", reference: "REF-second");
        var created = await store.CreateAsync(CaseData.RecordFor(caseId, first, T0), first, Ct);

        var retried = await store.CreateAsync(CaseData.RecordFor(caseId, second, T0.AddMinutes(1)), second, Ct);

        Assert.Equal("REF-first", retried.Record.Reference);
        Assert.Equal("REF-first", retried.Command.Reference);
        Assert.Equal(created.ETag, retried.ETag);
        var read = await store.GetAsync(caseId, Ct);
        Assert.Equal(("REF-first", T0), (read!.Record.Reference, read.Record.CreatedAt));
    }

    [Fact]
    public async Task Parallel_updates_to_one_case_all_land()
    {
        var store = Store();
        var record = await CreateAsync(store, "330000", T0);

        // Separate stores (as separate workers would have) racing on one row.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => Store().UpdateAsync(record.CaseId, r =>
        {
            r.Step($"step-{i:D2}", null, "330000").Status = StepStatus.Succeeded;
            return true;
        }, Ct), Ct)));

        var read = await store.GetAsync(record.CaseId, Ct);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"step-{i:D2}"), read!.Record.Steps.Select(s => s.Name).Order());
        Assert.All(read.Record.Steps, s => Assert.Equal(StepStatus.Succeeded, s.Status));
    }

    [Fact]
    public async Task Update_stamps_UpdatedAt_from_the_clock_and_returns_the_new_ETag()
    {
        var store = Store();
        var record = await CreateAsync(store, "330000", T0);
        clock.Advance(TimeSpan.FromMinutes(5));

        var updated = await store.UpdateAsync(record.CaseId, r => { r.Status = CaseStatus.InProgress; return true; }, Ct);

        var read = await store.GetAsync(record.CaseId, Ct);
        Assert.Equal(CaseStatus.InProgress, read!.Record.Status);
        Assert.Equal(T0.AddMinutes(5), read.Record.UpdatedAt);
        Assert.Equal(read.ETag, updated.ETag);
    }

    [Fact]
    public async Task Mutation_returning_false_writes_nothing()
    {
        var store = Store();
        var record = await CreateAsync(store, "330000", T0);
        var before = await azurite.Tables.GetTableClient(StorageNames.CasesTable).GetEntityAsync<TableEntity>(record.CaseId, "case", cancellationToken: Ct);
        clock.Advance(TimeSpan.FromMinutes(5));

        var result = await store.UpdateAsync(record.CaseId, r => { r.Status = CaseStatus.Failed; return false; }, Ct);

        var after = await azurite.Tables.GetTableClient(StorageNames.CasesTable).GetEntityAsync<TableEntity>(record.CaseId, "case", cancellationToken: Ct);
        Assert.Equal(before.Value.ETag, after.Value.ETag);
        Assert.Equal(before.Value.ETag, result.ETag);
        var read = await store.GetAsync(record.CaseId, Ct);
        Assert.Equal((CaseStatus.Received, T0), (read!.Record.Status, read.Record.UpdatedAt));
    }

    [Fact]
    public async Task A_change_decided_against_on_the_row_this_process_last_wrote_is_decided_again_on_the_row_another_host_wrote_since()
    {
        // Hub A wrote the case last; hub B moved it to review since. A decision at hub A (a change only a case awaiting review takes)
        // decided on A's row would change nothing, and its refusal would never be put right: no write is tried, so no ETag refuses it.
        var a = Store();
        var record = await CreateAsync(a, "330000", T0);
        await a.UpdateAsync(record.CaseId, r => { r.Status = CaseStatus.InProgress; return true; }, Ct);
        await Store().UpdateAsync(record.CaseId, r => { r.Status = CaseStatus.AwaitingReview; return true; }, Ct);
        var seen = new List<CaseStatus>();

        var decided = await a.UpdateAsync(record.CaseId, r =>
        {
            seen.Add(r.Status);
            if (r.Status != CaseStatus.AwaitingReview) return false;
            r.Status = CaseStatus.InProgress;
            return true;
        }, Ct);

        Assert.Equal([CaseStatus.InProgress, CaseStatus.AwaitingReview], seen);
        Assert.Equal(CaseStatus.InProgress, (await a.GetAsync(record.CaseId, Ct))!.Record.Status);
        Assert.Equal(3, decided.Record.StatusChanges); // A's, B's, the decision's
    }

    [Fact]
    public async Task Updating_a_missing_case_throws_CaseNotFound()
    {
        var caseId = CaseData.NewCaseId();
        var e = await Assert.ThrowsAsync<CaseNotFoundException>(() => Store().UpdateAsync(caseId, _ => true, Ct));
        Assert.Equal(caseId, e.CaseId);
    }

    [Fact]
    public async Task Index_rows_appear_for_every_involved_province()
    {
        var (handling, partyA, partyB) = (CaseData.NewProvinceCode(), CaseData.NewProvinceCode(), CaseData.NewProvinceCode());
        var store = Store();
        var command = CaseData.MarriageCommand(handling, partyA, partyB);
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, T0);
        await store.CreateAsync(record, command, Ct);

        foreach (var province in new[] { handling, partyA, partyB })
        {
            var rows = await TableRows.InPartitionAsync(azurite.Tables, StorageNames.CaseIndexTable, province, Ct);
            var row = Assert.Single(rows);
            Assert.Equal(record.CaseId, row.GetString("CaseId"));
            var page = await store.ListAsync(province, null, null, null, 10, null, Ct);
            Assert.Equal([record.CaseId], page.Items.Select(c => c.CaseId));
        }
    }

    [Fact]
    public async Task Another_provinces_list_never_shows_the_case()
    {
        var (mine, other) = (CaseData.NewProvinceCode(), CaseData.NewProvinceCode());
        var store = Store();
        var mineCase = await CreateAsync(store, mine, T0);
        var otherCase = await CreateAsync(store, other, T0);

        var page = await store.ListAsync(other, null, null, null, 50, null, Ct);

        Assert.Equal([otherCase.CaseId], page.Items.Select(c => c.CaseId));
        Assert.DoesNotContain(mineCase.CaseId, page.Items.Select(c => c.CaseId));
    }

    [Fact]
    public async Task List_is_newest_first()
    {
        var province = CaseData.NewProvinceCode();
        var store = Store();
        var middle = await CreateAsync(store, province, T0.AddMinutes(1));
        var oldest = await CreateAsync(store, province, T0);
        var newest = await CreateAsync(store, province, T0.AddMinutes(2));

        var page = await store.ListAsync(province, null, null, null, 10, null, Ct);

        Assert.Equal([newest.CaseId, middle.CaseId, oldest.CaseId], page.Items.Select(c => c.CaseId));
    }

    [Fact]
    public async Task List_filters_by_status_after_a_status_change()
    {
        var province = CaseData.NewProvinceCode();
        var store = Store();
        var received = await CreateAsync(store, province, T0);
        var moved = await CreateAsync(store, province, T0.AddMinutes(1));
        await store.UpdateAsync(moved.CaseId, r => { r.Status = CaseStatus.InProgress; return true; }, Ct);

        var inProgress = await store.ListAsync(province, CaseStatus.InProgress, null, null, 10, null, Ct);
        var stillReceived = await store.ListAsync(province, CaseStatus.Received, null, null, 10, null, Ct);

        Assert.Equal([moved.CaseId], inProgress.Items.Select(c => c.CaseId));
        Assert.Equal(CaseStatus.InProgress, inProgress.Items[0].Status);
        Assert.Equal([received.CaseId], stillReceived.Items.Select(c => c.CaseId));
    }

    [Fact]
    public async Task List_filters_by_case_type()
    {
        var province = CaseData.NewProvinceCode();
        var store = Store();
        var marriage = await CreateAsync(store, province, T0);
        var transfer = await CreateAsync(store, province, T0.AddMinutes(1), caseType: CaseTypeNames.SchoolTransfer);

        var marriages = await store.ListAsync(province, null, CaseTypeNames.Marriage, null, 10, null, Ct);
        var transfers = await store.ListAsync(province, null, CaseTypeNames.SchoolTransfer, null, 10, null, Ct);

        Assert.Equal([marriage.CaseId], marriages.Items.Select(c => c.CaseId));
        Assert.Equal([transfer.CaseId], transfers.Items.Select(c => c.CaseId));
    }

    [Fact]
    public async Task List_filters_by_updatedSince()
    {
        var province = CaseData.NewProvinceCode();
        var store = Store();
        var old = await CreateAsync(store, province, T0);
        var recent = await CreateAsync(store, province, T0.AddHours(2));

        var page = await store.ListAsync(province, null, null, T0.AddHours(1), 10, null, Ct);
        var boundary = await store.ListAsync(province, null, null, T0, 10, null, Ct);

        Assert.Equal([recent.CaseId], page.Items.Select(c => c.CaseId));
        Assert.Equal([recent.CaseId, old.CaseId], boundary.Items.Select(c => c.CaseId));
    }

    [Fact]
    public async Task Step_progress_without_status_change_is_found_by_updatedSince()
    {
        var province = CaseData.NewProvinceCode();
        var store = Store();
        var record = await CreateAsync(store, province, T0);
        clock.Advance(TimeSpan.FromHours(2));
        await store.UpdateAsync(record.CaseId, r => { r.Step("verify-resident", "partyA", province).Status = StepStatus.Succeeded; return true; }, Ct);

        var page = await store.ListAsync(province, null, null, T0.AddHours(1), 10, null, Ct);

        Assert.Equal([record.CaseId], page.Items.Select(c => c.CaseId));
        Assert.True(page.Items[0].UpdatedAt >= T0.AddHours(1));
    }

    [Fact]
    public async Task List_pages_with_continuation_tokens_newest_first()
    {
        var province = CaseData.NewProvinceCode();
        var store = Store();
        var created = new List<CaseRecord>();
        for (var i = 0; i < 5; i++) created.Add(await CreateAsync(store, province, T0.AddMinutes(i)));

        var seen = new List<string>();
        var pages = new List<int>();
        string? token = null;
        do
        {
            var page = await store.ListAsync(province, null, null, null, 2, token, Ct);
            Assert.True(page.Items.Count <= 2);
            if (page.Items.Count > 0) pages.Add(page.Items.Count);
            seen.AddRange(page.Items.Select(c => c.CaseId));
            token = page.ContinuationToken;
        }
        while (token is not null && pages.Count < 10);

        Assert.Equal([2, 2, 1], pages);
        Assert.Equal(created.Select(c => c.CaseId).Reverse(), seen);
    }

    [Fact]
    public async Task Stored_row_holds_no_id_number_or_name_in_clear()
    {
        var store = Store();
        var record = await CreateAsync(store, "330000", T0, partyB: "310000");

        var raw = (await azurite.Tables.GetTableClient(StorageNames.CasesTable).GetEntityAsync<TableEntity>(record.CaseId, "case", cancellationToken: Ct)).Value;

        var details = raw.GetString("Details");
        Assert.False(string.IsNullOrEmpty(details));
        foreach (var value in TableRows.StringValues(raw))
        {
            Assert.DoesNotContain(CaseData.PartyAIdNumber, value);
            Assert.DoesNotContain(CaseData.PartyBIdNumber, value);
            Assert.DoesNotContain(CaseData.PartyAName, value);
            Assert.DoesNotContain(CaseData.PartyBName, value);
        }

        // Not merely Base64 of the plaintext either.
        var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(details[(details.LastIndexOf('.') + 1)..]));
        Assert.DoesNotContain(CaseData.PartyAIdNumber, decoded);
        Assert.DoesNotContain(CaseData.PartyAName, decoded);
    }

    [Fact]
    public async Task A_different_key_cannot_read_the_details()
    {
        var record = await CreateAsync(Store(), "330000", T0);

        var otherKey = Store(CaseData.NewCipher());

        await Assert.ThrowsAnyAsync<CryptographicException>(() => otherKey.GetAsync(record.CaseId, Ct));
    }

    [Fact]
    public async Task A_callback_snapshot_is_the_partners_view_without_the_operator()
    {
        var store = Store();
        var record = await CreateAsync(store, "330000", T0);

        await store.UpdateAsync(record.CaseId, r =>
        {
            r.Audit.Add(new CaseAuditEntry(T0, "redrive", "operator ops-9", "verify-resident.partyA", "called Mr Wang back"));
            r.Status = CaseStatus.InProgress;
            return true;
        }, Ct);

        var outbox = await azurite.Tables.GetTableClient(StorageNames.CasesTable)
            .GetEntityAsync<TableEntity>(record.CaseId, Tongban.Callbacks.PartnerCallbackOutbox.RowKey(1), cancellationToken: Ct);
        var snapshot = System.Text.Json.Nodes.JsonNode.Parse(outbox.Value.GetString("Snapshot"))!;
        var entry = Assert.Single(snapshot["audit"]!.AsArray())!;
        Assert.Equal(["at", "action", "step"], entry.AsObject().Select(p => p.Key));
        Assert.DoesNotContain("ops-9", snapshot.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Mr Wang", snapshot.ToJsonString(), StringComparison.Ordinal);
        // The case row keeps who and why, for operators.
        Assert.Equal("operator ops-9", (await store.GetAsync(record.CaseId, Ct))!.Record.Audit.Single().Actor);
    }
}
