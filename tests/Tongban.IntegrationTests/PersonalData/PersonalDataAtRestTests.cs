using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Xunit.Abstractions;

namespace Tongban.IntegrationTests.PersonalData;

/// <summary>
/// Rule: no ID number or name in clear in any table, queue message or blob the hub (or its Durable engine) writes.
/// After the shared end-to-end run, reads every entity of every table, peeks every queue (poison queues included),
/// decoding Base64 and gzip, and reads every blob of every container in that Azurite, and every status callback the
/// partner's receiver got.
/// </summary>
[Collection(PersonalDataCollection.Name)]
public sealed class PersonalDataAtRestTests(PersonalDataRun run, ITestOutputHelper output)
{
    [Fact]
    public async Task No_id_number_or_name_is_stored_in_clear()
    {
        var scan = new Infrastructure.PersonalDataScan(run.Names);
        var findings = new List<string>();
        var read = new Dictionary<string, int> { ["tables"] = 0, ["entities"] = 0, ["queues"] = 0, ["messages"] = 0, ["containers"] = 0, ["blobs"] = 0 };

        var tables = new TableServiceClient(run.StorageConnectionString);
        await foreach (var table in tables.QueryAsync())
        {
            read["tables"]++;
            await foreach (var entity in tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                read["entities"]++;
                var where = $"table {table.Name} ({entity.PartitionKey} / {entity.RowKey})";
                findings.AddRange(scan.Find(where + " keys", entity.PartitionKey + " " + entity.RowKey));
                foreach (var (property, value) in entity)
                {
                    findings.AddRange(value switch
                    {
                        byte[] bytes => scan.FindInBytes($"{where}.{property}", bytes),
                        string text => scan.FindInBytes($"{where}.{property}", System.Text.Encoding.UTF8.GetBytes(text)),
                        null => [],
                        _ => scan.Find($"{where}.{property}", Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)),
                    });
                }
            }
        }

        var queues = new QueueServiceClient(run.StorageConnectionString);
        await foreach (var queue in queues.GetQueuesAsync())
        {
            read["queues"]++;
            // A peek returns at most 32 messages; after the run these queues hold far fewer.
            foreach (var message in (await queues.GetQueueClient(queue.Name).PeekMessagesAsync(32)).Value)
            {
                read["messages"]++;
                findings.AddRange(scan.FindInBytes($"queue {queue.Name} message {message.MessageId}", message.Body.ToArray()));
            }
        }

        foreach (var ((queue, id), body) in run.QueueMessagesSeen)
        {
            read["messages seen during the run"] = read.GetValueOrDefault("messages seen during the run") + 1;
            findings.AddRange(scan.FindInBytes($"queue {queue} message {id} (during the run)", body));
        }

        var blobs = new BlobServiceClient(run.StorageConnectionString);
        await foreach (var container in blobs.GetBlobContainersAsync())
        {
            read["containers"]++;
            var client = blobs.GetBlobContainerClient(container.Name);
            await foreach (var blob in client.GetBlobsAsync())
            {
                read["blobs"]++;
                var content = (await client.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray();
                findings.AddRange(scan.Find($"blob {container.Name}/{blob.Name} name", blob.Name));
                findings.AddRange(scan.FindInBytes($"blob {container.Name}/{blob.Name}", content));
            }
        }

        // Status callbacks leave the hub for the partner: the case JSON they carry shows ID numbers masked and no name.
        foreach (var callback in run.Callbacks.Received)
        {
            read["callbacks"] = read.GetValueOrDefault("callbacks") + 1;
            findings.AddRange(scan.FindInBytes($"callback {callback.Sequence} of case {callback.CaseId}", callback.Body));
        }

        output.WriteLine($"read: {string.Join(", ", read.Select(r => $"{r.Key}={r.Value}"))}; names sent {run.Names.Count}, ID numbers sent {run.IdNumbers.Count}");
        foreach (var finding in findings) output.WriteLine(finding);
        Assert.True(read["entities"] > 0 && read["tables"] > 0, "nothing was read: the scan saw no storage");
        Assert.True(read.GetValueOrDefault("callbacks") >= run.Outcomes.Count, "the run's status callbacks were not all seen");
        Assert.True(findings.Count == 0, $"{findings.Count} place(s) hold personal data in clear:\n{string.Join("\n", findings)}");
    }
}
