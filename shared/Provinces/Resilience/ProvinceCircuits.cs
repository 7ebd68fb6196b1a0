using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace Tongban.Provinces.Resilience;

/// <summary>
/// One circuit breaker per province, around whole adapter calls (see <see cref="ProtectedProvinceAdapter"/>).
/// <para>
/// Why here and not in the HTTP pipeline: three of the four provinces say "busy" inside an HTTP 200 body
/// (ZJ code 99, JX 9999, AH 5000/5003), which an HTTP-level breaker cannot see. The adapters already turn
/// every province-side fault (transport errors, time-outs, HTTP 5xx/408/429 and those busy codes) into a
/// <see cref="ProvinceTransientException"/>, so a Polly breaker that counts exactly those exceptions at the
/// adapter boundary treats all four provinces alike, counts each call once, and needs no protocol knowledge.
/// Business answers and defects count as successes: the province answered. Parked calls count as nothing.
/// </para>
/// </summary>
public sealed class ProvinceCircuits(
    IOptionsMonitor<ProvinceResilienceOptions> options, ILoggerFactory loggers, TimeProvider? time = null, IProvinceCircuitObserver? observer = null,
    Telemetry.TongbanMetrics? metrics = null)
{
    private readonly ConcurrentDictionary<string, ProvinceCircuit> circuits = new(StringComparer.Ordinal);
    private readonly ILogger logger = loggers.CreateLogger<ProvinceCircuits>();
    private readonly TimeProvider time = time ?? TimeProvider.System;

    public ProvinceCircuit For(string province) =>
        circuits.GetOrAdd(province, code => new ProvinceCircuit(code, options.Get(code), logger, time, observer, metrics));

    /// <summary>True while the province's circuit is open or half-open: calls to it are parked, not sent.</summary>
    public bool IsParked(string province) => For(province).IsParked;
}

/// <summary>Hears each province circuit's state changes ("open", "half-open", "closed"); must not block.</summary>
public interface IProvinceCircuitObserver
{
    void CircuitChanged(string province, string state);
}

/// <summary>The circuit of one province: its Polly breaker, its state, and when an open circuit will let a probe through.</summary>
public sealed partial class ProvinceCircuit
{
    private readonly ResiliencePipeline pipeline;
    private readonly CircuitBreakerStateProvider state = new();
    private readonly TimeProvider time;
    private readonly TimeSpan breakDuration;
    private readonly Telemetry.TongbanMetrics? metrics;
    private long openUntilTicks;

    internal ProvinceCircuit(string province, ProvinceResilienceOptions options, ILogger logger, TimeProvider time, IProvinceCircuitObserver? observer = null,
        Telemetry.TongbanMetrics? metrics = null)
    {
        Province = province;
        this.time = time;
        this.metrics = metrics;
        metrics?.CircuitChanged(province, "closed");
        var cb = options.CircuitBreaker;
        breakDuration = cb.BreakDuration;
        pipeline = new ResiliencePipelineBuilder { Name = $"province-{province}-circuit", TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = cb.FailureRatio,
                MinimumThroughput = cb.MinimumThroughput,
                SamplingDuration = cb.SamplingDuration,
                BreakDuration = cb.BreakDuration,
                StateProvider = state,
                // A parked call says nothing about the province (our own limiter, or this very breaker).
                ShouldHandle = new PredicateBuilder().Handle<ProvinceTransientException>(e => e is not ProvinceParkedException),
                OnOpened = args =>
                {
                    Interlocked.Exchange(ref openUntilTicks, (time.GetUtcNow() + args.BreakDuration).UtcTicks);
                    CircuitOpened(logger, args.Outcome.Exception, province, "opened", args.BreakDuration);
                    observer?.CircuitChanged(province, "open");
                    metrics?.CircuitChanged(province, "open", time.GetUtcNow() + args.BreakDuration);
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    CircuitHalfOpen(logger, province, "half-open");
                    observer?.CircuitChanged(province, "half-open");
                    metrics?.CircuitChanged(province, "half-open");
                    return default;
                },
                OnClosed = _ =>
                {
                    CircuitClosed(logger, province, "closed");
                    observer?.CircuitChanged(province, "closed");
                    metrics?.CircuitChanged(province, "closed");
                    return default;
                },
            })
            .Build();
    }

    public string Province { get; }

    public CircuitState State => state.CircuitState;

    public bool IsParked => state.CircuitState is not CircuitState.Closed;

    /// <summary>
    /// Runs one adapter call of <paramref name="operation"/> through the breaker. While the circuit is open (or half-open
    /// with its probe already out) the call is not made and a <see cref="ProvinceParkedException"/> says when to come back.
    /// A call that is sent is timed (<c>tongban.province.call.duration</c>) with its outcome.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await pipeline.ExecuteAsync(static (state, token) => new ValueTask<T>(state.Circuit.TimedAsync(state.Operation, state.Call, token)),
                (Circuit: this, Operation: operation, Call: call), ct);
        }
        catch (BrokenCircuitException e)
        {
            var retryAfter = RemainingBreak();
            throw new ProvinceParkedException(Province,
                $"Province {Province} is parked: its circuit is {State.ToString().ToLowerInvariant()}; retry after {retryAfter}.", retryAfter, e);
        }
    }

    private async Task<T> TimedAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        if (metrics is null) return await call(ct);
        var started = Stopwatch.GetTimestamp();
        var outcome = "transient";
        try
        {
            var answer = await call(ct);
            outcome = answer is IProvinceAnswer given ? Telemetry.MetricWords.Of(given.Kind) : "ok";
            return answer;
        }
        catch (ProvinceParkedException)
        {
            outcome = ""; // our own rate limit held it back: not sent
            throw;
        }
        catch (ProvinceDefectException)
        {
            outcome = "defect";
            throw;
        }
        finally
        {
            if (outcome.Length > 0) metrics.ProvinceCalled(Province, operation, outcome, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// What is left of the current break. Once it is over a half-open probe is out, and its answer is due within an
    /// attempt: come back after a fifth of the break (at least a second), not a whole break, so a province that answers
    /// the probe is drained at once.
    /// </summary>
    private TimeSpan RemainingBreak()
    {
        var remaining = new DateTimeOffset(Interlocked.Read(ref openUntilTicks), TimeSpan.Zero) - time.GetUtcNow();
        if (remaining > TimeSpan.Zero) return remaining;
        var probing = breakDuration / 5;
        return probing < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) < breakDuration ? TimeSpan.FromSeconds(1) : breakDuration : probing;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Province {Province} circuit {State} for {BreakDuration}")]
    private static partial void CircuitOpened(ILogger logger, Exception? exception, string province, string state, TimeSpan breakDuration);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Province {Province} circuit {State}")]
    private static partial void CircuitHalfOpen(ILogger logger, string province, string state);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Province {Province} circuit {State}")]
    private static partial void CircuitClosed(ILogger logger, string province, string state);
}
