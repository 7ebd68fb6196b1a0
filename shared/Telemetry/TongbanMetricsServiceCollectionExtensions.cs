using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Tongban.Telemetry;

public static class TongbanMetricsServiceCollectionExtensions
{
    /// <summary>
    /// The <c>Tongban</c> meter and its in-process window (<see cref="MetricWindow"/>), listening from start-up so the operator
    /// endpoint sees everything since. Exporters are the telemetry registration's (<c>AddMeter("Tongban")</c>).
    /// </summary>
    public static IServiceCollection AddTongbanMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<TongbanMetrics>();
        services.AddSingleton<MetricWindow>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<MetricWindow>());
        return services;
    }
}
