using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tongban.Api;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Operations;
using Tongban.Provinces;
using Tongban.Storage;

namespace Tongban.IntegrationTests.Storage;

/// <summary>The housekeeping job on Azurite: every nonce partition the hub writes is purged once out of the window, Shanghai's callbacks' too.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class HousekeepingJobTests(AzuriteFixture azurite)
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task Old_partner_operator_and_callback_nonces_are_purged_and_fresh_ones_kept()
    {
        var partner = CaseData.NewProvinceCode();
        var operatorId = "ops-" + Guid.NewGuid().ToString("N")[..8];
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Tongban:Pii:Keys:k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Tongban:Pii:ActiveKeyId"] = "k1",
            [$"Tongban:Partners:{partner}:Secret"] = new string('p', 32),
            [$"Tongban:Operators:{operatorId}:Secret"] = new string('o', 32),
            ["Tongban:Provinces:310000:Scheme"] = "sh-hmac",
            ["Tongban:Provinces:310000:BaseUrl"] = "http://127.0.0.1:9/",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddTongbanCore(configuration).AddTongbanProvinceAdapters();
        services.AddSingleton<TimeProvider>(clock);
        // The audit pass purges ended cases' orchestration history through the engine's client; no case has ended here.
        services.AddSingleton(new Moq.Mock<Microsoft.DurableTask.Client.DurableTaskClient>("housekeeping").Object);
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<StorageInitializer>().EnsureAsync(["310000"], ct);
        var nonces = provider.GetRequiredService<NonceStore>();
        var partitions = new[] { partner, PartnerAuthenticator.NonceScope + operatorId, ProvinceCallbackApi.NonceScope("310000") };
        foreach (var partition in partitions) Assert.True(await nonces.TryRecordAsync(partition, Guid.NewGuid().ToString(), ct));
        clock.Advance(HousekeepingJob.NonceWindow + TimeSpan.FromSeconds(1));
        var fresh = Guid.NewGuid().ToString();
        foreach (var partition in partitions) Assert.True(await nonces.TryRecordAsync(partition, fresh, ct));

        await provider.GetRequiredService<HousekeepingJob>().RunAsync(ct);

        foreach (var partition in partitions)
        {
            var left = await TableRows.InPartitionAsync(azurite.Tables, StorageNames.NoncesTable, partition, ct);
            Assert.Equal([fresh], left.Select(r => r.RowKey));
        }
    }
}
