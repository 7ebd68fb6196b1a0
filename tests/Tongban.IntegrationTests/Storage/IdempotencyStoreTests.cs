using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;

namespace Tongban.IntegrationTests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class IdempotencyStoreTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(T0);
    private readonly PiiKeyRing keys = CaseData.NewKeyRing();
    private readonly string partner = "P" + Guid.NewGuid().ToString("N");
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token;

    public Task InitializeAsync() => new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([], CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;

    private IdempotencyStore Store() => new(azurite.Tables, keys, clock);

    [Fact]
    public async Task First_claim_of_a_key_returns_null()
    {
        Assert.Null(await Store().TryClaimAsync(partner, "key-1", "hash-1", "TB-1", ct));
    }

    [Fact]
    public async Task A_claim_whose_insert_was_sent_again_after_its_answer_was_lost_is_the_callers_own()
    {
        var lost = new LostResponses(LostResponses.InsertsInto(StorageNames.IdempotencyTable));

        Assert.Null(await new IdempotencyStore(lost.Tables(azurite.ConnectionString), keys, clock).TryClaimAsync(partner, "key-1", "hash-1", "TB-mine", ct));
        Assert.Equal(1, lost.Lost);
        // Another request with the key still finds the claim, naming the first request's case.
        var existing = await Store().TryClaimAsync(partner, "key-1", "hash-1", "TB-other", ct);
        Assert.Equal(("TB-mine", IdempotencyState.Pending), (existing?.CaseId, existing?.State));
    }

    [Fact]
    public async Task A_second_claim_whose_insert_was_sent_again_after_its_answer_was_lost_still_finds_the_first()
    {
        await Store().TryClaimAsync(partner, "key-1", "hash-1", "TB-first", ct);
        var lost = new LostResponses(LostResponses.InsertsInto(StorageNames.IdempotencyTable));

        var existing = await new IdempotencyStore(lost.Tables(azurite.ConnectionString), keys, clock).TryClaimAsync(partner, "key-1", "hash-2", "TB-second", ct);

        Assert.Equal(1, lost.Lost);
        Assert.Equal(("TB-first", "hash-1"), (existing?.CaseId, existing?.BodyHash));
    }

    [Fact]
    public async Task Second_claim_returns_what_the_first_claimed()
    {
        var store = Store();
        await store.TryClaimAsync(partner, "key-1", "hash-1", "TB-first", ct);
        clock.Advance(TimeSpan.FromMinutes(1));

        var existing = await store.TryClaimAsync(partner, "key-1", "hash-2", "TB-second", ct);

        Assert.NotNull(existing);
        Assert.Equal(("TB-first", "hash-1", IdempotencyState.Pending, T0), (existing.CaseId, existing.BodyHash, existing.State, existing.CreatedAt));
    }

    [Fact]
    public async Task Same_key_from_another_partner_is_a_new_claim()
    {
        var store = Store();
        await store.TryClaimAsync(partner, "shared-key", "hash-1", "TB-mine", ct);

        var other = await store.TryClaimAsync(partner + "-other", "shared-key", "hash-1", "TB-theirs", ct);

        Assert.Null(other);
        Assert.Equal("TB-mine", (await store.TryClaimAsync(partner, "shared-key", "h", "x", ct))!.CaseId);
        Assert.Equal("TB-theirs", (await store.TryClaimAsync(partner + "-other", "shared-key", "h", "x", ct))!.CaseId);
    }

    [Fact]
    public async Task Take_over_of_a_stale_claim_succeeds_once()
    {
        var store = Store();
        await store.TryClaimAsync(partner, "key-1", "hash-1", "TB-first", ct);
        var stale = await store.TryClaimAsync(partner, "key-1", "hash-1", "TB-x", ct);
        clock.Advance(TimeSpan.FromMinutes(10));

        var first = await store.TryTakeOverAsync(partner, "key-1", stale!, ct);
        var second = await store.TryTakeOverAsync(partner, "key-1", stale!, ct);

        Assert.True(first);
        Assert.False(second);
        var after = await store.TryClaimAsync(partner, "key-1", "hash-1", "TB-x", ct);
        Assert.Equal(("TB-first", T0.AddMinutes(10)), (after!.CaseId, after.CreatedAt));
    }

    [Fact]
    public async Task Two_racing_take_overs_of_one_stale_claim_let_exactly_one_win()
    {
        await Store().TryClaimAsync(partner, "key-1", "hash-1", "TB-first", ct);
        var stale = await Store().TryClaimAsync(partner, "key-1", "hash-1", "TB-x", ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => Store().TryTakeOverAsync(partner, "key-1", stale!, ct), ct)));

        Assert.Equal(1, results.Count(r => r));
    }

    [Fact]
    public async Task Row_key_is_a_keyed_hash_not_the_key_itself()
    {
        const string key = "order/2026#03?x=1";
        Assert.Null(await Store().TryClaimAsync(partner, key, "hash-1", "TB-1", ct));

        var row = Assert.Single(await TableRows.InPartitionAsync(azurite.Tables, StorageNames.IdempotencyTable, partner, ct));

        Assert.NotEqual(key, row.RowKey);
        Assert.DoesNotContain("order", row.RowKey);
        Assert.Matches("^[0-9a-f]{64}$", row.RowKey);
        Assert.Equal(keys.KeyedHash(PiiPurpose.Idempotency, key), row.RowKey);
        Assert.NotEqual(CaseData.NewKeyRing().KeyedHash(PiiPurpose.Idempotency, key), row.RowKey);
    }

    [Fact]
    public async Task A_claim_made_before_a_key_rotation_is_still_found_and_taken_over()
    {
        var keyA = RandomNumberGenerator.GetBytes(32);
        var before = new IdempotencyStore(azurite.Tables, new PiiKeyRing(new Dictionary<string, byte[]> { ["a"] = keyA }, "a"), clock);
        Assert.Null(await before.TryClaimAsync(partner, "key-rotated", "hash-1", "TB-before", ct));

        var rotated = new PiiKeyRing(new Dictionary<string, byte[]> { ["a"] = keyA, ["b"] = RandomNumberGenerator.GetBytes(32) }, "b");
        var after = new IdempotencyStore(azurite.Tables, rotated, clock);
        clock.Advance(TimeSpan.FromMinutes(5));

        // The retry after the rotation finds the claim (no second case) and takes over the stale claim; the next retry finds it
        // again, under its case, taken over (a second take-over of the same stale read is refused).
        var found = await after.TryClaimAsync(partner, "key-rotated", "hash-1", "TB-after", ct);
        Assert.Equal(("TB-before", IdempotencyState.Pending), (found!.CaseId, found.State));
        Assert.True(await after.TryTakeOverAsync(partner, "key-rotated", found, ct));
        Assert.False(await after.TryTakeOverAsync(partner, "key-rotated", found, ct));
        var again = await after.TryClaimAsync(partner, "key-rotated", "hash-1", "TB-again", ct);
        Assert.Equal(("TB-before", clock.GetUtcNow()), (again!.CaseId, again.CreatedAt));

        // No row under the new key was made for it.
        var rows = await TableRows.InPartitionAsync(azurite.Tables, StorageNames.IdempotencyTable, partner, ct);
        Assert.Equal(rotated.KeyedHash("a", PiiPurpose.Idempotency, "key-rotated"), Assert.Single(rows).RowKey);
    }
}
