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
        new("OpenApiDocument", "GET", OpenApiDocument),
    ];
}
