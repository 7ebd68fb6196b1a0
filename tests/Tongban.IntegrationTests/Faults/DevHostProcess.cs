using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Tongban.IntegrationTests.Infrastructure;

namespace Tongban.IntegrationTests.Faults;

/// <summary>
/// The built devhost (devhost/bin/&lt;Configuration&gt;/net10.0/Tongban.DevHost.dll) as a child process, configured only by
/// environment variables, killed with SIGKILL as a crash would and restarted on the same port.
/// </summary>
public sealed class DevHostProcess : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string> environment;
    private readonly Action<string> log;
    private readonly string name;
    private Process? process;

    private DevHostProcess(string name, int port, IReadOnlyDictionary<string, string> environment, Action<string> log)
    {
        this.name = name;
        Port = port;
        this.environment = environment;
        this.log = log;
    }

    public string Name => name;

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public int Starts { get; private set; }

    public bool Running => process is { HasExited: false };

    /// <summary>The devhost's dll, baked into the test assembly by the csproj (AssemblyMetadata "DevHostDll").</summary>
    public static string DllPath
    {
        get
        {
            var baked = typeof(DevHostProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "DevHostDll")?.Value;
            if (baked is not null && File.Exists(baked)) return baked;
            throw new FileNotFoundException($"The devhost is not built at {baked}; run dotnet build Tongban.slnx first.");
        }
    }

    /// <summary>Starts the devhost on <paramref name="port"/> with <paramref name="environment"/> (plus urls) and waits for its health.</summary>
    public static async Task<DevHostProcess> StartAsync(string name, int port, IReadOnlyDictionary<string, string> environment, Action<string> log, CancellationToken ct)
    {
        var host = new DevHostProcess(name, port, environment, log);
        await host.StartAsync(ct);
        return host;
    }

    public async Task StartAsync(CancellationToken ct)
    {
        if (Running) throw new InvalidOperationException($"{name} is already running.");
        var dll = DllPath;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!, UseShellExecute = false,
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        start.Environment["urls"] = Url.ToString().TrimEnd('/');
        var started = Stopwatch.StartNew();
        process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet for the devhost.");
        var me = process;
        TestProcesses.Hold(me.Id);
        me.OutputDataReceived += (_, e) => Forward(e.Data);
        me.ErrorDataReceived += (_, e) => Forward(e.Data);
        me.BeginOutputReadLine();
        me.BeginErrorReadLine();
        Starts++;

        try
        {
            await WaitForHealthAsync(me, ct);
        }
        catch
        {
            // A start that fails kills what it started: the caller never gets this host to stop.
            Kill();
            throw;
        }

        log($"{name} healthy on {Url} (start {Starts}, pid {me.Id}, {started.Elapsed.TotalSeconds:0.0} s)");
        me.EnableRaisingEvents = true;
        me.Exited += (_, _) =>
        {
            // Kill() drops the process before it is killed: an exit seen here is one the test did not cause.
            if (ReferenceEquals(process, me)) log($"{name} (pid {me.Id}) exited by itself with code {me.ExitCode}{Hint(me.ExitCode)}");
        };
    }

    private async Task WaitForHealthAsync(Process me, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (me.HasExited) throw new InvalidOperationException($"{name} exited with code {me.ExitCode} before it was healthy{Hint(me.ExitCode)}.");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{name} was not healthy within 60 s.");
            try
            {
                using var response = await http.GetAsync(new Uri(Url, "api/v1/health"), ct);
                if ((int)response.StatusCode == 200) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
            }

            await Task.Delay(200, ct);
        }
    }

    /// <summary>137 is SIGKILL: on a shared machine, most likely another run's pkill of every devhost.</summary>
    private static string Hint(int exitCode) => exitCode == 137 ? " (SIGKILL from outside this test)" : "";

    /// <summary>SIGKILL to the devhost and its children: no shutdown hooks run.</summary>
    public void Kill()
    {
        if (process is not { } killed) return;
        process = null;
        if (!killed.HasExited) killed.Kill(entireProcessTree: true);
        killed.WaitForExit();
        log($"{name} killed (pid {killed.Id})");
        killed.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    private void Forward(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        // Warnings and errors only (Logging__LogLevel__Default=Warning); kept short in the test output.
        log($"[{name}] {(line.Length > 400 ? line[..400] + "…" : line)}");
    }
}
