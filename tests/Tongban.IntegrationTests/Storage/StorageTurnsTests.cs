using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Tongban.DevHost.Hosting;
using Tongban.IntegrationTests.Infrastructure;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// The devhost's storage turns: at most a few requests in flight, callers' first, the background keeping turns of its own.
/// Driven through an Azure.Core pipeline whose transport answers only when the test lets it.
/// </summary>
public sealed class StorageTurnsTests
{
    [Fact]
    public async Task Background_requests_beyond_the_turns_wait_and_go_in_the_order_they_came()
    {
        var turns = new StorageTurns(2, 1);
        var (storage, pipeline, a, b) = await TwoArrivedAsync(turns);
        var c = await QueuedAsync(turns, () => Send(pipeline, "c"));
        var d = await QueuedAsync(turns, () => Send(pipeline, "d"));

        Assert.Equal(2, storage.Arrived.Count);
        Assert.Equal(2, turns.BackgroundWaited);
        Assert.Equal((0, 2), turns.InFlight);
        Assert.Equal((0, 2), turns.Waiting);
        storage.Answer("b");
        await storage.ArrivedAsync(3);
        Assert.Equal("c", storage.Arrived[2]);
        storage.Answer("a");
        await storage.ArrivedAsync(4);
        Assert.Equal("d", storage.Arrived[3]);
        foreach (var name in new[] { "c", "d" }) storage.Answer(name);
        await Task.WhenAll(a, b, c, d);
        Assert.Equal((0, 0), turns.InFlight);
    }

    [Fact]
    public async Task The_bench_gauges_say_what_is_in_flight_and_what_waits_for_a_turn_now()
    {
        var turns = new StorageTurns(2, 1);
        var (storage, pipeline, a, b) = await TwoArrivedAsync(turns);
        var c = await QueuedAsync(turns, () => Send(pipeline, "c"));

        var now = BenchProbe.Gauges(turns, new WriteCallTurns(4));
        Assert.Equal((0L, 0L, 2L, 1L), (now["callersInFlight"], now["callersWaiting"], now["backgroundInFlight"], now["backgroundWaiting"]));
        Assert.True(now["threads"] > 0);
        storage.Answer("a");
        await storage.ArrivedAsync(3);
        now = BenchProbe.Gauges(turns, new WriteCallTurns(4));
        Assert.Equal((2L, 0L), (now["backgroundInFlight"], now["backgroundWaiting"]));
        storage.Answer("b");
        storage.Answer("c");
        await Task.WhenAll(a, b, c);
        Assert.Equal(0L, BenchProbe.Gauges(turns, new WriteCallTurns(4))["backgroundInFlight"]);
    }

    [Fact]
    public async Task A_caller_waiting_takes_the_next_free_turn_before_the_background_waiting_longer()
    {
        var turns = new StorageTurns(2, 1);
        var (storage, pipeline, a, b) = await TwoArrivedAsync(turns);
        var c = await QueuedAsync(turns, () => Send(pipeline, "c"));
        var x = await QueuedAsync(turns, () => AsCaller(() => Send(pipeline, "x")));

        storage.Answer("a");
        await storage.ArrivedAsync(3);
        Assert.Equal("x", storage.Arrived[2]);
        storage.Answer("b");
        await storage.ArrivedAsync(4);
        Assert.Equal("c", storage.Arrived[3]);
        Assert.Equal(1, turns.CallersWaited);
        storage.Answer("x");
        storage.Answer("c");
        await Task.WhenAll(a, b, c, x);
    }

    [Fact]
    public async Task Callers_never_take_the_turns_the_background_keeps()
    {
        var turns = new StorageTurns(3, 1);
        var storage = new HeldStorage();
        var pipeline = storage.Pipeline(turns);
        // With no background waiting, callers may use every turn.
        var callers = new List<Task<Response>> { AsCaller(() => Send(pipeline, "x1")), AsCaller(() => Send(pipeline, "x2")), AsCaller(() => Send(pipeline, "x3")) };
        await storage.ArrivedAsync(3);
        var background = await QueuedAsync(turns, () => Send(pipeline, "b"));
        callers.Add(await QueuedAsync(turns, () => AsCaller(() => Send(pipeline, "x4"))));

        // The first turn freed goes to the background, though a caller waits: it is the background's own.
        storage.Answer(storage.Arrived[0]);
        await storage.ArrivedAsync(4);
        Assert.Equal("b", storage.Arrived[3]);
        storage.Answer(storage.Arrived[1]);
        await storage.ArrivedAsync(5);
        Assert.Equal("x4", storage.Arrived[4]);
        foreach (var name in storage.Arrived.Skip(2)) storage.Answer(name);
        await Task.WhenAll([.. callers, background]);
        Assert.Equal((0, 0), turns.InFlight);
    }

    [Fact]
    public async Task In_the_callers_line_a_lease_goes_first_then_the_reads_then_the_writes_each_in_the_order_it_came()
    {
        var turns = new StorageTurns(2, 1, taskHub: "bench");
        var (storage, pipeline, a, b) = await TwoArrivedAsync(turns);
        var w1 = await QueuedAsync(turns, () => AsCaller(() => Send(pipeline, "w1")));
        var w2 = await QueuedAsync(turns, () => AsCaller(() => Send(pipeline, "w2")));
        var r1 = await QueuedAsync(turns, () => AsCaller(() => Send(pipeline, "r1"), reading: true));
        var r2 = await QueuedAsync(turns, () => AsCaller(() => Send(pipeline, "r2"), reading: true));
        const string leaseName = "benchPartitions(PartitionKey='',RowKey='bench-control-00')";
        var lease = await QueuedAsync(turns, () => Send(pipeline, leaseName));

        // A burst of writes waits; the lease that came last goes first, then the reads that came after the writes, in order.
        foreach (var (answer, next) in new[] { ("a", leaseName), ("b", "r1"), (leaseName, "r2"), ("r1", "w1"), ("r2", "w2") })
        {
            var count = storage.Arrived.Count + 1;
            storage.Answer(answer);
            await storage.ArrivedAsync(count);
            Assert.Equal(next, storage.Arrived[^1]);
        }

        storage.Answer("w1");
        storage.Answer("w2");
        await Task.WhenAll(a, b, w1, w2, r1, r2, lease);
        Assert.Equal(5, turns.CallersWaited);
        Assert.Equal((0, 0), turns.InFlight);
    }

    [Fact]
    public async Task The_engines_partition_lease_requests_go_with_the_callers()
    {
        var turns = new StorageTurns(2, 1, taskHub: "bench");
        var (storage, pipeline, a, b) = await TwoArrivedAsync(turns);
        var c = await QueuedAsync(turns, () => Send(pipeline, "c"));
        var lease = await QueuedAsync(turns, () => Send(pipeline, "benchPartitions(PartitionKey='',RowKey='bench-control-00')"));

        storage.Answer("a");
        await storage.ArrivedAsync(3);
        Assert.StartsWith("benchPartitions", storage.Arrived[2], StringComparison.Ordinal);
        Assert.Equal(1, turns.CallersWaited);
        storage.Answer("b");
        storage.Answer(storage.Arrived[2]);
        await storage.ArrivedAsync(4);
        storage.Answer("c");
        await Task.WhenAll(a, b, c, lease);
    }

    [Fact]
    public async Task No_turns_lets_every_request_through()
    {
        var turns = new StorageTurns(0, 0);
        var storage = new HeldStorage();
        var pipeline = storage.Pipeline(turns);

        var sent = Enumerable.Range(0, 5).Select(i => Send(pipeline, "r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        await storage.ArrivedAsync(5);

        Assert.Equal(0, turns.BackgroundWaited);
        foreach (var name in storage.Arrived) storage.Answer(name);
        await Task.WhenAll(sent);
    }

    [Theory]
    [InlineData(4, 0)]
    [InlineData(4, 4)]
    [InlineData(1, 1)]
    public void Turns_the_background_keeps_must_leave_callers_one(int total, int background)
    {
        var problem = Assert.Throws<ConfigurationProblemException>(() => new StorageTurns(total, background));
        Assert.Equal(StorageTurns.BackgroundTurnsKey, problem.Key);
    }

    [Fact]
    public async Task A_request_cancelled_while_it_waits_is_never_sent_and_takes_no_turn()
    {
        var turns = new StorageTurns(2, 1);
        var (storage, pipeline, a, b) = await TwoArrivedAsync(turns);

        using var cancel = new CancellationTokenSource();
        var waiting = await QueuedAsync(turns, () => Send(pipeline, "cancelled", cancel.Token));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        storage.Answer("a");
        var next = Send(pipeline, "next");
        await storage.ArrivedAsync(3);
        Assert.Equal("next", storage.Arrived[2]);
        storage.Answer("b");
        storage.Answer("next");
        await Task.WhenAll(a, b, next);
        Assert.Equal((0, 0), turns.InFlight);
    }

    /// <summary>A pipeline through <paramref name="turns"/> whose background requests "a" and "b" have reached storage and wait for an answer.</summary>
    private static async Task<(HeldStorage Storage, HttpPipeline Pipeline, Task<Response> A, Task<Response> B)> TwoArrivedAsync(StorageTurns turns)
    {
        var storage = new HeldStorage();
        var pipeline = storage.Pipeline(turns);
        var a = Send(pipeline, "a");
        var b = Send(pipeline, "b");
        await storage.ArrivedAsync(2);
        return (storage, pipeline, a, b);
    }

    /// <summary>Sends while every turn is taken, and returns once the request waits in its line (not after a guessed delay).</summary>
    private static async Task<Task<Response>> QueuedAsync(StorageTurns turns, Func<Task<Response>> send)
    {
        var before = WaitingNow(turns);
        var sent = send();
        await Eventually.UntilAsync(() => Task.FromResult(WaitingNow(turns) > before), TimeSpan.FromSeconds(10), "the request to wait in line for a turn");
        return sent;
    }

    private static int WaitingNow(StorageTurns turns)
    {
        var (callers, background) = turns.Waiting;
        return callers + background;
    }

    private static async Task<Response> Send(HttpPipeline pipeline, string name, CancellationToken ct = default)
    {
        await Task.Yield();
        var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(new Uri($"http://127.0.0.1:1/{name}"));
        await pipeline.SendAsync(message, ct);
        return message.Response;
    }

    /// <summary>Runs <paramref name="send"/> in a flow marked as answering a caller (a read, when <paramref name="reading"/>), as the devhost's middleware marks one.</summary>
    private static async Task<Response> AsCaller(Func<Task<Response>> send, bool reading = false)
    {
        await Task.Yield();
        StorageTurns.MarkInteractive(reading);
        return await send();
    }
}

/// <summary>A storage stand-in: records each request's path as it arrives and answers it when the test says.</summary>
internal sealed class HeldStorage : HttpMessageHandler
{
    private readonly HeldWork requests = new();

    public IReadOnlyList<string> Arrived => requests.Arrived;

    public HttpPipeline Pipeline(HttpPipelinePolicy turns)
    {
        var options = new Options { Transport = new HttpClientTransport(new HttpClient(this)) };
        options.Retry.MaxRetries = 0;
        options.AddPolicy(turns, HttpPipelinePosition.PerRetry);
        return HttpPipelineBuilder.Build(options);
    }

    public Task ArrivedAsync(int count) => requests.ArrivedAsync(count);

    public void Answer(string name) => requests.Release(name);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await requests.ArriveAsync(request.RequestUri!.AbsolutePath.TrimStart('/'), cancellationToken);
        return new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("") };
    }

    private sealed class Options : ClientOptions;
}

/// <summary>
/// A hub with two storage turns, one of them held by a request that never ends: the engine and the hub still carry a marriage
/// from its opening to its end through the other, and partners are answered all along.
/// </summary>
public sealed class TwoStorageTurnsTests(TwoStorageTurnsTests.TwoTurnHub hub) : IClassFixture<TwoStorageTurnsTests.TwoTurnHub>
{
    public sealed class TwoTurnHub : HubFixture
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings[StorageTurns.TurnsKey] = "2";
            settings[StorageTurns.BackgroundTurnsKey] = "1";
        }
    }

    [Fact]
    public async Task A_marriage_completes_while_one_of_two_turns_is_held()
    {
        var turns = hub.Hub.Services.GetRequiredService<StorageTurns>();
        Assert.Equal((2, 1), (turns.Turns, turns.BackgroundTurns));
        var storage = new HeldStorage();
        var holder = storage.Pipeline(turns);
        var message = holder.CreateMessage();
        message.Request.Uri.Reset(new Uri("http://127.0.0.1:1/held"));
        var held = holder.SendAsync(message, CancellationToken.None).AsTask();
        await storage.ArrivedAsync(1);
        var waitedBefore = (turns.CallersWaited, turns.BackgroundWaited);

        var shanghai = hub.Partner("310000");
        var caseId = (await shanghai.PostAsync("/api/v1/cases", Body("310000", "310115", ZjMan1, ShWoman1), Key()))["caseId"]!;
        await HubFixture.WaitForStatusAsync(shanghai, caseId, "AwaitingReview");
        var list = await shanghai.GetAsync("/api/v1/cases?pageSize=200");
        Assert.Equal(200, list.Status);
        Assert.Contains(list.Json!["items"]!.AsArray(), c => c!["caseId"]!.ToString() == caseId);
        var decided = await shanghai.PostAsync($"/api/v1/cases/{caseId}/decisions",
            new { step = "officer-review", decision = "approve", officer = "SH-OFFICER-1" });
        Assert.Equal(202, decided.Status);
        var done = await HubFixture.WaitForStatusAsync(shanghai, caseId, "Completed", "Rejected", "Failed");

        Assert.Equal("Completed", done["status"]!.ToString());
        Assert.False(held.IsCompleted);
        // Both lines met the one turn taken: the background waited for it, and so did callers now and then.
        Assert.True(turns.BackgroundWaited > waitedBefore.BackgroundWaited, "no background request waited for a turn");
        storage.Answer("held");
        await held;
    }
}
