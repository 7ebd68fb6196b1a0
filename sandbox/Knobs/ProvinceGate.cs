using Microsoft.AspNetCore.Http;

namespace Tongban.Sandbox.Knobs;

/// <summary>Applies a province's knobs (down or down for a while, latency, rate limit, error rate) before its routes see a request.</summary>
internal sealed class ProvinceGate(ProvinceSimulator province, ProvinceKnobs knobs, TimeProvider time)
{
    private readonly Lock _windowGate = new();
    private long _windowSecond = long.MinValue;
    private int _windowCount;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        knobs.Called(context.Request.Path);
        var settings = knobs.Current;
        if (settings.IsDownAt(time.GetUtcNow()))
        {
            await province.Down().ExecuteAsync(context);
            return;
        }
        if (settings.Latency > TimeSpan.Zero) await Task.Delay(settings.Latency, time, context.RequestAborted);
        if (settings.RateLimitPerSecond > 0 && !Admit(settings.RateLimitPerSecond, out var retryAfter))
        {
            await province.RateLimited(retryAfter).ExecuteAsync(context);
            return;
        }
        if (settings.ErrorRate > 0 && Random.Shared.NextDouble() < settings.ErrorRate)
        {
            await province.Busy().ExecuteAsync(context);
            return;
        }
        if (await province.AuthenticateAsync(context) is { } refusal)
        {
            await refusal.ExecuteAsync(context);
            return;
        }
        await next(context);
    }

    // A fixed one-second window: simple, and what a province's gateway counter typically is.
    private bool Admit(int perSecond, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        var second = now.ToUnixTimeMilliseconds() / 1000;
        lock (_windowGate)
        {
            if (second != _windowSecond)
            {
                _windowSecond = second;
                _windowCount = 0;
            }
            retryAfter = TimeSpan.FromMilliseconds((second + 1) * 1000 - now.ToUnixTimeMilliseconds());
            return ++_windowCount <= perSecond;
        }
    }
}
