using Tongban.DevHost.Hosting;

namespace Tongban.IntegrationTests.Queues;

/// <summary>How the bench probe names a storage request by operation, for Azurite (account in the path) and Azure (in the host).</summary>
public sealed class BenchProbeOperationTests
{
    private static readonly IReadOnlyDictionary<int, string> Azurite =
        BenchProbe.AzuritePorts("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=x;BlobEndpoint=http://127.0.0.1:41000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:41001/devstoreaccount1;TableEndpoint=http://127.0.0.1:41002/devstoreaccount1;");

    [Fact]
    public void Azurite_ports_come_from_the_connection_string()
    {
        Assert.Equal([(41000, "blob"), (41001, "queue"), (41002, "table")], Azurite.OrderBy(p => p.Key).Select(p => (p.Key, p.Value)));
        Assert.Equal("table", BenchProbe.AzuritePorts("UseDevelopmentStorage=true")[10002]);
        Assert.Empty(BenchProbe.AzuritePorts("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=x;EndpointSuffix=core.windows.net"));
    }

    [Theory]
    [InlineData("GET", "http://127.0.0.1:41002/devstoreaccount1/TongbanCases(PartitionKey='c1',RowKey='case')", "table GET TongbanCases")]
    [InlineData("POST", "http://127.0.0.1:41001/devstoreaccount1/bench-control-02/messages?visibilitytimeout=30", "queue POST bench-control-02/messages")]
    [InlineData("DELETE", "http://127.0.0.1:41001/devstoreaccount1/tongban-330000/messages/abc?popreceipt=x", "queue DELETE tongban-330000/messages")]
    [InlineData("PUT", "http://127.0.0.1:41000/devstoreaccount1/bench-leases/default/bench-control-00", "blob PUT bench-leases/*")]
    [InlineData("PATCH", "https://acct.table.core.windows.net/TongbanCases(PartitionKey='c1',RowKey='case')", "table PATCH TongbanCases")]
    [InlineData("GET", "https://acct.queue.core.windows.net/bench-workitems/messages", "queue GET bench-workitems/messages")]
    public void A_storage_request_is_named_by_service_verb_and_target(string method, string url, string expected) =>
        Assert.Equal(expected, BenchProbe.Operation(method, new Uri(url), Azurite));

    [Fact]
    public void A_request_that_is_not_to_storage_is_not_named()
    {
        Assert.Null(BenchProbe.Operation("GET", new Uri("http://127.0.0.1:5099/sh/api/v2/residents/x"), Azurite));
        Assert.Null(BenchProbe.Operation("GET", new Uri("https://example.com/a/b"), Azurite));
    }
}
