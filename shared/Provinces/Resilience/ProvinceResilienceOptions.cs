namespace Tongban.Provinces.Resilience;

/// <summary>
/// Per-province protection, bound from <c>Tongban:Provinces:{code}:Resilience</c> (a named option per
/// province code). Every value has a default, so a province without the section is still protected.
/// </summary>
public sealed class ProvinceResilienceOptions
{
    public const string SectionName = "Resilience";

    public static string SectionPath(string code) => $"Tongban:Provinces:{code}:{SectionName}";

    /// <summary>Steady rate the hub allows itself towards this province (token bucket refill); may be fractional, e.g. 0.5.</summary>
    public double RequestsPerSecond { get; set; } = 20;

    /// <summary>Bucket size: how many calls may leave at once after a quiet spell. Default: RequestsPerSecond rounded up.</summary>
    public int? Burst { get; set; }

    /// <summary>Time-out of one HTTP request to the province.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time-out of one send as a whole (the pipeline has no retries, so this only adds headroom over AttemptTimeout).</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(20);

    public ProvinceCircuitBreakerOptions CircuitBreaker { get; set; } = new();

    public int EffectiveBurst => Burst ?? (int)Math.Ceiling(RequestsPerSecond);

    /// <summary>The keys (relative to the section) whose values are out of range.</summary>
    public IEnumerable<string> Problems()
    {
        if (!(RequestsPerSecond > 0 && RequestsPerSecond <= 1000)) yield return nameof(RequestsPerSecond);
        if (EffectiveBurst < 1) yield return nameof(Burst);
        if (AttemptTimeout <= TimeSpan.Zero) yield return nameof(AttemptTimeout);
        if (TotalTimeout < AttemptTimeout) yield return nameof(TotalTimeout);
        var cb = CircuitBreaker;
        if (cb is null)
        {
            yield return nameof(CircuitBreaker);
            yield break;
        }

        var prefix = nameof(CircuitBreaker) + ":";
        if (!(cb.FailureRatio > 0 && cb.FailureRatio <= 1)) yield return prefix + nameof(cb.FailureRatio);
        if (cb.MinimumThroughput < 2) yield return prefix + nameof(cb.MinimumThroughput);
        if (cb.SamplingDuration < TimeSpan.FromMilliseconds(500)) yield return prefix + nameof(cb.SamplingDuration);
        if (cb.BreakDuration < TimeSpan.FromMilliseconds(500)) yield return prefix + nameof(cb.BreakDuration);
    }
}

/// <summary>
/// When a province counts as down: at least <see cref="FailureRatio"/> of the calls in
/// <see cref="SamplingDuration"/> failed transiently, over at least <see cref="MinimumThroughput"/> calls.
/// Then calls are parked for <see cref="BreakDuration"/>, after which one probe call decides.
/// </summary>
public sealed class ProvinceCircuitBreakerOptions
{
    public double FailureRatio { get; set; } = 0.5;

    public int MinimumThroughput { get; set; } = 10;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
