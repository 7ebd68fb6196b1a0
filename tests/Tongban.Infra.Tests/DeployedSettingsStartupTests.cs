using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Tongban.Configuration;
using Tongban.Functions;
using Tongban.Infra.Tests.Bicep;
using Tongban.Provinces;

namespace Tongban.Infra.Tests;

/// <summary>
/// Infrastructure and code cannot drift apart: the Functions app's service provider, built with exactly the app
/// settings the prod parameter file gives the site (vault references replaced by test values of the right shape),
/// validates every option and constructs every function class, middleware, hosted service and province adapter.
/// A setting the code needs and the Bicep does not provide (the PII key, once) fails here, not at start-up in Azure.
/// </summary>
[Collection(CompiledInfrastructureCollection.Name)]
public sealed class DeployedSettingsStartupTests(CompiledInfrastructure infra) : IAsyncLifetime
{
    private readonly ServiceProvider services = Build(infra.Snapshot("prod"));

    public Task InitializeAsync() => Task.CompletedTask;

    // The Durable client bridge disposes only asynchronously.
    public Task DisposeAsync() => services.DisposeAsync().AsTask();

    [Fact]
    public void Tongban_options_validate_with_the_deployed_settings()
    {
        var options = services.GetRequiredService<IOptions<TongbanOptions>>().Value;

        Assert.Empty(options.Problems());
        var failures = services.GetServices<IValidateOptions<TongbanOptions>>()
            .Select(validator => validator.Validate(Options.DefaultName, options))
            .Where(result => result.Failed)
            .SelectMany(result => result.Failures ?? []);
        Assert.Empty(failures);
    }

    [Fact]
    public void Every_validated_options_class_passes_what_validate_on_start_runs()
    {
        // The same check the host runs before it starts (ValidateOnStart), then every other registered options
        // class built once, which runs its validators.
        services.GetRequiredService<IStartupValidator>().Validate();

        var optionTypes = OptionTypes().ToList();
        Assert.Contains(typeof(TongbanOptions), optionTypes);
        foreach (var type in optionTypes)
        {
            var monitor = services.GetRequiredService(typeof(IOptionsMonitor<>).MakeGenericType(type));
            Assert.NotNull(monitor.GetType().GetMethod(nameof(IOptionsMonitor<object>.Get))!.Invoke(monitor, [Options.DefaultName]));
        }
    }

    [Fact]
    public void Every_function_class_and_middleware_is_constructed_from_the_container()
    {
        var functionClasses = typeof(StorageStartup).Assembly.GetTypes()
            .Where(type => type is { IsAbstract: false, IsClass: true })
            .Where(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Any(method => method.GetCustomAttribute<FunctionAttribute>() is not null))
            .ToList();
        var middleware = typeof(StorageStartup).Assembly.GetTypes()
            .Where(type => type is { IsAbstract: false, IsClass: true } && typeof(IFunctionsWorkerMiddleware).IsAssignableFrom(type))
            .ToList();

        Assert.Contains(typeof(CaseHttpFunctions), functionClasses);
        Assert.Contains(typeof(DurableClientMiddleware), middleware);
        foreach (var type in functionClasses.Concat(middleware))
        {
            Assert.NotNull(ActivatorUtilities.CreateInstance(services, type));
        }

        Assert.Contains(services.GetServices<IHostedService>(), hosted => hosted is StorageStartup);
    }

    [Fact]
    public void Every_configured_province_gets_its_adapter_from_the_deployed_credentials()
    {
        var registry = services.GetRequiredService<ProvinceRegistry>();

        Assert.Equal(["310000", "330000", "340000", "360000"], registry.Codes.Order(StringComparer.Ordinal));
        foreach (var code in registry.Codes)
        {
            Assert.NotNull(registry.Adapter(code));
        }
    }

    private static ServiceProvider Build(DeploymentSnapshot snapshot)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(DeployedAppSettings.AsConfiguration(DeployedAppSettings.Resolve(snapshot.AppSettings)))
            .Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddTongbanFunctionsApp(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>Options classes that have something to validate: those with a registered IValidateOptions.</summary>
    private static IEnumerable<Type> OptionTypes()
    {
        var registrations = new ServiceCollection().AddLogging().AddTongbanFunctionsApp(new ConfigurationBuilder().Build());
        return registrations
            .Where(descriptor => descriptor.ServiceType.IsGenericType && descriptor.ServiceType.GetGenericTypeDefinition() == typeof(IValidateOptions<>))
            .Select(descriptor => descriptor.ServiceType.GetGenericArguments()[0])
            .Distinct();
    }
}
