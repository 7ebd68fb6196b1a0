using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Tongban.Api;

/// <summary>Route name → handler: how a host that maps routes itself (the devhost) reaches the shared handlers.</summary>
public static class ApiDispatch
{
    public static RequestDelegate For(string routeName)
    {
        var handler = Handler(routeName);
        return async context =>
        {
            IResult result;
            try
            {
                result = await handler(context);
            }
            catch (Exception e) when (Problems.ForOutage(e) is { } unavailable && !context.RequestAborted.IsCancellationRequested)
            {
                result = unavailable;
            }

            await result.ExecuteAsync(context);
        };
    }

    private static Func<HttpContext, Task<IResult>> Handler(string routeName) => routeName switch
    {
        "OpenCase" => c => Cases(c).OpenCaseAsync(c.Request),
        "ListCases" => c => Cases(c).ListCasesAsync(c.Request),
        "GetCase" => c => Cases(c).GetCaseAsync(c.Request, Route(c, "caseId")),
        "DecideCase" => c => Cases(c).DecideAsync(c.Request, Route(c, "caseId")),
        "WithdrawCase" => c => Cases(c).WithdrawAsync(c.Request, Route(c, "caseId")),
        "ProvinceCallback" => c => c.RequestServices.GetRequiredService<ProvinceCallbackApi>().HandleAsync(c.Request, Route(c, "code")),
        "Health" => c => c.RequestServices.GetRequiredService<HealthApi>().CheckAsync(c.Request),
        "ListAttention" => c => Operators(c).ListAttentionAsync(c.Request),
        "ListProvinces" => c => Operators(c).ListProvincesAsync(c.Request),
        "RedriveCase" => c => Operators(c).RedriveAsync(c.Request, Route(c, "caseId")),
        "RequeuePoison" => c => Operators(c).RequeuePoisonAsync(c.Request, Route(c, "code")),
        "OperatorSla" => c => Operators(c).SlaAsync(c.Request),
        "SearchCitizenCases" => c => Operators(c).SearchCasesAsync(c.Request),
        "ListOperatorAudit" => c => Operators(c).ListOperatorAuditAsync(c.Request),
        "GetCaseAudit" => c => Cases(c).GetCaseAuditAsync(c.Request, Route(c, "caseId")),
        "OperatorCaseAudit" => c => Operators(c).CaseAuditAsync(c.Request, Route(c, "caseId")),
        "VerifyAudit" => c => Operators(c).VerifyAuditAsync(c.Request),
        "ListOperatorCases" => c => Operators(c).ListCasesAsync(c.Request),
        "GetOperatorCase" => c => Operators(c).GetCaseAsync(c.Request, Route(c, "caseId")),
        "SignIn" => c => ConsolePages(c).SignInAsync(c.Request),
        "CurrentSession" => c => Task.FromResult(ConsolePages(c).Current(c.Request)),
        "SignOut" => c => Task.FromResult(ConsolePages(c).SignOut(c.Request)),
        "Console" => c => Task.FromResult(ConsolePages(c).Page(c.Request, Route(c, "path"))),
        "OperatorMetrics" => c => Operators(c).MetricsAsync(c.Request),
        "OpenApiDocument" => c => Task.FromResult(OpenApi.OpenApiDocument.Serve(c.Request)),
        _ => throw new ArgumentOutOfRangeException(nameof(routeName), routeName, "Unknown route."),
    };

    private static CaseApi Cases(HttpContext context) => context.RequestServices.GetRequiredService<CaseApi>();

    private static OperatorApi Operators(HttpContext context) => context.RequestServices.GetRequiredService<OperatorApi>();

    private static OperatorConsole.ConsoleApi ConsolePages(HttpContext context) => context.RequestServices.GetRequiredService<OperatorConsole.ConsoleApi>();

    private static string Route(HttpContext context, string name) => context.Request.RouteValues[name]?.ToString() ?? "";
}
