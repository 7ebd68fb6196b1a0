using Microsoft.AspNetCore.Http;
using Tongban.DevHost.Hosting;
using Tongban.IntegrationTests.Infrastructure;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// The devhost's turns for API calls that write: at most a few answered at once, the rest waiting in the order they came,
/// reads never held. Driven with calls whose answer finishes only when the test lets it.
/// </summary>
public sealed class WriteCallTurnsTests
{
    [Fact]
    public async Task Writes_beyond_the_turns_wait_and_are_answered_in_the_order_they_came()
    {
        var turns = new WriteCallTurns(2);
        var calls = new HeldCalls();
        var a = calls.Send(turns, "POST", "a");
        var b = calls.Send(turns, "PUT", "b");
        var c = calls.Send(turns, "POST", "c");
        var d = calls.Send(turns, "DELETE", "d");

        await calls.EnteredAsync(2);
        Assert.Equal(["a", "b"], calls.Entered);
        Assert.Equal((2, 2), (turns.Answering, turns.Waiting));
        calls.Finish("b");
        await calls.EnteredAsync(3);
        Assert.Equal("c", calls.Entered[2]);
        calls.Finish("a");
        await calls.EnteredAsync(4);
        Assert.Equal("d", calls.Entered[3]);
        calls.Finish("c");
        calls.Finish("d");
        await Task.WhenAll(a, b, c, d);
        Assert.Equal((0, 0), (turns.Answering, turns.Waiting));
    }

    [Fact]
    public async Task A_read_is_answered_at_once_while_writes_wait()
    {
        var turns = new WriteCallTurns(1);
        var calls = new HeldCalls();
        var write = calls.Send(turns, "POST", "w1");
        var waiting = calls.Send(turns, "POST", "w2");
        await calls.EnteredAsync(1);

        var read = calls.Send(turns, "GET", "r");
        var head = calls.Send(turns, "HEAD", "h");
        await calls.EnteredAsync(3);
        Assert.Equal(["w1", "r", "h"], calls.Entered);
        Assert.Equal(1, turns.Waiting);
        calls.Finish("r");
        calls.Finish("h");
        await Task.WhenAll(read, head);
        Assert.False(waiting.IsCompleted);
        calls.Finish("w1");
        await calls.EnteredAsync(4);
        calls.Finish("w2");
        await Task.WhenAll(write, waiting);
    }

    [Fact]
    public async Task A_caller_gone_while_waiting_leaves_the_line_without_taking_a_turn()
    {
        var turns = new WriteCallTurns(1);
        var calls = new HeldCalls();
        var first = calls.Send(turns, "POST", "first");
        using var gone = new CancellationTokenSource();
        var abandoned = calls.Send(turns, "POST", "gone", gone.Token);
        var next = calls.Send(turns, "POST", "next");
        await calls.EnteredAsync(1);

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        Assert.Equal(1, turns.Waiting);
        calls.Finish("first");
        await calls.EnteredAsync(2);
        Assert.Equal(["first", "next"], calls.Entered);
        calls.Finish("next");
        await Task.WhenAll(first, next);
        Assert.Equal((0, 0), (turns.Answering, turns.Waiting));
    }

    [Fact]
    public async Task A_call_that_fails_gives_its_turn_back()
    {
        var turns = new WriteCallTurns(1);
        var context = Call("POST");
        await Assert.ThrowsAsync<InvalidOperationException>(() => turns.RunAsync(context, _ => throw new InvalidOperationException("the handler failed")));

        var calls = new HeldCalls();
        var after = calls.Send(turns, "POST", "after");
        await calls.EnteredAsync(1);
        calls.Finish("after");
        await after;
        Assert.Equal(0, turns.Answering);
    }

    [Fact]
    public async Task No_turns_configured_holds_nothing()
    {
        var turns = new WriteCallTurns(0);
        var calls = new HeldCalls();
        var sent = Enumerable.Range(0, 5).Select(i => calls.Send(turns, "POST", $"w{i}")).ToList();

        await calls.EnteredAsync(5);
        Assert.Equal((0, 0), (turns.Answering, turns.Waiting));
        foreach (var name in calls.Entered.ToList()) calls.Finish(name);
        await Task.WhenAll(sent);
    }

    private static DefaultHttpContext Call(string method, CancellationToken aborted = default)
    {
        var context = new DefaultHttpContext { RequestAborted = aborted };
        context.Request.Method = method;
        return context;
    }

    /// <summary>Calls whose handling waits until the test finishes them, recording the order they were let in.</summary>
    private sealed class HeldCalls
    {
        private readonly HeldWork work = new();

        public IReadOnlyList<string> Entered => work.Arrived;

        public Task Send(WriteCallTurns turns, string method, string name, CancellationToken aborted = default) =>
            turns.RunAsync(Call(method, aborted), _ => work.ArriveAsync(name));

        public void Finish(string name) => work.Release(name);

        /// <summary>Waits until <paramref name="count"/> calls in all have been let in.</summary>
        public Task EnteredAsync(int count) => work.ArrivedAsync(count);
    }
}
