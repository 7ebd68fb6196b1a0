using Tongban.Storage;

namespace Tongban.Tests.Storage;

public sealed class KeyedTurnsTests
{
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    [Fact]
    public async Task Work_under_one_key_waits_for_the_work_before_it()
    {
        var turns = new KeyedTurns();
        var firstHolds = new TaskCompletionSource();
        var order = new List<string>();
        var first = turns.RunAsync("c-1", async () =>
        {
            await firstHolds.Task;
            lock (order) order.Add("first");
            return 1;
        }, ct);
        var second = turns.RunAsync("c-1", () =>
        {
            lock (order) order.Add("second");
            return Task.FromResult(2);
        }, ct);

        await Task.Delay(100, ct);
        Assert.False(second.IsCompleted);
        Assert.Empty(order);
        firstHolds.SetResult();

        var results = await Task.WhenAll(first, second);
        Assert.Equal([1, 2], results);
        Assert.Equal(["first", "second"], order);
        Assert.Equal(0, turns.KeysInUse);
    }

    [Fact]
    public async Task Work_under_another_key_does_not_wait()
    {
        var turns = new KeyedTurns();
        var holds = new TaskCompletionSource<int>();
        var held = turns.RunAsync("c-1", () => holds.Task, ct);

        Assert.Equal(7, await turns.RunAsync("c-2", () => Task.FromResult(7), ct));
        Assert.Equal(1, turns.KeysInUse);
        holds.SetResult(1);
        await held;
        Assert.Equal(0, turns.KeysInUse);
    }

    [Fact]
    public async Task A_failure_or_a_cancelled_wait_gives_the_turn_on_and_leaves_no_gate_behind()
    {
        var turns = new KeyedTurns();
        var holds = new TaskCompletionSource<int>();
        var held = turns.RunAsync("c-1", () => holds.Task, ct);
        using var giveUp = new CancellationTokenSource();
        var waiting = turns.RunAsync("c-1", () => Task.FromResult(2), giveUp.Token);
        giveUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        holds.SetException(new InvalidOperationException("the write failed"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => held);

        Assert.Equal(3, await turns.RunAsync("c-1", () => Task.FromResult(3), ct));
        Assert.Equal(0, turns.KeysInUse);
    }
}
