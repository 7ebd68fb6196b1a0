namespace Tongban.Sandbox.Knobs;

/// <summary>
/// One simulated province's behaviour, changeable while the sandbox runs. Each setting is read and written
/// atomically (the whole set is an immutable value swapped under a lock).
/// </summary>
public sealed class ProvinceKnobs
{
    private readonly Lock _gate = new();
    private ProvinceKnobSettings _settings = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    internal ProvinceKnobs(string provinceCode, TimeProvider time)
    {
        ProvinceCode = provinceCode;
        Time = time;
    }

    public string ProvinceCode { get; }

    /// <summary>The sandbox's clock: timed outages (<see cref="DownFor"/>) end by it.</summary>
    internal TimeProvider Time { get; }

    /// <summary>Every setting at one instant.</summary>
    public ProvinceKnobSettings Current => Volatile.Read(ref _settings);

    /// <summary>Whether the province answers "down" now: <see cref="Down"/>, or a timed outage not yet over.</summary>
    public bool IsDown => Current.IsDownAt(Time.GetUtcNow());

    /// <summary>Added before every answer.</summary>
    public TimeSpan Latency { get => Current.Latency; set => Update(s => s with { Latency = NonNegative(value) }); }

    /// <summary>Share of requests (0..1) answered with the province's transient error (Zhejiang 99, Shanghai 503, Jiangxi 9999, Anhui 5000).</summary>
    public double ErrorRate
    {
        get => Current.ErrorRate;
        set => Update(s => s with { ErrorRate = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value)) });
    }

    /// <summary>Requests per second accepted; 0 means unlimited. Beyond it: Zhejiang 99, Shanghai 429 with Retry-After, Jiangxi 9999, Anhui 5003.</summary>
    public int RateLimitPerSecond
    {
        get => Current.RateLimitPerSecond;
        set => Update(s => s with { RateLimitPerSecond = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value)) });
    }

    /// <summary>The province's gateway is out: every request gets 503, until this is set back to false.</summary>
    public bool Down { get => Current.Down; set => Update(s => s with { Down = value }); }

    /// <summary>
    /// The end of a timed outage: until then the province is down as with <see cref="Down"/>, then up again by
    /// itself. Independent of <see cref="Down"/>; null (or a past time) means no timed outage.
    /// </summary>
    public DateTimeOffset? DownUntil { get => Current.DownUntil; set => Update(s => s with { DownUntil = value }); }

    /// <summary>Takes the province down for <paramref name="duration"/> from now (zero ends a timed outage at once).</summary>
    public void DownFor(TimeSpan duration) => DownUntil = Time.GetUtcNow() + NonNegative(duration);

    /// <summary>How long slow work (tickets) takes before it is decided.</summary>
    public TimeSpan SlowWorkDelay { get => Current.SlowWorkDelay; set => Update(s => s with { SlowWorkDelay = NonNegative(value) }); }

    /// <summary>Zhejiang: how long a requestSecret lives (expiresInSeconds).</summary>
    public TimeSpan TokenLifetime
    {
        get => Current.TokenLifetime;
        set => Update(s => s with { TokenLifetime = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value)) });
    }

    /// <summary>
    /// Answers carry a signature that does not verify, wherever the province's protocol signs what it sends: Jiangxi's
    /// response sign (SM3), Anhui's response signData (SM2), Shanghai's callbacks (X-Ca-Signature). Zhejiang's answers
    /// and Shanghai's API answers are not signed by their protocols: no effect there.
    /// </summary>
    public bool WrongSignatures { get => Current.WrongSignatures; set => Update(s => s with { WrongSignatures = value }); }

    /// <summary>
    /// What the province signs with (a secret, or for SM2 the signed text): unchanged, or altered while
    /// <see cref="WrongSignatures"/> is on, so that the signature made from it does not verify.
    /// </summary>
    internal string ForSigning(string secretOrText) => Current.WrongSignatures ? "not-" + secretOrText : secretOrText;

    /// <summary>Shanghai: the hub's base address; callbacks go to {base}/api/v1/provinces/310000/callbacks.</summary>
    public Uri? CallbackBaseUrl { get => Current.CallbackBaseUrl; set => Update(s => s with { CallbackBaseUrl = value }); }

    /// <summary>Shanghai: deliver every callback twice (each with its own nonce).</summary>
    public bool DuplicateCallbacks { get => Current.DuplicateCallbacks; set => Update(s => s with { DuplicateCallbacks = value }); }

    /// <summary>Shanghai: decide at once and deliver the callback before answering the 202.</summary>
    public bool EarlyCallbacks { get => Current.EarlyCallbacks; set => Update(s => s with { EarlyCallbacks = value }); }

    /// <summary>
    /// How many requests the province got at <paramref name="path"/> (say <c>/zj/gateway/api/zj.mzt.hyzk.update</c>), whatever
    /// it answered, down and busy included: what a test holds the hub's count of its calls against.
    /// </summary>
    public int CallsTo(string path) => _calls.TryGetValue(path, out var count) ? count : 0;

    internal void Called(string path) => _calls.AddOrUpdate(path, 1, (_, count) => count + 1);

    public void Update(Func<ProvinceKnobSettings, ProvinceKnobSettings> change)
    {
        lock (_gate) Volatile.Write(ref _settings, change(_settings));
    }

    private static TimeSpan NonNegative(TimeSpan value) =>
        value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value));
}

public sealed record ProvinceKnobSettings
{
    public TimeSpan Latency { get; init; }
    public double ErrorRate { get; init; }
    public int RateLimitPerSecond { get; init; }
    public bool Down { get; init; }
    public DateTimeOffset? DownUntil { get; init; }
    public bool WrongSignatures { get; init; }
    public TimeSpan SlowWorkDelay { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromSeconds(900);
    public Uri? CallbackBaseUrl { get; init; }
    public bool DuplicateCallbacks { get; init; }
    public bool EarlyCallbacks { get; init; }

    /// <summary>Down at <paramref name="now"/>: the down knob, or a timed outage that has not ended.</summary>
    public bool IsDownAt(DateTimeOffset now) => Down || DownUntil > now;

    /// <summary>What is left of a timed outage at <paramref name="now"/>; zero when there is none.</summary>
    public TimeSpan DownRemainingAt(DateTimeOffset now) => DownUntil is { } until && until > now ? until - now : TimeSpan.Zero;
}
