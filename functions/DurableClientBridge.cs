using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.Extensions.DependencyInjection;

namespace Tongban.Functions;

/// <summary>
/// The isolated Durable extension hands out <see cref="DurableTaskClient"/> only through a
/// <c>[DurableClient]</c> binding (its gRPC endpoint comes from the host per invocation), never through DI,
/// while the shared handlers take one by constructor as they do on the devhost. This client is what DI
/// gives them; it forwards to the client bound for the function that is running (see
/// <see cref="DurableClientMiddleware"/>), so a function whose handler uses Durable declares the binding.
/// </summary>
public sealed class BoundDurableTaskClient() : DurableTaskClient("functions-bound")
{
    private volatile DurableTaskClient? bound;

    private DurableTaskClient Client => bound ?? throw new InvalidOperationException(
        "No Durable client is bound yet: the function whose handler uses Durable must declare a [DurableClient] DurableTaskClient parameter.");

    public override DurableEntityClient Entities => Client.Entities;

    /// <summary>The host-provided client of the current invocation (one cached gRPC channel behind all of them).</summary>
    public void Attach(DurableTaskClient client) => bound = client;

    public override Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null,
        StartOrchestrationOptions? options = null, CancellationToken cancellation = default) =>
        Client.ScheduleNewOrchestrationInstanceAsync(orchestratorName, input, options, cancellation);

    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) =>
        Client.RaiseEventAsync(instanceId, eventName, eventPayload, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        Client.WaitForInstanceStartAsync(instanceId, getInputsAndOutputs, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs, cancellation);

    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) =>
        Client.TerminateInstanceAsync(instanceId, options, cancellation);

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        Client.SuspendInstanceAsync(instanceId, reason, cancellation);

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        Client.ResumeInstanceAsync(instanceId, reason, cancellation);

    public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        Client.GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation);

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
        Client.GetAllInstancesAsync(filter);

    public override Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
        Client.PurgeInstanceAsync(instanceId, options, cancellation);

    public override Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
        Client.PurgeAllInstancesAsync(filter, options, cancellation);

    /// <summary>The bound clients belong to the extension's provider, which disposes them.</summary>
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Binds a function's <c>[DurableClient]</c> input before it runs and attaches it to <see cref="BoundDurableTaskClient"/>.</summary>
public sealed class DurableClientMiddleware(BoundDurableTaskClient client) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var binding = context.FunctionDefinition.InputBindings.Values
            .FirstOrDefault(b => string.Equals(b.Type, "durableClient", StringComparison.OrdinalIgnoreCase));
        if (binding is not null && (await context.BindInputAsync<DurableTaskClient>(binding)).Value is { } bound)
        {
            client.Attach(bound);
        }

        await next(context);
    }
}

public static class DurableClientBridgeExtensions
{
    /// <summary>Gives the shared handlers a <see cref="DurableTaskClient"/> from DI, as the devhost does.</summary>
    public static IServiceCollection AddBoundDurableTaskClient(this IServiceCollection services) => services
        .AddSingleton<BoundDurableTaskClient>()
        .AddSingleton<DurableTaskClient>(sp => sp.GetRequiredService<BoundDurableTaskClient>());
}
