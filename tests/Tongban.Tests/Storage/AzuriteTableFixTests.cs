namespace Tongban.Tests.Storage;

/// <summary>
/// The table store fix Azurite is started with (<c>eng/azurite.cjs</c>, <c>eng/azurite-table-fix.cjs</c>: a point look-up
/// starts with whichever of its two keys fewer entities hold; a query pinned to one partition starts from that partition's
/// entities) changes nothing Azurite answers.
/// <c>eng/azurite-table-fix.check.cjs</c> runs one script of entity operations on a stock table store and a fixed one, with
/// rows laid out as the hub's are (a case row under RowKey "case" in each of 300 partitions, an outbox row in some, one
/// partition of 300 index rows): point reads found and not, inserts of a row already there, merges and deletes with current
/// and stale ETags, upserts, a failed batch rolled back, queries that pin a partition and queries that do not (an `or`, a
/// `not`, a RowKey alone, two partitions at once, a filter that does not parse, a partition read in pages); it stops at the
/// first answer that differs.
/// What the fix saves is measured by the bench (bench/README.md), not here.
/// </summary>
public sealed class AzuriteTableFixTests
{
    [Fact]
    public async Task A_fixed_table_store_answers_every_operation_as_the_stock_one_does_looks_up_by_the_narrower_key_and_queries_one_partition_alone()
    {
        var (exit, output) = await AzuriteQueueFixTests.NodeAsync(Path.Combine("eng", "azurite-table-fix.check.cjs"));

        Assert.True(exit == 0, output);
        Assert.Contains("alike: 33 operations", output, StringComparison.Ordinal);
        // The script reached the answers that depend on finding the one entity of two keys, and the failed batch.
        Assert.Contains("both keys stored, never together: none", output, StringComparison.Ordinal);
        Assert.Contains("insert a row already there: error 409 EntityAlreadyExists", output, StringComparison.Ordinal);
        Assert.Contains("merge with a stale ETag: error 412", output, StringComparison.Ordinal);
        Assert.Contains("a failed batch is rolled back: c-11/case W/\"c11\"", output, StringComparison.Ordinal);
        // A case row (one per partition, 300 under "case") is found by its partition; an index row (300 in one partition,
        // its RowKey held once) by its RowKey, as stock Azurite does.
        Assert.Contains("first keys: c-7/case by PartitionKey, index-310000/c-123 by RowKey", output, StringComparison.Ordinal);
        // Only a partition pinned by an `eq` among the filter's top-level `and` terms narrows the query.
        Assert.Contains("pins: PartitionKey eq 'h-1' → h-1; (RowKey ge '0') and (PartitionKey eq 'h-2') → h-2; PartitionKey eq 'a' or PartitionKey eq 'b' → none; "
            + "PartitionKey gt 'a' → none; Status eq 'PartitionKey' → none; PartitionKey eq → none", output, StringComparison.Ordinal);
        Assert.Contains("a partition read in pages of 120: 120 rows", output, StringComparison.Ordinal);
        // One partition's query looks at that partition's two entities, not at every entity of the table.
        Assert.Contains("entities tested by PartitionKey eq 'c-12': stock 701, fixed 2 (of 701)", output, StringComparison.Ordinal);
    }
}
