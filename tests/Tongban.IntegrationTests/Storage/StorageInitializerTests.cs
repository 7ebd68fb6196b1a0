using Azure.Data.Tables;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;

namespace Tongban.IntegrationTests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class StorageInitializerTests(AzuriteFixture azurite)
{
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token;

    [Fact]
    public async Task Creates_every_table_and_each_provinces_queue_with_its_poison_twin()
    {
        var provinces = new[] { CaseData.NewProvinceCode(), CaseData.NewProvinceCode() };

        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync(provinces, ct);

        foreach (var table in StorageNames.Tables)
        {
            var found = new List<string>();
            await foreach (var t in azurite.Tables.QueryAsync(TableServiceClient.CreateQueryFilter($"TableName eq {table}"), cancellationToken: ct)) found.Add(t.Name);
            Assert.Equal([table], found);
        }

        foreach (var code in provinces)
        {
            Assert.True((await azurite.Queues.GetQueueClient($"province-{code}").ExistsAsync(ct)).Value, $"province-{code}");
            Assert.True((await azurite.Queues.GetQueueClient($"province-{code}-poison").ExistsAsync(ct)).Value, $"province-{code}-poison");
        }
    }

    [Fact]
    public async Task Running_twice_is_harmless_and_keeps_what_is_stored()
    {
        var code = CaseData.NewProvinceCode();
        var initializer = new StorageInitializer(azurite.Tables, azurite.Queues);
        await initializer.EnsureAsync([code], ct);
        var caller = "C" + Guid.NewGuid().ToString("N");
        await azurite.Tables.GetTableClient(StorageNames.NoncesTable).AddEntityAsync(new TableEntity(caller, "n-1"), ct);
        await azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(code)).SendMessageAsync("kept", ct);

        await initializer.EnsureAsync([code], ct);

        Assert.Single(await TableRows.InPartitionAsync(azurite.Tables, StorageNames.NoncesTable, caller, ct));
        var peeked = (await azurite.Queues.GetQueueClient(StorageNames.ProvinceQueue(code)).PeekMessagesAsync(10, ct)).Value;
        Assert.Equal(["kept"], peeked.Select(m => m.MessageText));
    }
}
