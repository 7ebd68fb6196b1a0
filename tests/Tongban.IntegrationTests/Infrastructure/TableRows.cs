using Azure.Data.Tables;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>Raw rows as the table holds them, for asserting on what was written rather than on what the store reads back.</summary>
public static class TableRows
{
    public static async Task<List<TableEntity>> InPartitionAsync(TableServiceClient tables, string table, string partition, CancellationToken ct)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in tables.GetTableClient(table).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken: ct))
        {
            rows.Add(row);
        }

        return rows;
    }

    public static IEnumerable<string> StringValues(TableEntity row) => ((IDictionary<string, object>)row).Values.OfType<string>();
}
