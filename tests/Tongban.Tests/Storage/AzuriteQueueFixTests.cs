using System.Diagnostics;
using Tongban.Tests.Api.OpenApi;

namespace Tongban.Tests.Storage;

/// <summary>
/// The fix Azurite is started with (<c>eng/azurite.cjs</c>, <c>eng/azurite-queue-fix.cjs</c>: its queue store's messages
/// collection takes arrays one document at a time, and finds one queue's messages from that queue's, not from the account's)
/// changes nothing Azurite answers. <c>eng/azurite-queue-fix.check.cjs</c>
/// runs one script of queue operations on a stock store and a fixed one (expired messages removed on a receive, visibility
/// running out, stale and current pop receipts, an update, a clear, a queue deleted with its messages), then one of message
/// body records on a stock extent store and a fixed one (recorded, grown, deleted, listed in pages), and stops at the first
/// answer that differs. What the fix saves is measured by <c>bench/azurite-queue.cjs</c>, not here; that Azurite is
/// started through it, by <c>AzuriteLauncherTests</c>.
/// </summary>
public sealed class AzuriteQueueFixTests
{
    [Fact]
    public async Task A_fixed_queue_store_answers_every_operation_as_the_stock_one_does_and_finds_a_queue_s_messages_from_its_own()
    {
        var (exit, output) = await NodeAsync(Path.Combine("eng", "azurite-queue-fix.check.cjs"));

        Assert.True(exit == 0, output);
        Assert.Contains("alike: 22 operations", output, StringComparison.Ordinal);
        // The script reached the operations that differ between a batch and one document at a time.
        Assert.Contains("count after the expired went: 6", output, StringComparison.Ordinal);
        Assert.Contains("delete a queue with its messages: 0", output, StringComparison.Ordinal);
        Assert.Contains("delete every third body: 133", output, StringComparison.Ordinal);
        // A receive looks at its own queue's two messages, not at the 300 timers held in another queue.
        Assert.Contains("tests of a message by a receive from a queue of 2, 300 held in another: stock 610, fixed 10", output, StringComparison.Ordinal);
    }

    /// <summary>Runs a node script at the repository root, with its exit code and everything it printed.</summary>
    internal static async Task<(int Exit, string Output)> NodeAsync(params string[] arguments)
    {
        var root = OpenApiDocumentTests.RepositoryRoot();
        Assert.True(Directory.Exists(Path.Combine(root, "node_modules", "azurite")), "node_modules/azurite is missing: run `npm ci` at the repository root (eng/test.sh does).");
        var start = new ProcessStartInfo("node") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await node.WaitForExitAsync(timeout.Token);
        return (node.ExitCode, await output + await errors);
    }
}
