using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tongban.Provinces;
using Tongban.Telemetry;

namespace Tongban.Functions;

/// <summary>
/// Every service the Functions app registers, in one place: Program.cs calls it, and the infrastructure tests
/// build the same container from the app settings the Bicep gives the deployed site.
/// </summary>
public static class FunctionsAppServiceCollectionExtensions
{
    public static IServiceCollection AddTongbanFunctionsApp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTongbanCore(configuration).AddTongbanProvinceAdapters().AddBoundDurableTaskClient();
        services.AddHostedService<StorageStartup>();
        // The worker's invocation spans join the host's (so a trace goes host → worker → ours); everything goes to
        // Application Insights when the connection string Bicep sets is there (a local run without it exports nothing).
        services.AddTongbanTelemetry(otel =>
        {
            otel.UseFunctionsWorkerDefaults();
            if (!string.IsNullOrWhiteSpace(configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"])) otel.UseAzureMonitorExporter();
        });
        return services;
    }
}
