using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tongban.Provinces;

namespace Tongban.Functions;

/// <summary>The Functions app's services, as Program.cs registers them: one place, so a test can build the same collection.</summary>
public static class FunctionsAppRegistration
{
    public static IServiceCollection AddTongbanFunctionsApp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTongbanCore(configuration).AddTongbanProvinceAdapters().AddBoundDurableTaskClient();
        services.AddHostedService<StorageStartup>();
        return services;
    }
}
