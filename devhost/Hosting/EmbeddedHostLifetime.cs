namespace Tongban.DevHost.Hosting;

/// <summary>
/// The lifetime of a host embedded in the devhost's process (the Durable sidecar, a test's own servers): it
/// does not listen for Ctrl-C itself, so the outer host receives the signal and stops it in order.
/// Without it, the inner host's console lifetime swallows SIGINT and the outer one never stops.
/// </summary>
public sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class EmbeddedHostLifetimeExtensions
{
    public static IServiceCollection AddEmbeddedHostLifetime(this IServiceCollection services) =>
        services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
}
