using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Tongban.Api;

/// <summary>Route name → handler: how a host that maps routes itself (the devhost) reaches the shared handlers.</summary>
public static class ApiDispatch
{
    public static RequestDelegate For(string routeName) => routeName switch
    {
        "OpenCase" => ctx => Run(ctx, (api, r) => api.OpenCaseAsync(r)),
        "ListCases" => ctx => Run(ctx, (api, r) => api.ListCasesAsync(r)),
        "GetCase" => ctx => Run(ctx, (api, r) => api.GetCaseAsync(r, Route(r, "caseId"))),
        "DecideCase" => ctx => Run(ctx, (api, r) => api.DecideAsync(r, Route(r, "caseId"))),
        "WithdrawCase" => ctx => Run(ctx, (api, r) => api.WithdrawAsync(r, Route(r, "caseId"))),
        "ProvinceCallback" => ctx => Execute(ctx, ctx.RequestServices.GetRequiredService<ProvinceCallbackApi>().HandleAsync(ctx.Request, Route(ctx.Request, "code"))),
        "Health" => ctx => Execute(ctx, ctx.RequestServices.GetRequiredService<HealthApi>().CheckAsync(ctx.Request)),
        _ => throw new ArgumentOutOfRangeException(nameof(routeName), routeName, "Unknown route."),
    };

    private static Task Run(HttpContext context, Func<CaseApi, HttpRequest, Task<IResult>> handler) =>
        Execute(context, handler(context.RequestServices.GetRequiredService<CaseApi>(), context.Request));

    private static async Task Execute(HttpContext context, Task<IResult> result) => await (await result).ExecuteAsync(context);

    private static string Route(HttpRequest request, string name) => request.RouteValues[name]?.ToString() ?? "";
}
