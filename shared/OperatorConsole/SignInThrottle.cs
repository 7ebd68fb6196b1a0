using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Tongban.Configuration;

namespace Tongban.OperatorConsole;

/// <summary>
/// Failed console sign-ins, counted per client address and per configured operator ID over
/// <c>Tongban:Console:FailedSignInWindow</c>: at <c>MaxFailedSignIns</c> either one is refused (429) until its oldest failure
/// leaves the window, a right secret included, so guessing is slow from one address and against one operator from many. In
/// process, as the partners' rate limits are: each instance of the hub counts on its own.
/// </summary>
public sealed class SignInThrottle(IOptions<TongbanOptions> options, TimeProvider time)
{
    /// <summary>Bounds memory under a flood of addresses: past it, expired entries are dropped first.</summary>
    private const int MaxTracked = 10_000;

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> failures = new(StringComparer.Ordinal);

    private ConsoleOptions Settings => options.Value.Console;

    /// <summary>How long to wait before these keys may try again, or null when they may try now.</summary>
    public TimeSpan? RetryAfter(params string[] keys)
    {
        var now = time.GetUtcNow();
        TimeSpan? wait = null;
        foreach (var key in keys)
        {
            if (!failures.TryGetValue(key, out var seen)) continue;
            lock (seen)
            {
                Expire(seen, now);
                if (seen.Count < Settings.MaxFailedSignIns) continue;
                var free = seen.Peek() + Settings.FailedSignInWindow - now;
                if (wait is null || free > wait) wait = free;
            }
        }

        return wait;
    }

    public void Failed(params string[] keys)
    {
        var now = time.GetUtcNow();
        if (failures.Count >= MaxTracked) Prune(now);
        foreach (var key in keys)
        {
            var seen = failures.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
            lock (seen)
            {
                Expire(seen, now);
                seen.Enqueue(now);
            }
        }
    }

    private void Expire(Queue<DateTimeOffset> seen, DateTimeOffset now)
    {
        while (seen.Count > 0 && seen.Peek() + Settings.FailedSignInWindow <= now) seen.Dequeue();
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, seen) in failures)
        {
            bool empty;
            lock (seen)
            {
                Expire(seen, now);
                empty = seen.Count == 0;
            }

            if (empty) failures.TryRemove(key, out _);
        }
    }
}
