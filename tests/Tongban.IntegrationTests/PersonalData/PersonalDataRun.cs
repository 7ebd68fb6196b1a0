using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using OpenTelemetry.Trace;
using Tongban.IntegrationTests.EndToEnd;
using Tongban.IntegrationTests.Infrastructure;

namespace Tongban.IntegrationTests.PersonalData;

/// <summary>
/// One end-to-end run of all three services on the devhost, shared by the at-rest scan and the log scan: a marriage
/// (Shanghai, ID numbers in its URL paths), newborn registrations completed through a Shanghai callback and an Anhui
/// poll, one rejected (certificate already used), a school transfer completed out of Shanghai (student numbers, which
/// hold ID numbers, in its paths) and one refused by the source school (a province's reason). Every case has a
/// callbackUrl at the fixture's receiver, so status callbacks (outbox rows, their queue, the bodies sent) are covered too. Every logger writes to
/// <see cref="Logs"/> at Trace. The police cannot be made to refuse a newborn registration with the sandbox's data: the hub
/// refuses each case they would refuse earlier (see NewbornEndToEndTests).
/// </summary>
public sealed class PersonalDataRun : HubFixture, IAsyncLifetime
{
    public FakeLoggerProvider Logs { get; } = new();

    /// <summary>Every name this run sent.</summary>
    public IReadOnlyList<string> Names => names;

    /// <summary>Every ID number this run sent.</summary>
    public IReadOnlyList<string> IdNumbers => idNumbers;

    /// <summary>Each case's final view as its partner read it, for the tests to show when a scan fails.</summary>
    public ConcurrentDictionary<string, JsonNode> Outcomes { get; } = new();

    /// <summary>
    /// Every queue message seen while the cases ran (queue, message ID) → body: queues are peeked every 100 ms, since
    /// after the run they are empty and a peek never shows a message being processed.
    /// </summary>
    public ConcurrentDictionary<(string Queue, string MessageId), byte[]> QueueMessagesSeen { get; } = new();

    private readonly List<string> names = [];
    private readonly List<string> idNumbers = [];

    protected override void Configure(Dictionary<string, string?> settings)
    {
        // What a Trace configuration emits: every category at Trace. The capture's own provider rule (Logging:{alias})
        // outranks the devhost's code filters (Microsoft.AspNetCore, Azure, DurableTask at Warning or Error), which are
        // for the console; the console stays at Warning so the run is not slowed by printing.
        settings["Logging:LogLevel:Default"] = "Trace";
        settings[$"Logging:{CapturedHubLog.Alias}:LogLevel:Default"] = "Trace";
        settings["Logging:Console:LogLevel:Default"] = "Warning";
    }

    /// <summary>
    /// Every span ended while the run's tracer provider listened, through OpenTelemetry's in-memory exporter (after the hub's
    /// scrubbing). The listener is process-wide and the <c>Tongban</c> source is static, so the hubs of other collections,
    /// running alongside (two at a time), add their spans too: a test about the run's cases picks them by case ID.
    /// </summary>
    public CapturedSpans Spans { get; } = new();

    protected override void ConfigureServices(IServiceCollection services)
    {
        // As an instance, so the devhost also gives it the Durable engine's log factory.
        services.AddSingleton<ILoggerProvider>(Logs);
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
    }

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        var slowWork = Newborns.FastSlowWork(Sandbox, E2eTimings.SlowWorkDelay);
        using var stopSampling = new CancellationTokenSource();
        var sampling = SampleQueuesAsync(stopSampling.Token);
        try
        {
            await Task.WhenAll(
                MarriageAsync(),
                NewbornAsync(Newborns.AhToSh, "Completed"),
                NewbornAsync(Newborns.JxToAh, "Completed"),
                NewbornAsync(Newborns.UsedShMotherZj, "Rejected"),
                TransferAsync(Students.ShDongQiang, "330000", "Completed"),
                TransferAsync(Students.ZjMaJunRefused, "360000", "Rejected"));
        }
        finally
        {
            Newborns.RestoreSlowWork(Sandbox, slowWork);
            await stopSampling.CancelAsync();
            await sampling;
        }
    }

    private async Task SampleQueuesAsync(CancellationToken stop)
    {
        var queues = new Azure.Storage.Queues.QueueServiceClient(StorageConnectionString);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var queue in queues.GetQueuesAsync(cancellationToken: stop))
                {
                    foreach (var message in (await queues.GetQueueClient(queue.Name).PeekMessagesAsync(32, stop)).Value)
                    {
                        QueueMessagesSeen.TryAdd((queue.Name, message.MessageId), message.Body.ToArray());
                    }
                }

                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Azure.RequestFailedException)
            {
                // A queue deleted between the listing and the peek: the next round lists again.
            }
        }
    }

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    private async Task MarriageAsync()
    {
        var (a, b) = (Marriages.ZjMan1, Marriages.ShWoman1);
        Sent(a.IdNumber, a.Name);
        Sent(b.IdNumber, b.Name);
        var shanghai = Partner("310000");
        var caseId = await OpenAsync(shanghai, Marriages.Body("310000", "310115", a, b));
        await WaitForStatusAsync(shanghai, caseId, "AwaitingReview");
        var decided = await shanghai.PostAsync($"/api/v1/cases/{caseId}/decisions", new { step = "officer-review", decision = "approve", officer = "SH-OFFICER-1" });
        Assert.Equal(202, decided.Status);
        await FinishAsync(shanghai, caseId, "Completed");
    }

    private async Task NewbornAsync(Newborns.Certificate certificate, string expected)
    {
        Sent(certificate.Mother.IdNumber, certificate.Mother.Name);
        Sent(null, certificate.ChildName);
        var partner = Partner(certificate.Mother.Hukou);
        var caseId = await OpenAsync(partner, Newborns.WithMother(certificate));
        await FinishAsync(partner, caseId, expected);
    }

    private async Task TransferAsync(Students.Student student, string target, string expected)
    {
        Sent(student.IdNumber, student.Name);
        var partner = Partner(target);
        var caseId = await OpenAsync(partner, Students.Body(student, target));
        await FinishAsync(partner, caseId, expected);
    }

    private void Sent(string? idNumber, string name)
    {
        lock (names)
        {
            names.Add(name);
            if (idNumber is not null) idNumbers.Add(idNumber);
        }
    }

    /// <summary>Opens a case with a callbackUrl at the fixture's receiver, so the outbox rows, its queue and the callbacks are scanned too.</summary>
    private async Task<string> OpenAsync(DevHost.Demo.PartnerClient partner, object body)
    {
        var json = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(body))!;
        json["callbackUrl"] = Callbacks.Url + "hooks/tongban";
        var opened = await partner.PostAsync("/api/v1/cases", json.ToJsonString(), Marriages.Key());
        Assert.True(opened.Status == 202, $"open: {opened.Status} {opened.Body}");
        return opened["caseId"]!;
    }

    private async Task FinishAsync(DevHost.Demo.PartnerClient partner, string caseId, string expected)
    {
        var done = await WaitForStatusAsync(partner, caseId, "Completed", "Rejected", "Failed", "Expired");
        Outcomes[caseId] = done;
        // The final status's callback is delivered, so what the scans read includes the whole outbox's life.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Callbacks.AcceptedFor(caseId).Any(c => c.Status == expected) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(done["status"]!.ToString() == expected, $"case {caseId}: expected {expected}, got {done.ToJsonString()}");
    }
}

[CollectionDefinition(Name)]
public sealed class PersonalDataCollection : ICollectionFixture<PersonalDataRun>
{
    public const string Name = "personal-data";
}
