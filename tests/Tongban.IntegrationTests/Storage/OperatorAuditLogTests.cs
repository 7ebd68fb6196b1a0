using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;

namespace Tongban.IntegrationTests.Storage;

/// <summary>The operators' audit log on Azurite: appended, results set after, listed newest first in pages.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class OperatorAuditLogTests(AzuriteFixture azurite)
{
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task Entries_list_newest_first_across_pages_with_their_results()
    {
        await azurite.Tables.CreateTableIfNotExistsAsync(StorageNames.OperatorAuditTable, ct);
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var log = new OperatorAuditLog(azurite.Tables, clock);
        var operatorId = "ops-" + Guid.NewGuid().ToString("N")[..8];
        var search = await log.AppendAsync(operatorId, OperatorActions.CaseSearch, "330106********5898", new string('a', 64), "hotline ticket 1", null, ct);
        clock.Advance(TimeSpan.FromSeconds(1));
        var requeue = await log.AppendAsync(operatorId, OperatorActions.PoisonRequeue, "360000", null, "province back", null, ct);
        clock.Advance(TimeSpan.FromSeconds(1));
        // Two actions in the same tick both stay.
        var twin1 = await log.AppendAsync(operatorId, OperatorActions.CaseSearch, "s", null, "twin", 0, ct);
        var twin2 = await log.AppendAsync(operatorId, OperatorActions.CaseSearch, "s", null, "twin", 0, ct);
        await log.SetResultsAsync(search.Id, 3, ct);
        await log.SetResultsAsync(requeue.Id, 7, ct);

        var mine = new List<OperatorAuditEntry>();
        string? continuation = null;
        do
        {
            var page = await log.ListAsync(2, continuation, ct);
            Assert.True(page.Items.Count <= 2);
            mine.AddRange(page.Items.Where(e => e.Operator == operatorId));
            continuation = page.ContinuationToken;
        }
        while (continuation is not null);

        Assert.Equal(4, mine.Count);
        Assert.Equal(new[] { twin1.Id, twin2.Id }.Order(StringComparer.Ordinal), mine.Take(2).Select(e => e.Id).Order(StringComparer.Ordinal));
        Assert.Equal((requeue.Id, 7, "province back"), (mine[2].Id, mine[2].Results!.Value, mine[2].Reason));
        Assert.Equal(search with { Results = 3 }, mine[3]);
    }

    [Fact]
    public async Task An_entry_whose_insert_was_sent_again_after_its_answer_was_lost_is_appended_once()
    {
        await azurite.Tables.CreateTableIfNotExistsAsync(StorageNames.OperatorAuditTable, ct);
        var lost = new LostResponses(LostResponses.InsertsInto(StorageNames.OperatorAuditTable));
        var log = new OperatorAuditLog(lost.Tables(azurite.ConnectionString), TimeProvider.System);
        var reason = "lost answer " + Guid.NewGuid().ToString("N");

        var entry = await log.AppendAsync("ops-lost", OperatorActions.PoisonRequeue, "360000", null, reason, null, ct);

        Assert.Equal(1, lost.Lost);
        var rows = azurite.Tables.GetTableClient(StorageNames.OperatorAuditTable)
            .QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"Reason eq {reason}"), cancellationToken: ct);
        var ids = new List<string>();
        await foreach (var row in rows) ids.Add(row.RowKey);
        Assert.Equal([entry.Id], ids);
    }

    [Fact]
    public async Task A_conflict_with_another_row_under_the_entrys_id_fails_the_append_and_leaves_that_row()
    {
        await azurite.Tables.CreateTableIfNotExistsAsync(StorageNames.OperatorAuditTable, ct);
        var squatter = new Squatter(azurite.Tables.GetTableClient(StorageNames.OperatorAuditTable));
        var options = new TableClientOptions();
        options.AddPolicy(squatter, HttpPipelinePosition.PerRetry);
        var log = new OperatorAuditLog(new TableServiceClient(azurite.ConnectionString, options), TimeProvider.System);

        var refused = await Assert.ThrowsAsync<RequestFailedException>(() =>
            log.AppendAsync("ops-squat", OperatorActions.PoisonRequeue, "360000", null, "mine", null, ct));

        Assert.Equal(409, refused.Status);
        var kept = await azurite.Tables.GetTableClient(StorageNames.OperatorAuditTable)
            .GetEntityAsync<TableEntity>(squatter.Keys!.Value.Partition, squatter.Keys.Value.Row, cancellationToken: ct);
        Assert.Equal("someone else's", kept.Value.GetString("Reason"));
    }

    /// <summary>Before the first insert goes out, puts another row under the keys its body names (an ID taken meanwhile).</summary>
    private sealed class Squatter(TableClient table) : HttpPipelinePolicy
    {
        public (string Partition, string Row)? Keys { get; private set; }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The store calls asynchronously.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (Keys is null && message.Request.Method == RequestMethod.Post && message.Request.Content is { } content)
            {
                using var body = new MemoryStream();
                await content.WriteToAsync(body, CancellationToken.None);
                using var json = JsonDocument.Parse(body.ToArray());
                Keys = (json.RootElement.GetProperty("PartitionKey").GetString()!, json.RootElement.GetProperty("RowKey").GetString()!);
                await table.AddEntityAsync(new TableEntity(Keys.Value.Partition, Keys.Value.Row)
                {
                    ["Operator"] = "someone", ["Action"] = OperatorActions.PoisonRequeue, ["Subject"] = "360000", ["Reason"] = "someone else's",
                });
            }

            await ProcessNextAsync(message, pipeline);
        }
    }
}
