using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tongban.Api;
using Tongban.Cases.Divisions;
using Tongban.Cases.Validation;
using Tongban.Configuration;
using Tongban.Provinces;
using Tongban.Provinces.Resilience;
using Tongban.Storage;
using Tongban.Telemetry;
using Tongban.Workflows.Activities;
using Tongban.Workflows.Dispatch;

namespace Tongban;

/// <summary>Registers the core once, for both hosts.</summary>
public static class TongbanServiceCollectionExtensions
{
    public static IServiceCollection AddTongbanCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TongbanOptions>()
            .Bind(configuration.GetSection(TongbanOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TongbanOptions>, NamedKeyValidation>();
        services.AddSingleton(TimeProvider.System);

        // IHttpClientFactory's default handlers log request URIs (Information) and headers (Trace), and Shanghai puts ID
        // numbers in paths: gone for every client in both hosts, whatever the log levels; ours logs the path masked.
        services.AddTransient<Hosting.OutboundRequestLogging>();
        services.ConfigureHttpClientDefaults(http => http.RemoveAllLoggers().AddHttpMessageHandler<Hosting.OutboundRequestLogging>());

        services.AddAzureClients(clients =>
        {
            var storage = configuration.GetSection("AzureWebJobsStorage");
            clients.AddTableServiceClient(StorageClientConfiguration(storage, "tableServiceUri"));
            clients.AddQueueServiceClient(StorageClientConfiguration(storage, "queueServiceUri"));
        });

        services.AddSingleton(sp => sp.GetRequiredService<IOptions<TongbanOptions>>().Value.Pii.ToKeyRing());
        services.AddSingleton<CaseDetailsCipher>();
        services.AddSingleton<CaseStore>();
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<NonceStore>();
        services.AddSingleton<TicketStore>();
        services.AddSingleton<ProvinceStepQueue>();
        services.AddSingleton<AttentionIndex>();
        services.AddSingleton<ProvinceHealthStore>();
        services.AddSingleton<Provinces.Resilience.IProvinceCircuitObserver>(sp => sp.GetRequiredService<ProvinceHealthStore>());
        services.AddSingleton<StorageInitializer>();
        services.AddSingleton<CitizenIndex>();
        services.AddSingleton<OperatorAuditLog>();

        services.AddSingleton(DivisionCatalog.Shared);
        services.AddSingleton(sp => Cases.Deadlines.WorkingCalendar.From(sp.GetRequiredService<IOptions<TongbanOptions>>().Value.Calendar.Days));
        services.AddSingleton<Cases.Deadlines.CaseDeadlineClock>();
        services.AddSingleton(sp => Callbacks.PartnerCallbackOrigins.From(sp.GetRequiredService<IOptions<TongbanOptions>>().Value));
        services.AddSingleton(sp => new OpenCaseValidator(
            sp.GetRequiredService<DivisionCatalog>(), sp.GetRequiredService<ProvinceRegistry>().Codes.ToHashSet(),
            sp.GetRequiredService<Callbacks.PartnerCallbackOrigins>()));
        services.AddSingleton<PartnerRateLimits>();
        services.AddSingleton<PartnerAuthenticator>();
        services.AddSingleton<OperatorConsole.ConsoleSessions>();
        services.AddSingleton<OperatorConsole.SignInThrottle>();
        services.AddSingleton<OperatorConsole.ConsoleApi>();
        services.AddSingleton<ContinuationTokens>();
        services.AddSingleton<CaseApi>();
        services.AddSingleton<OpenCaseHandler>();
        services.AddSingleton<PartnerCaseResults>();
        services.AddSingleton<OperatorApi>();
        services.AddSingleton<HealthApi>();
        services.AddSingleton<ProvinceCallbackApi>();

        services.AddProvinces(configuration);

        services.AddSingleton<CaseActivities>();
        services.AddSingleton<ProvinceStepInvoker>();
        services.AddSingleton<ProvinceStepHandler>();
        services.AddSingleton<CaseRedriver>();
        services.AddSingleton<Callbacks.PartnerCallbackOutbox>();
        services.AddSingleton<Callbacks.PartnerCallbackSender>();
        services.AddSingleton<Callbacks.CallbackConnector>();
        services.AddHttpClient(Callbacks.PartnerCallbackSender.HttpClientName)
            .ConfigureHttpClient((sp, client) => client.Timeout = sp.GetRequiredService<IOptions<TongbanOptions>>().Value.Callbacks.Timeout)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<Callbacks.CallbackConnector>().Handler());
        services.AddSingleton<Operations.HousekeepingJob>();
        services.AddSingleton<Operations.SlowWorkPoller>();
        services.AddSingleton<Operations.RedriveJob>();
        services.AddSingleton<Operations.CaseDetailsReencryption>();
        services.AddSingleton(sp => Audit.AuditSigner.From(sp.GetRequiredService<IOptions<TongbanOptions>>().Value.Audit));
        services.AddSingleton<Audit.AuditTrail>();
        services.AddSingleton<Audit.AuditVerifier>();
        services.AddSingleton<Operations.AuditHousekeeping>();
        services.AddTongbanMetrics();
        return services;
    }

    private static void AddProvinces(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ProvinceRegistry>();
        foreach (var province in configuration.GetSection("Tongban:Provinces").GetChildren())
        {
            services.AddHttpClient(ProvinceRegistry.HttpClientName(province.Key), client => client.Timeout = TimeSpan.FromSeconds(30))
                .AddProvinceResilience(province.Key, configuration);
        }
    }

    /// <summary>
    /// AzureWebJobsStorage as the Azure client factory reads it. A connection string (Azurite) passes as it is; the
    /// identity-based form the Bicep deploys (accountName, {service}ServiceUri, credential) names no constructor
    /// argument, so the service's URI is given as both the table client's "endpoint" and the queue client's "serviceUri".
    /// </summary>
    private static IConfiguration StorageClientConfiguration(IConfigurationSection storage, string serviceUriKey)
    {
        if (storage.Value is not null || storage[serviceUriKey] is not { } serviceUri) return storage;
        var settings = storage.AsEnumerable(makePathsRelative: true).Where(setting => setting.Value is not null).ToDictionary();
        settings["endpoint"] = serviceUri;
        settings["serviceUri"] = serviceUri;
        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    /// <summary>Fails start-up with the names of the missing keys, not a generic message. Only the devhost registers <see cref="SandboxSecrets"/>.</summary>
    private sealed class NamedKeyValidation(IEnumerable<SandboxSecrets> sandbox) : IValidateOptions<TongbanOptions>
    {
        public ValidateOptionsResult Validate(string? name, TongbanOptions options)
        {
            var problems = options.Problems(sandbox.FirstOrDefault()).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(problems.Select(p => $"Missing or invalid configuration value '{p}'."));
        }
    }
}
