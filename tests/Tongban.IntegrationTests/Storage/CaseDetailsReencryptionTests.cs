using System.Security.Cryptography;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Operations;
using Tongban.Storage;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// A PII key rotation on Azurite: cases sealed under key A, the ring rotated to B, the re-encryption job run; every case is
/// then under B, readable, and still readable once A has left the ring. Its own Azurite: the job reads the whole cases
/// table, which the shared one fills with other tests' cases; each test here uses key IDs of its own.
/// </summary>
public sealed class CaseDetailsReencryptionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly byte[] KeyA = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] KeyB = RandomNumberGenerator.GetBytes(32);
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static CaseDetailsCipher Cipher(string active, params (string Id, byte[] Key)[] keys) =>
        new(new PiiKeyRing(keys.ToDictionary(k => k.Id, k => k.Key), active));

    private CaseStore Store(CaseDetailsCipher cipher) => new(azurite.Tables, cipher, TimeProvider.System);

    private async Task<List<string>> CreateCasesAsync(CaseStore store, int count)
    {
        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([], ct);
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var command = CaseData.MarriageCommand("330000", "330000", "310000", reference: "REF-" + i);
            var record = CaseData.RecordFor(CaseData.NewCaseId(), command, DateTimeOffset.UtcNow);
            await store.CreateAsync(record, command, ct);
            ids.Add(record.CaseId);
        }

        return ids;
    }

    private async Task<string> RawDetailsAsync(string caseId) =>
        (await azurite.Tables.GetTableClient(StorageNames.CasesTable).GetEntityAsync<TableEntity>(caseId, "case", cancellationToken: ct)).Value.GetString("Details");

    [Fact]
    public async Task After_a_rotation_the_job_moves_every_case_to_the_new_key_and_the_old_key_can_leave()
    {
        var ids = await CreateCasesAsync(Store(Cipher("a", ("a", KeyA))), 7);
        Assert.All(await Task.WhenAll(ids.Select(RawDetailsAsync)), d => Assert.StartsWith("v1.a.", d, StringComparison.Ordinal));

        var rotated = Cipher("b", ("a", KeyA), ("b", KeyB));
        var job = new CaseDetailsReencryption(Store(rotated), rotated.Ring, NullLogger<CaseDetailsReencryption>.Instance);
        var run = await job.RunAsync(ct);

        Assert.NotNull(run);
        // (This class's other tests leave cases under keys this ring does not hold: counted unreadable, left alone.)
        Assert.Equal((7, 0, false), (run.Rewritten, run.Conflicts, run.More));
        Assert.All(await Task.WhenAll(ids.Select(RawDetailsAsync)), d => Assert.StartsWith("v1.b.", d, StringComparison.Ordinal));
        var withoutA = Store(Cipher("b", ("b", KeyB)));
        foreach (var id in ids)
        {
            var read = await withoutA.GetAsync(id, ct);
            Assert.Equal(CaseData.PartyAIdNumber, read!.Command.Marriage!.PartyA.IdNumber);
        }

        // Done: the job does not query again in this process, and a fresh one finds nothing left.
        Assert.Null(await job.RunAsync(ct));
        Assert.Equal(0, (await Store(rotated).ReencryptAsync(100, 10, ct)).Rewritten);
    }

    [Fact]
    public async Task A_run_rewrites_at_most_its_bound_and_the_next_run_goes_on()
    {
        var ids = await CreateCasesAsync(Store(Cipher("c", ("c", KeyA))), 5);
        var rotated = Store(Cipher("d", ("c", KeyA), ("d", KeyB)));

        var first = await rotated.ReencryptAsync(max: 3, maxPages: 10, ct);
        Assert.Equal((3, true), (first.Rewritten, first.More));
        var second = await rotated.ReencryptAsync(max: 3, maxPages: 10, ct);
        Assert.Equal((2, false), (second.Rewritten, second.More));
        Assert.All(await Task.WhenAll(ids.Select(RawDetailsAsync)), d => Assert.StartsWith("v1.d.", d, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Re_encryption_racing_case_updates_loses_no_update_and_leaves_every_case_readable()
    {
        var ids = await CreateCasesAsync(Store(Cipher("e", ("e", KeyA))), 20);
        var rotated = Store(Cipher("f", ("e", KeyA), ("f", KeyB)));

        // Case updates replace the row conditionally on its ETag; the job merges Details conditionally on its ETag.
        var updates = Task.WhenAll(ids.Select(id => Task.Run(() => rotated.UpdateAsync(id, r =>
        {
            r.Status = CaseStatus.InProgress;
            return true;
        }, ct), ct)));
        var runs = Task.Run(async () =>
        {
            ReencryptionRun run;
            do run = await rotated.ReencryptAsync(max: 5, maxPages: 10, ct);
            while (run.More);
        }, ct);
        await Task.WhenAll(updates, runs);

        foreach (var id in ids)
        {
            var read = await Store(Cipher("f", ("f", KeyB))).GetAsync(id, ct);
            Assert.Equal(CaseStatus.InProgress, read!.Record.Status);
            Assert.Equal(CaseData.PartyBName, read.Command.Marriage!.PartyB.Name);
        }
    }

    [Fact]
    public async Task Details_copied_onto_another_case_row_do_not_open()
    {
        var store = Store(Cipher("g", ("g", KeyA)));
        var ids = await CreateCasesAsync(store, 2);
        var table = azurite.Tables.GetTableClient(StorageNames.CasesTable);
        await table.UpdateEntityAsync(new TableEntity(ids[1], "case") { ["Details"] = await RawDetailsAsync(ids[0]) }, Azure.ETag.All, TableUpdateMode.Merge, ct);

        await Assert.ThrowsAnyAsync<CryptographicException>(() => store.GetAsync(ids[1], ct));
        Assert.NotNull(await store.GetAsync(ids[0], ct));
    }
}
