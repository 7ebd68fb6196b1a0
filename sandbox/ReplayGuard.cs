namespace Tongban.Sandbox;

/// <summary>
/// Remembers one-time values (Jiangxi reqId, Anhui nonce) for as long as a request carrying them could still pass
/// the time check; a value seen again within that span is a replay.
/// </summary>
internal sealed class ReplayGuard(TimeProvider time, TimeSpan tolerance)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private DateTimeOffset _lastPurge = DateTimeOffset.MinValue;

    /// <summary>True when the timestamp is within the tolerance of now (either way).</summary>
    public bool IsFresh(DateTimeOffset stamped) => (time.GetUtcNow() - stamped).Duration() <= tolerance;

    /// <summary>Records the value; false when it was already used.</summary>
    public bool TryUse(string value)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            Purge(now);
            return _seen.TryAdd(value, now);
        }
    }

    // A value older than twice the tolerance cannot come back with an acceptable timestamp.
    private void Purge(DateTimeOffset now)
    {
        if (now - _lastPurge < tolerance) return;
        _lastPurge = now;
        foreach (var (value, seenAt) in _seen.ToList())
        {
            if (now - seenAt > 2 * tolerance) _seen.Remove(value);
        }
    }
}
