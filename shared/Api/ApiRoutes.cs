using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Tongban.Api;

/// <summary>One HTTP route: the function name, its verb, its template below <c>/api</c> and the shared handler that answers it.</summary>
public sealed record ApiRoute(string Name, string Method, string Template, Func<HttpContext, Task<IResult>> Handler);

/// <summary>
/// The one registry of HTTP routes. Templates are relative to the <c>api</c> prefix (host.json
/// routePrefix); the devhost maps them under <c>/api/</c> and dispatches each to its entry's handler (<see cref="ApiDispatch"/>).
/// Constants feed the Functions attributes; a test holds every Functions HTTP trigger to exactly one entry, and each entry to one
/// trigger of the same name, verb and template.
/// </summary>
public static class ApiRoutes
{
    public const string Prefix = "api";

    public const string Cases = "v1/cases";
    public const string Case = "v1/cases/{caseId}";
    public const string Decisions = "v1/cases/{caseId}/decisions";
    public const string Withdrawal = "v1/cases/{caseId}/withdrawal";
    public const string ProvinceCallbacks = "v1/provinces/{code}/callbacks";
    public const string Health = "v1/health";
    public const string OperatorAttention = "v1/operator/attention";
    public const string OperatorProvinces = "v1/operator/provinces";
    public const string OperatorRedrive = "v1/operator/cases/{caseId}/redrive";
    public const string OperatorRequeuePoison = "v1/operator/provinces/{code}/poison/requeue";
    public const string OperatorSla = "v1/operator/sla";
    public const string OperatorCaseSearch = "v1/operator/case-search";
    public const string OperatorAuditLog = "v1/operator/operator-audit";
    public const string CaseAudit = "v1/cases/{caseId}/audit";
    public const string OperatorCaseAudit = "v1/operator/cases/{caseId}/audit";
    public const string OperatorAuditVerification = "v1/operator/audit/verification";
    public const string OperatorCases = "v1/operator/cases";
    public const string OperatorCase = "v1/operator/cases/{caseId}";
    public const string OperatorSession = "v1/operator/session";
    public const string Console = "console/{*path}";
    public const string OperatorMetrics = "v1/operator/metrics";
    public const string OpenApiDocument = "v1/openapi.json";

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        new("OpenCase", "POST", Cases, c => Partners(c).OpenCaseAsync(c.Request)),
        new("ListCases", "GET", Cases, c => Partners(c).ListCasesAsync(c.Request)),
        new("GetCase", "GET", Case, c => Partners(c).GetCaseAsync(c.Request, Route(c, "caseId"))),
        new("DecideCase", "POST", Decisions, c => Partners(c).DecideAsync(c.Request, Route(c, "caseId"))),
        new("WithdrawCase", "POST", Withdrawal, c => Partners(c).WithdrawAsync(c.Request, Route(c, "caseId"))),
        new("ProvinceCallback", "POST", ProvinceCallbacks, c => Service<ProvinceCallbackApi>(c).HandleAsync(c.Request, Route(c, "code"))),
        new("Health", "GET", Health, c => Service<HealthApi>(c).CheckAsync(c.Request)),
        new("ListAttention", "GET", OperatorAttention, c => Operators(c).ListAttentionAsync(c.Request)),
        new("ListProvinces", "GET", OperatorProvinces, c => Operators(c).ListProvincesAsync(c.Request)),
        new("RedriveCase", "POST", OperatorRedrive, c => Operators(c).RedriveAsync(c.Request, Route(c, "caseId"))),
        new("RequeuePoison", "POST", OperatorRequeuePoison, c => Operators(c).RequeuePoisonAsync(c.Request, Route(c, "code"))),
        new("OperatorSla", "GET", OperatorSla, c => Operators(c).SlaAsync(c.Request)),
        new("SearchCitizenCases", "POST", OperatorCaseSearch, c => Operators(c).SearchCasesAsync(c.Request)),
        new("ListOperatorAudit", "GET", OperatorAuditLog, c => Operators(c).ListOperatorAuditAsync(c.Request)),
        new("GetCaseAudit", "GET", CaseAudit, c => Partners(c).GetCaseAuditAsync(c.Request, Route(c, "caseId"))),
        new("OperatorCaseAudit", "GET", OperatorCaseAudit, c => Operators(c).CaseAuditAsync(c.Request, Route(c, "caseId"))),
        new("VerifyAudit", "GET", OperatorAuditVerification, c => Operators(c).VerifyAuditAsync(c.Request)),
        new("ListOperatorCases", "GET", OperatorCases, c => Operators(c).ListCasesAsync(c.Request)),
        new("GetOperatorCase", "GET", OperatorCase, c => Operators(c).GetCaseAsync(c.Request, Route(c, "caseId"))),
        new("SignIn", "POST", OperatorSession, c => ConsolePages(c).SignInAsync(c.Request)),
        new("CurrentSession", "GET", OperatorSession, c => Task.FromResult(ConsolePages(c).Current(c.Request))),
        new("SignOut", "DELETE", OperatorSession, c => Task.FromResult(ConsolePages(c).SignOut(c.Request))),
        new("Console", "GET", Console, c => Task.FromResult(ConsolePages(c).Page(c.Request, Route(c, "path")))),
        new("OperatorMetrics", "GET", OperatorMetrics, c => Operators(c).MetricsAsync(c.Request)),
        new("OpenApiDocument", "GET", OpenApiDocument, c => Task.FromResult(OpenApi.OpenApiDocument.Serve(c.Request))),
    ];

    private static CaseApi Partners(HttpContext context) => Service<CaseApi>(context);

    private static OperatorApi Operators(HttpContext context) => Service<OperatorApi>(context);

    private static OperatorConsole.ConsoleApi ConsolePages(HttpContext context) => Service<OperatorConsole.ConsoleApi>(context);

    private static T Service<T>(HttpContext context) where T : notnull => context.RequestServices.GetRequiredService<T>();

    private static string Route(HttpContext context, string name) => context.Request.RouteValues[name]?.ToString() ?? "";
}
