using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Tongban.Api;

namespace Tongban.Functions;

/// <summary>The operator API: one function per operator route, each delegating to the shared handler (signed by an operator).</summary>
public sealed class OperatorHttpFunctions(OperatorApi operators)
{
    [Function(nameof(ListAttention))]
    public Task<IActionResult> ListAttention([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.OperatorAttention)] HttpRequest req) =>
        ResultActionResult.From(operators.ListAttentionAsync(req));

    [Function(nameof(ListProvinces))]
    public Task<IActionResult> ListProvinces([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.OperatorProvinces)] HttpRequest req) =>
        ResultActionResult.From(operators.ListProvincesAsync(req));

    [Function(nameof(OperatorSla))]
    public Task<IActionResult> OperatorSla([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.OperatorSla)] HttpRequest req) =>
        ResultActionResult.From(operators.SlaAsync(req));

    [Function(nameof(OperatorCaseAudit))]
    public Task<IActionResult> OperatorCaseAudit([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.OperatorCaseAudit)] HttpRequest req, string caseId) =>
        ResultActionResult.From(operators.CaseAuditAsync(req, caseId));

    [Function(nameof(VerifyAudit))]
    public Task<IActionResult> VerifyAudit([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.OperatorAuditVerification)] HttpRequest req) =>
        ResultActionResult.From(operators.VerifyAuditAsync(req));
    [Function(nameof(OperatorMetrics))]
    public Task<IActionResult> OperatorMetrics([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.OperatorMetrics)] HttpRequest req) =>
        ResultActionResult.From(operators.MetricsAsync(req));

    [Function(nameof(RedriveCase))]
    public Task<IActionResult> RedriveCase([HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.OperatorRedrive)] HttpRequest req, string caseId,
        [DurableClient] DurableTaskClient durable) =>
        ResultActionResult.From(operators.RedriveAsync(req, caseId));

    [Function(nameof(RequeuePoison))]
    public Task<IActionResult> RequeuePoison([HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.OperatorRequeuePoison)] HttpRequest req, string code) =>
        ResultActionResult.From(operators.RequeuePoisonAsync(req, code));

    [Function(nameof(SearchCitizenCases))]
    public Task<IActionResult> SearchCitizenCases([HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.OperatorCaseSearch)] HttpRequest req) =>
        ResultActionResult.From(operators.SearchCasesAsync(req));

    [Function(nameof(ListOperatorAudit))]
    public Task<IActionResult> ListOperatorAudit([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.OperatorAuditLog)] HttpRequest req) =>
        ResultActionResult.From(operators.ListOperatorAuditAsync(req));
    [Function(nameof(ListOperatorCases))]
    public Task<IActionResult> ListOperatorCases([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.OperatorCases)] HttpRequest req) =>
        ResultActionResult.From(operators.ListCasesAsync(req));

    [Function(nameof(GetOperatorCase))]
    public Task<IActionResult> GetOperatorCase([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.OperatorCase)] HttpRequest req, string caseId) =>
        ResultActionResult.From(operators.GetCaseAsync(req, caseId));
}
