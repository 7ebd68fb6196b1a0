using Microsoft.AspNetCore.Http;

namespace Tongban.Api;

/// <summary>How a host that maps routes itself (the devhost) reaches the shared handlers: a registry entry's handler, outages answered 503.</summary>
public static class ApiDispatch
{
    public static RequestDelegate For(ApiRoute route)
    {
        ArgumentNullException.ThrowIfNull(route);
        return async context =>
        {
            IResult result;
            try
            {
                result = await route.Handler(context);
            }
            catch (Exception e) when (Problems.ForOutage(e) is { } unavailable && !context.RequestAborted.IsCancellationRequested)
            {
                result = unavailable;
            }

            await result.ExecuteAsync(context);
        };
    }
}
