namespace Tongban.Provinces.Zhejiang;

/// <summary>A requestSecret and when to fetch the next one.</summary>
internal sealed record ZhejiangToken(string Secret, DateTimeOffset RefreshAt);

/// <summary>
/// The gateway's requestSecret, cached until shortly before it expires; one refresh at a time, however many calls
/// find it stale together.
/// </summary>
/// <param name="request">Asks the gateway for a fresh secret and its lifetime.</param>
internal sealed class ZhejiangTokens(TimeProvider time, Func<CancellationToken, Task<(string Secret, TimeSpan Lifetime)>> request) : IDisposable
{
    // Refresh a minute early (or a tenth of a short lifetime) so a call never leaves with a secret about to lapse.
    private static readonly TimeSpan MaxRefreshMargin = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim refreshing = new(1, 1);
    private volatile ZhejiangToken? current;

    /// <summary>The cached token while it is fresh, else a new one.</summary>
    /// <param name="stale">A token the gateway just refused: never handed out again.</param>
    public async Task<ZhejiangToken> GetAsync(ZhejiangToken? stale, CancellationToken ct)
    {
        var token = current;
        if (IsUsable(token, stale)) return token!;

        await refreshing.WaitAsync(ct);
        try
        {
            // Another caller may have refreshed while we waited.
            token = current;
            if (IsUsable(token, stale)) return token!;

            var (secret, lifetime) = await request(ct);
            var margin = lifetime / 10 < MaxRefreshMargin ? lifetime / 10 : MaxRefreshMargin;
            token = new ZhejiangToken(secret, time.GetUtcNow() + lifetime - margin);
            current = token;
            return token;
        }
        finally
        {
            refreshing.Release();
        }
    }

    public void Dispose() => refreshing.Dispose();

    private bool IsUsable(ZhejiangToken? candidate, ZhejiangToken? stale) =>
        candidate is not null && !ReferenceEquals(candidate, stale) && time.GetUtcNow() < candidate.RefreshAt;
}
