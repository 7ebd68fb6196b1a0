using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tongban.Provinces;

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
        return services;
    }
}
