using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Tongban.DevHost.Hosting;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>
/// The processes this test run starts (Azurite, devhost children), held so that whatever is still running when the run's
/// own process exits is killed with its children: the net under a fixture whose disposal never ran.
/// </summary>
public static class TestProcesses
{
    private static readonly ProcessHold Held = HeldUntilExit();

    /// <summary>A new Azurite, in memory or with its data in <paramref name="location"/>, on free loopback ports; held until it stops.</summary>
    public static async Task<AzuriteLauncher> StartAzuriteAsync(string? location = null)
    {
        var azurite = await AzuriteLauncher.StartOnFreePortsAsync(location, CancellationToken.None);
        Hold(azurite.ProcessId ?? throw new InvalidOperationException("Azurite was started but has no process."));
        return azurite;
    }

    /// <summary>Holds a process this run started, until it exits or the run does.</summary>
    public static void Hold(int processId) => Held.Add(processId);

    private static ProcessHold HeldUntilExit()
    {
        var hold = new ProcessHold();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => hold.KillAll();
        return hold;
    }

    /// <summary>Whether the process <paramref name="processId"/> no longer runs (Linux: a zombie not yet reaped counts as gone).</summary>
    public static bool Gone(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[stat.LastIndexOf(')') + 2] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>
    /// Runs every stop, in order, even when one throws (a hub that fails to stop must not keep Azurite running), then
    /// throws what failed.
    /// </summary>
    public static async Task StopAllAsync(params Func<ValueTask>[] stops)
    {
        var failures = new List<Exception>();
        foreach (var stop in stops)
        {
            try
            {
                await stop();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }

        if (failures.Count == 1) ExceptionDispatchInfo.Throw(failures[0]);
        if (failures.Count > 1) throw new AggregateException(failures);
    }
}

/// <summary>Processes held until they exit, or until <see cref="KillAll"/> kills them with their children.</summary>
public sealed class ProcessHold
{
    private readonly ConcurrentDictionary<int, Process> running = new();

    public void Add(int processId)
    {
        foreach (var (id, process) in running)
        {
            if (process.HasExited && running.TryRemove(id, out _)) process.Dispose();
        }

        try
        {
            running[processId] = Process.GetProcessById(processId);
        }
        catch (ArgumentException)
        {
            // Already gone: nothing to hold.
        }
    }

    /// <summary>Kills every held process still running, with its children.</summary>
    public void KillAll()
    {
        foreach (var (id, process) in running)
        {
            if (!running.TryRemove(id, out _)) continue;
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the kill.
            }

            process.Dispose();
        }
    }
}
