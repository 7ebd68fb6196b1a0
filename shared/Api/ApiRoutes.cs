namespace Tongban.Api;

/// <summary>One HTTP route: the function name, its verb and its template below <c>/api</c>.</summary>
public sealed record ApiRoute(string Name, string Method, string Template);

/// <summary>
/// The one registry of HTTP routes. Templates are relative to the <c>api</c> prefix (host.json
/// routePrefix); the devhost maps them under <c>/api/</c>. Constants feed the Functions attributes.
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
        new("OpenCase", "POST", Cases),
        new("ListCases", "GET", Cases),
        new("GetCase", "GET", Case),
        new("DecideCase", "POST", Decisions),
        new("WithdrawCase", "POST", Withdrawal),
        new("ProvinceCallback", "POST", ProvinceCallbacks),
        new("Health", "GET", Health),
        new("ListAttention", "GET", OperatorAttention),
        new("ListProvinces", "GET", OperatorProvinces),
        new("RedriveCase", "POST", OperatorRedrive),
        new("RequeuePoison", "POST", OperatorRequeuePoison),
        new("OperatorSla", "GET", OperatorSla),
        new("SearchCitizenCases", "POST", OperatorCaseSearch),
        new("ListOperatorAudit", "GET", OperatorAuditLog),
        new("GetCaseAudit", "GET", CaseAudit),
        new("OperatorCaseAudit", "GET", OperatorCaseAudit),
        new("VerifyAudit", "GET", OperatorAuditVerification),
        new("ListOperatorCases", "GET", OperatorCases),
        new("GetOperatorCase", "GET", OperatorCase),
        new("SignIn", "POST", OperatorSession),
        new("CurrentSession", "GET", OperatorSession),
        new("SignOut", "DELETE", OperatorSession),
        new("Console", "GET", Console),
        new("OperatorMetrics", "GET", OperatorMetrics),
        new("OpenApiDocument", "GET", OpenApiDocument),
    ];
}
