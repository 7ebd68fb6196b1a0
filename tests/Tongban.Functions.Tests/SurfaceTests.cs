using System.Reflection;
using System.Text.Json;
using Tongban.Api;
using Tongban.DevHost.Hosting;
using Tongban.Storage;
using Tongban.Workflows;

namespace Tongban.Functions.Tests;

/// <summary>
/// One registration of routes, queues, orchestrators and activities feeds both hosts: the Functions app's
/// generated functions.metadata and the devhost must expose the same set.
/// </summary>
public sealed class SurfaceTests
{
    private static readonly string[] Members = ["330000", "310000", "360000", "340000"];

    [Fact]
    public void Functions_app_and_devhost_expose_the_same_surface()
    {
        var functions = FunctionsSurface.Read(MetadataPath());
        var devhost = DevHostSurface();

        Assert.Equal(Sorted(ApiRoutes.All.Select(r => $"{r.Method} {r.Template}")), Sorted(functions.Routes));
        Assert.Equal(Sorted(ApiRoutes.All.Select(r => r.Name)), Sorted(functions.HttpFunctionNames));
        Assert.Equal(Sorted(Members.Select(StorageNames.ProvinceQueue).Append(Callbacks.PartnerCallbackOutbox.QueueName)
                .SelectMany(q => new[] { q, StorageNames.PoisonQueue(q) })),
            Sorted(functions.Queues));
        Assert.Equal(Sorted(WorkflowNames.Orchestrators.All), Sorted(functions.Orchestrators));
        Assert.Equal(Sorted(WorkflowNames.Activities.All), Sorted(functions.Activities));
        Assert.Equal(Sorted(Operations.TimerNames.All), Sorted(functions.Timers));

        Assert.Equal(Sorted(devhost.Routes), Sorted(functions.Routes));
        Assert.Equal(Sorted(devhost.Queues), Sorted(functions.Queues));
        Assert.Equal(Sorted(devhost.Orchestrators), Sorted(functions.Orchestrators));
        Assert.Equal(Sorted(devhost.Activities), Sorted(functions.Activities));
        Assert.Equal(Sorted(devhost.Timers), Sorted(functions.Timers));
    }

    [Fact]
    public void Health_the_OpenApi_document_and_the_console_pages_alone_are_anonymous()
    {
        var functions = FunctionsSurface.Read(MetadataPath());
        Assert.Equal(["Console", "Health", "OpenApiDocument"], Sorted(functions.AnonymousHttpFunctionNames));
    }

    /// <summary>
    /// DevHostInventory is built inside DevHostApp.StartAsync, which needs Azurite and the sandbox running.
    /// So this mirrors that construction from the same inputs: ApiRoutes.All, one queue and poison twin per
    /// configured province (the devhost configures the provinces of the contract's test credentials by
    /// default), and WorkflowNames.
    /// </summary>
    private static (IEnumerable<string> Routes, IEnumerable<string> Queues, IEnumerable<string> Orchestrators, IEnumerable<string> Activities, IEnumerable<string> Timers) DevHostSurface()
    {
        var credentials = RepoRoot.SandboxCredentials() ?? throw new InvalidOperationException("contracts/provinces/test-credentials.json not found.");
        using var json = JsonDocument.Parse(File.ReadAllText(credentials));
        var codes = json.RootElement.GetProperty("provinces").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(Sorted(Members), Sorted(codes));

        var inventory = DevHost.DevHostInventory.For(codes);
        return (inventory.Routes.Select(r => $"{r.Method} {r.Template}"), inventory.Queues, inventory.Orchestrators, inventory.Activities, inventory.Timers);
    }

    internal static string MetadataPath()
    {
        var path = typeof(SurfaceTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "FunctionsMetadataPath").Value!;
        Assert.True(File.Exists(path), $"{path} is missing: build functions/ first (the ProjectReference does).");
        return path;
    }

    private static List<string> Sorted(IEnumerable<string> items) => items.Order(StringComparer.Ordinal).ToList();

    internal sealed record FunctionsSurface(
        List<string> Routes, List<string> HttpFunctionNames, List<string> AnonymousHttpFunctionNames,
        List<string> Queues, List<string> Orchestrators, List<string> Activities, List<string> Timers)
    {
        public static FunctionsSurface Read(string path)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var surface = new FunctionsSurface([], [], [], [], [], [], []);
            foreach (var function in json.RootElement.EnumerateArray())
            {
                var name = function.GetProperty("name").GetString()!;
                var trigger = function.GetProperty("bindings").EnumerateArray()
                    .Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
                switch (trigger.GetProperty("type").GetString())
                {
                    case "httpTrigger":
                        surface.HttpFunctionNames.Add(name);
                        var route = trigger.GetProperty("route").GetString()!;
                        surface.Routes.AddRange(trigger.GetProperty("methods").EnumerateArray().Select(m => $"{m.GetString()!.ToUpperInvariant()} {route}"));
                        if (trigger.GetProperty("authLevel").GetString() == "Anonymous") surface.AnonymousHttpFunctionNames.Add(name);
                        break;
                    case "queueTrigger":
                        surface.Queues.Add(trigger.GetProperty("queueName").GetString()!);
                        break;
                    case "orchestrationTrigger":
                        surface.Orchestrators.Add(name);
                        break;
                    case "activityTrigger":
                        surface.Activities.Add(name);
                        break;
                    case "timerTrigger":
                        surface.Timers.Add(name);
                        break;
                    case var other:
                        throw new InvalidOperationException($"Unexpected trigger {other} on {name}.");
                }
            }

            return surface;
        }
    }
}
