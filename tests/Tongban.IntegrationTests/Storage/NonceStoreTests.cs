using Microsoft.Extensions.Time.Testing;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;

namespace Tongban.IntegrationTests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class NonceStoreTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly string caller = "C" + Guid.NewGuid().ToString("N");
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token;

    public Task InitializeAsync() => new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([], CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;

    private NonceStore Store() => new(azurite.Tables, clock);

    [Fact]
    public async Task First_use_of_a_nonce_is_recorded()
    {
        Assert.True(await Store().TryRecordAsync(caller, "n-1", ct));
    }

    [Fact]
    public async Task Replayed_nonce_is_refused()
    {
        var store = Store();
        await store.TryRecordAsync(caller, "n-1", ct);

        Assert.False(await store.TryRecordAsync(caller, "n-1", ct));
    }

    [Fact]
    public async Task A_first_use_whose_insert_was_sent_again_after_its_answer_was_lost_is_accepted()
    {
        var lost = new LostResponses(LostResponses.InsertsInto(StorageNames.NoncesTable));
        var store = new NonceStore(lost.Tables(azurite.ConnectionString), clock);

        Assert.True(await store.TryRecordAsync(caller, "n-1", ct));
        Assert.Equal(1, lost.Lost);
        // Recorded once, and a replay of it is still refused.
        Assert.Single(await TableRows.InPartitionAsync(azurite.Tables, StorageNames.NoncesTable, caller, ct));
        Assert.False(await Store().TryRecordAsync(caller, "n-1", ct));
    }

    [Fact]
    public async Task A_replay_whose_insert_was_sent_again_after_its_answer_was_lost_is_still_refused()
    {
        Assert.True(await Store().TryRecordAsync(caller, "n-1", ct));
        var lost = new LostResponses(LostResponses.InsertsInto(StorageNames.NoncesTable));

        Assert.False(await new NonceStore(lost.Tables(azurite.ConnectionString), clock).TryRecordAsync(caller, "n-1", ct));
        Assert.Equal(1, lost.Lost);
    }

    [Fact]
    public async Task Same_nonce_from_another_caller_is_accepted()
    {
        var store = Store();
        await store.TryRecordAsync(caller, "n-1", ct);

        Assert.True(await store.TryRecordAsync(caller + "-other", "n-1", ct));
    }

    [Fact]
    public async Task Purge_deletes_only_nonces_older_than_the_window()
    {
        var store = Store();
        var other = caller + "-other";
        await store.TryRecordAsync(caller, "old-1", ct);
        await store.TryRecordAsync(caller, "old-2", ct);
        await store.TryRecordAsync(other, "old-other", ct);
        clock.Advance(TimeSpan.FromMinutes(10));
        await store.TryRecordAsync(caller, "fresh", ct);
        clock.Advance(TimeSpan.FromMinutes(1));

        var deleted = await store.PurgeAsync([caller], TimeSpan.FromMinutes(5), int.MaxValue, ct);

        Assert.Equal(2, deleted);
        var left = await TableRows.InPartitionAsync(azurite.Tables, StorageNames.NoncesTable, caller, ct);
        Assert.Equal(["fresh"], left.Select(r => r.RowKey));
        // A caller not named is left alone, however old its rows.
        Assert.Single(await TableRows.InPartitionAsync(azurite.Tables, StorageNames.NoncesTable, other, ct));
        Assert.False(await store.TryRecordAsync(caller, "fresh", ct));
    }

    [Fact]
    public async Task Purge_keeps_a_nonce_just_inside_the_window()
    {
        var store = Store();
        await store.TryRecordAsync(caller, "edge", ct);
        clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));

        Assert.Equal(0, await store.PurgeAsync([caller], TimeSpan.FromMinutes(5), int.MaxValue, ct));
        Assert.False(await store.TryRecordAsync(caller, "edge", ct));
    }

    [Fact]
    public async Task Purge_stops_at_its_limit_and_the_next_run_goes_on()
    {
        var store = Store();
        var other = caller + "-other";
        // More than one transaction's worth (100) in one partition, and a second partition behind it.
        for (var i = 0; i < 130; i++) await store.TryRecordAsync(caller, $"old-{i:D3}", ct);
        for (var i = 0; i < 20; i++) await store.TryRecordAsync(other, $"old-{i:D3}", ct);
        clock.Advance(TimeSpan.FromMinutes(11));

        Assert.Equal(120, await store.PurgeAsync([caller, other], TimeSpan.FromMinutes(10), 120, ct));
        Assert.Equal(10, (await TableRows.InPartitionAsync(azurite.Tables, StorageNames.NoncesTable, caller, ct)).Count);
        Assert.Equal(20, (await TableRows.InPartitionAsync(azurite.Tables, StorageNames.NoncesTable, other, ct)).Count);

        Assert.Equal(30, await store.PurgeAsync([caller, other], TimeSpan.FromMinutes(10), 120, ct));
        Assert.Empty(await TableRows.InPartitionAsync(azurite.Tables, StorageNames.NoncesTable, caller, ct));
        Assert.Empty(await TableRows.InPartitionAsync(azurite.Tables, StorageNames.NoncesTable, other, ct));
    }
}
