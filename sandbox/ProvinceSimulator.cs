using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tongban.Sandbox;

/// <summary>
/// One simulated province: its routes under its own path prefix, and how it says "busy", "too many requests"
/// and "down" in its own protocol. Zhejiang, Shanghai, Jiangxi and Anhui are subclasses; a further province is one
/// more subclass listed in <see cref="ProvinceSandbox"/>.
/// </summary>
internal abstract class ProvinceSimulator
{
    public abstract string ProvinceCode { get; }

    /// <summary>The path every request to this province starts with, e.g. /zj/gateway.</summary>
    public abstract string PathPrefix { get; }

    public abstract void MapRoutes(IEndpointRouteBuilder routes);

    /// <summary>The province's transient error (error-rate knob).</summary>
    public abstract IResult Busy();

    /// <summary>The province's rate-limit answer.</summary>
    public abstract IResult RateLimited(TimeSpan retryAfter);

    /// <summary>
    /// Checks a request's transport-level signature before any route sees it; null admits it. Provinces whose
    /// signature lives in the form or envelope (Zhejiang) check it in their handlers instead.
    /// </summary>
    public virtual ValueTask<IResult?> AuthenticateAsync(HttpContext context) => ValueTask.FromResult<IResult?>(null);

    /// <summary>The gateway is out (down knob).</summary>
    public virtual IResult Down() => Results.Text("service unavailable", statusCode: StatusCodes.Status503ServiceUnavailable);
}
