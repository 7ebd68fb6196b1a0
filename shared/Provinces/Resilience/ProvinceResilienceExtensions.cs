using System.Threading.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;

namespace Tongban.Provinces.Resilience;

public static class ProvinceResilienceExtensions
{
    /// <summary>
    /// Protects a province's named HttpClient: a rate limit (token bucket, per configured requests/s, calls
    /// over it are parked and never sent) and time-outs on every request; and registers the province's
    /// circuit (<see cref="ProvinceCircuits"/>), which <see cref="ProvinceRegistry"/> puts around its adapter.
    /// </summary>
    /// <remarks>
    /// Deliberately no retry strategy: retries belong to the province queue and the orchestration, where each
    /// attempt is counted against the step's budget, backs off across instances, and ends on the poison path.
    /// A retry in here would multiply sends behind the queue's back (province calls are idempotent by
    /// hubCaseId, but not every call carries one, e.g. ZJ tokens and SH signatures with fresh nonces) and
    /// hammer a struggling province with N x M attempts.
    /// </remarks>
    public static IHttpClientBuilder AddProvinceResilience(this IHttpClientBuilder builder, string code, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        ArgumentNullException.ThrowIfNull(configuration);

        builder.Services.AddOptions<ProvinceResilienceOptions>(code)
            .Bind(configuration.GetSection(ProvinceResilienceOptions.SectionPath(code)))
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProvinceResilienceOptions>, NamedKeyValidation>());
        builder.Services.TryAddSingleton<ProvinceCircuits>();

        // Added before the resilience handler, so it is the outer one and sees Polly's rejections.
        builder.AddHttpMessageHandler(services =>
        {
            var options = services.GetRequiredService<IOptionsMonitor<ProvinceResilienceOptions>>().Get(code);
            return new ProvinceFaultTranslation(code, Refill(options).Period);
        });

        builder.AddResilienceHandler("protection", (pipeline, context) =>
        {
            var options = context.GetOptions<ProvinceResilienceOptions>(code);
            var (tokens, period) = Refill(options);
            var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.EffectiveBurst,
                TokensPerPeriod = tokens,
                ReplenishmentPeriod = period,
                QueueLimit = 0, // over the limit means parked now, not queued in memory where the queue cannot see it
                AutoReplenishment = true,
            });
            context.OnPipelineDisposed(limiter.Dispose);

            pipeline
                .AddTimeout(options.TotalTimeout)
                .AddRateLimiter(limiter)
                .AddTimeout(options.AttemptTimeout);
        });

        return builder;
    }

    /// <summary>Refill in steps of at least 50 ms (a fast timer per province is waste) that add up exactly to RequestsPerSecond.</summary>
    private static (int Tokens, TimeSpan Period) Refill(ProvinceResilienceOptions options)
    {
        var tokens = Math.Max(1, (int)Math.Ceiling(options.RequestsPerSecond * 0.05));
        return (tokens, TimeSpan.FromSeconds(tokens / options.RequestsPerSecond));
    }

    /// <summary>Fails start-up naming the offending keys, as the rest of the configuration does.</summary>
    private sealed class NamedKeyValidation : IValidateOptions<ProvinceResilienceOptions>
    {
        public ValidateOptionsResult Validate(string? name, ProvinceResilienceOptions options)
        {
            var problems = options.Problems().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(problems.Select(p => $"Invalid configuration value '{ProvinceResilienceOptions.SectionPath(name ?? "?")}:{p}'."));
        }
    }
}
