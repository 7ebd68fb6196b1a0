namespace Tongban.Sandbox.Knobs;

/// <summary>
/// One province's knobs as JSON on GET/PUT /_sandbox/knobs: the document is {"330000": {...}, "310000": {...}};
/// on PUT, absent fields keep their value. A timed outage is shown as <c>downForSeconds</c> (what is left, rounded up;
/// 0 when none) and <c>downUntil</c> (its end; null when none); PUT sets it with either (<c>downForSeconds</c> wins;
/// 0 ends it at once).
/// </summary>
public sealed record ProvinceKnobsDocument
{
    public int? LatencyMs { get; init; }
    public double? ErrorRate { get; init; }
    public int? RateLimitPerSecond { get; init; }
    public bool? Down { get; init; }
    public int? DownForSeconds { get; init; }
    public DateTimeOffset? DownUntil { get; init; }
    public bool? WrongSignatures { get; init; }
    public int? SlowWorkDelayMs { get; init; }
    public int? TokenLifetimeSeconds { get; init; }
    public Uri? CallbackBaseUrl { get; init; }
    public bool? DuplicateCallbacks { get; init; }
    public bool? EarlyCallbacks { get; init; }

    public static ProvinceKnobsDocument From(ProvinceKnobSettings s, DateTimeOffset now) => new()
    {
        LatencyMs = (int)s.Latency.TotalMilliseconds,
        ErrorRate = s.ErrorRate,
        RateLimitPerSecond = s.RateLimitPerSecond,
        Down = s.Down,
        DownForSeconds = (int)Math.Ceiling(s.DownRemainingAt(now).TotalSeconds),
        DownUntil = s.DownUntil > now ? s.DownUntil : null,
        WrongSignatures = s.WrongSignatures,
        SlowWorkDelayMs = (int)s.SlowWorkDelay.TotalMilliseconds,
        TokenLifetimeSeconds = (int)s.TokenLifetime.TotalSeconds,
        CallbackBaseUrl = s.CallbackBaseUrl,
        DuplicateCallbacks = s.DuplicateCallbacks,
        EarlyCallbacks = s.EarlyCallbacks,
    };

    /// <summary>Applies the present fields to <paramref name="knobs"/> in one step; throws ArgumentOutOfRangeException on a bad value.</summary>
    public void ApplyTo(ProvinceKnobs knobs)
    {
        Validate();
        var now = knobs.Time.GetUtcNow();
        knobs.Update(s => s with
        {
            Latency = LatencyMs is { } latency ? TimeSpan.FromMilliseconds(latency) : s.Latency,
            ErrorRate = ErrorRate ?? s.ErrorRate,
            RateLimitPerSecond = RateLimitPerSecond ?? s.RateLimitPerSecond,
            Down = Down ?? s.Down,
            DownUntil = DownForSeconds is { } seconds ? now.AddSeconds(seconds) : DownUntil ?? s.DownUntil,
            WrongSignatures = WrongSignatures ?? s.WrongSignatures,
            SlowWorkDelay = SlowWorkDelayMs is { } delay ? TimeSpan.FromMilliseconds(delay) : s.SlowWorkDelay,
            TokenLifetime = TokenLifetimeSeconds is { } lifetime ? TimeSpan.FromSeconds(lifetime) : s.TokenLifetime,
            CallbackBaseUrl = CallbackBaseUrl ?? s.CallbackBaseUrl,
            DuplicateCallbacks = DuplicateCallbacks ?? s.DuplicateCallbacks,
            EarlyCallbacks = EarlyCallbacks ?? s.EarlyCallbacks,
        });
    }

    private void Validate()
    {
        if (LatencyMs < 0) throw new ArgumentOutOfRangeException(nameof(LatencyMs));
        if (ErrorRate is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(ErrorRate));
        if (DownForSeconds < 0) throw new ArgumentOutOfRangeException(nameof(DownForSeconds));
        if (RateLimitPerSecond < 0) throw new ArgumentOutOfRangeException(nameof(RateLimitPerSecond));
        if (SlowWorkDelayMs < 0) throw new ArgumentOutOfRangeException(nameof(SlowWorkDelayMs));
        if (TokenLifetimeSeconds <= 0) throw new ArgumentOutOfRangeException(nameof(TokenLifetimeSeconds));
        if (CallbackBaseUrl is { IsAbsoluteUri: false }) throw new ArgumentOutOfRangeException(nameof(CallbackBaseUrl));
    }
}
