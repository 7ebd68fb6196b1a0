using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Tongban.DevHost.Hosting;

/// <summary>
/// Starts Azurite from the project's own npm dependency (node_modules/azurite, installed with
/// <c>npm ci</c> when missing), through <c>eng/azurite.cjs</c> (a fix to its queue store), when the configured development
/// storage does not answer.
/// </summary>
public sealed class AzuriteLauncher : IAsyncDisposable
{
    private readonly Process? process;

    private AzuriteLauncher(Process? process, int blobPort, int queuePort, int tablePort, string? location)
    {
        this.process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        Location = location;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public string? Location { get; }

    /// <summary>The node process when this launcher started Azurite (bench/ reads its CPU time).</summary>
    public int? ProcessId => process?.Id;

    /// <summary>True when this launcher started Azurite (and so stops it).</summary>
    public bool Started => process is not null;

    /// <summary>The well-known Azurite development account (a public emulator key, not a secret).</summary>
    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    /// <summary>Uses Azurite already listening on the ports, or starts it with its data in <paramref name="location"/> (null: in memory).</summary>
    public static async Task<AzuriteLauncher> EnsureAsync(int blobPort, int queuePort, int tablePort, string? location, CancellationToken ct)
    {
        if (await AllAnswerAsync(blobPort, queuePort, tablePort, ct))
        {
            return new AzuriteLauncher(null, blobPort, queuePort, tablePort, location);
        }

        return await StartAsync(blobPort, queuePort, tablePort, location, ct);
    }

    /// <summary>Starts a new Azurite on the ports (used again after <see cref="Kill"/> to restart on the same data).</summary>
    public static async Task<AzuriteLauncher> StartAsync(int blobPort, int queuePort, int tablePort, string? location, CancellationToken ct)
    {
        var root = RepoRoot.Find();
        if (!File.Exists(Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js")))
        {
            await RunAsync("npm", "ci --no-audit --no-fund", root, ct);
        }

        var arguments = new List<string>
        {
            // Azurite with the project's fixes to its queue and table stores (see the script); no telemetry of its own sent out.
            Path.Combine(root, "eng", "azurite.cjs"), "--silent", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(CultureInfo.InvariantCulture),
        };
        if (location is null)
        {
            arguments.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(location);
            arguments.AddRange(["--location", location]);
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = root, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        // Its last lines, for the reason when it exits before it listens (a port taken: EADDRINUSE).
        var said = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Keep(string? line)
        {
            if (string.IsNullOrWhiteSpace(line)) return;
            said.Enqueue(line);
            while (said.Count > 10) said.TryDequeue(out _);
        }

        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var launcher = new AzuriteLauncher(process, blobPort, queuePort, tablePort, location);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!await AllAnswerAsync(blobPort, queuePort, tablePort, ct))
            {
                if (process.HasExited)
                {
                    await process.WaitForExitAsync(ct); // its output read to the end
                    throw new AzuriteExitedException(process.ExitCode, [.. said]);
                }

                if (DateTime.UtcNow > deadline) throw new TimeoutException("Azurite did not listen within 60 s.");
                await Task.Delay(100, ct);
            }
        }
        catch
        {
            // A start that fails or is cancelled stops the node process: the caller gets no launcher to stop it with.
            await launcher.DisposeAsync();
            throw;
        }

        return launcher;
    }

    /// <summary>
    /// Starts a new Azurite on three free loopback ports, its data in <paramref name="location"/> (null: in memory). A port found
    /// free may be taken before Azurite binds it (by an outgoing connection, or picked twice), and Azurite then exits: the start
    /// is tried again on new ports, <see cref="PortAttempts"/> times in all. <paramref name="freePort"/> picks a port (tests).
    /// </summary>
    public static async Task<AzuriteLauncher> StartOnFreePortsAsync(string? location, CancellationToken ct, Func<int>? freePort = null)
    {
        freePort ??= FreePort;
        for (var attempt = 1; ; attempt++)
        {
            var ports = new List<int>(3);
            while (ports.Count < 3)
            {
                var port = freePort();
                if (!ports.Contains(port)) ports.Add(port);
            }

            try
            {
                return await StartAsync(ports[0], ports[1], ports[2], location, ct);
            }
            catch (AzuriteExitedException) when (attempt < PortAttempts)
            {
                // Another try on other ports.
            }
        }
    }

    public const int PortAttempts = 3;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills Azurite at once, as a crash would, keeping its data folder.</summary>
    public void Kill()
    {
        if (process is { HasExited: false }) process.Kill(entireProcessTree: true);
        process?.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (process is null) return;
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
    }

    private static async Task<bool> AllAnswerAsync(int blobPort, int queuePort, int tablePort, CancellationToken ct) =>
        await AnswersAsync(blobPort, ct) && await AnswersAsync(queuePort, ct) && await AnswersAsync(tablePort, ct);

    private static async Task<bool> AnswersAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(500));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return false;
        }
    }

    private static async Task RunAsync(string file, string arguments, string directory, CancellationToken ct)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, UseShellExecute = false })
            ?? throw new InvalidOperationException($"Could not start {file}.");
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0) throw new InvalidOperationException($"'{file} {arguments}' failed with exit code {process.ExitCode}.");
    }
}

/// <summary>Finds the repository root (the folder holding Tongban.slnx) and the team handbook beside it.</summary>
public static class RepoRoot
{
    public static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Tongban.slnx"))) return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (Tongban.slnx) above the current directory.");
    }

    /// <summary>The sandbox credentials of contracts/provinces, in the handbook beside the repository.</summary>
    public static string? SandboxCredentials()
    {
        for (var dir = new DirectoryInfo(Find()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "contracts", "provinces", "test-credentials.json");
            if (File.Exists(candidate)) return candidate;
        }

        return null;
    }
}

/// <summary>Azurite exited before it listened; <see cref="Exception.Message"/> carries its last lines.</summary>
public sealed class AzuriteExitedException(int exitCode, IReadOnlyList<string> lastLines)
    : InvalidOperationException($"Azurite exited with code {exitCode} before it listened: {string.Join(" | ", lastLines)}")
{
    public int ExitCode { get; } = exitCode;
}
