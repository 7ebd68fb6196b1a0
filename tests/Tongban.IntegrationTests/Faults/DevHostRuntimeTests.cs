using System.Text.Json;

namespace Tongban.IntegrationTests.Faults;

/// <summary>Host parity for the built devhost's runtime: it collects garbage as the Functions isolated worker does.</summary>
public sealed class DevHostRuntimeTests
{
    [Fact]
    public void The_devhost_runs_with_workstation_gc_as_the_functions_worker_does()
    {
        var config = Path.ChangeExtension(DevHostProcess.DllPath, ".runtimeconfig.json");
        using var runtime = JsonDocument.Parse(File.ReadAllText(config));

        var properties = runtime.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        // The Web SDK's default would write "System.GC.Server": true (server GC: a heap per core, about 50 MB more in the
        // 300-case overload run); the worker, a console app, has none, which is workstation GC.
        Assert.False(properties.TryGetProperty("System.GC.Server", out var server) && server.GetBoolean(), $"{config} asks for server GC");
    }
}
