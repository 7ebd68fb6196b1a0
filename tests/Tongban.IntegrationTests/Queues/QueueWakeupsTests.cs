using Tongban.DevHost.Hosting;

namespace Tongban.IntegrationTests.Queues;

/// <summary>
/// The devhost's wake-ups run inside a put's own pipeline: puts answered at once must not make one of them fail (a
/// dispatch activity once failed its orchestration that way, its messages already queued).
/// </summary>
public sealed class QueueWakeupsTests
{
    [Fact]
    public async Task Puts_answered_at_once_never_throw_and_leave_one_wake_up_pending()
    {
        var wakeups = new QueueWakeups();
        for (var round = 0; round < 2_000; round++)
        {
            using var start = new Barrier(4);
            var notifying = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                wakeups.Notify("province-330000");
            })).ToArray();
            await Task.WhenAll(notifying);

            // One wake-up is pending: the listener's wait returns at once, and the next wait has none left.
            var woken = wakeups.WaitAsync("province-330000", TimeSpan.FromSeconds(30), CancellationToken.None);
            Assert.True(woken.IsCompleted, $"round {round}: no wake-up pending");
            var next = wakeups.WaitAsync("province-330000", TimeSpan.FromSeconds(30), CancellationToken.None);
            Assert.False(next.IsCompleted, $"round {round}: more than one wake-up pending");
            wakeups.Notify("province-330000");
            await next;
        }
    }
}
