using System.Diagnostics;
using System.Security.Cryptography;
using Tongban.DevHost.Hosting;
using Tongban.IntegrationTests.Faults;

namespace Tongban.IntegrationTests.FirstRun;

/// <summary>
/// Issue 13: the built devhost, given a configuration mistake, prints one line naming the key and exits with EX_CONFIG (78),
/// never a stack trace. Explicit storage on a closed port: the mistake must stop the start before anything opens storage.
/// </summary>
public sealed class DevHostConfigurationErrorTests
{
    private const string ClosedStorage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";

    private static readonly Dictionary<string, string> PiiKeyRing = new()
    {
        ["Tongban__Pii__Keys__k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["Tongban__Pii__ActiveKeyId"] = "k1",
    };

    [Fact]
    public async Task Explicit_storage_without_a_pii_key_names_the_key_ring()
    {
        var (exit, output) = await RunAsync(new Dictionary<string, string>());
        AssertOneLineFor("Tongban:Pii:Keys", exit, output);
    }

    [Fact]
    public async Task A_malformed_timespan_names_its_key()
    {
        var (exit, output) = await RunAsync(new Dictionary<string, string>(PiiKeyRing) { ["Tongban__Marriage__ReviewWindow"] = "soon" });
        AssertOneLineFor("Tongban:Marriage:ReviewWindow", exit, output);
    }

    [Fact]
    public async Task A_missing_sandbox_credentials_file_names_its_key()
    {
        var (exit, output) = await RunAsync(new Dictionary<string, string>(PiiKeyRing)
        {
            ["Tongban__Sandbox__Credentials"] = Path.Combine(Path.GetTempPath(), "tongban-no-such-credentials.json"),
        });
        AssertOneLineFor("Tongban:Sandbox:Credentials", exit, output);
    }

    [Fact]
    public async Task A_hub_address_in_use_names_urls()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var (exit, output) = await RunAsync(new Dictionary<string, string>(PiiKeyRing) { ["urls"] = $"http://127.0.0.1:{port}" });
        AssertOneLineFor("urls", exit, output);
    }

    private static void AssertOneLineFor(string key, int exit, IReadOnlyList<string> output)
    {
        var all = string.Join('\n', output);
        Assert.True(exit == StartupFailure.ExitCode, $"exit code {exit}, output:\n{all}");
        Assert.Contains(output, line => line.StartsWith(StartupFailure.Prefix, StringComparison.Ordinal) && line.Contains(key, StringComparison.Ordinal));
        Assert.DoesNotContain(output, line => line.StartsWith("   at ", StringComparison.Ordinal));
        Assert.DoesNotContain(output, line => line.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    /// <summary>Runs the devhost to its exit (at most 60 s) with only <paramref name="environment"/> of Tongban's settings; stdout and stderr together.</summary>
    private static async Task<(int Exit, IReadOnlyList<string> Output)> RunAsync(IReadOnlyDictionary<string, string> environment)
    {
        var dll = DevHostProcess.DllPath;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!, UseShellExecute = false,
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("Tongban__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["AzureWebJobsStorage"] = ClosedStorage;
        start.Environment["urls"] = "http://127.0.0.1:0";
        // Any other mistake would leave the hub waiting on the closed storage: the 60 s limit below turns that into a failure.
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var output = new List<string>();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet for the devhost.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The devhost did not stop within 60 s on a configuration mistake:\n" + string.Join('\n', output));
        }

        process.WaitForExit(); // drains the redirected streams
        lock (output) return (process.ExitCode, output.ToList());
    }
}
