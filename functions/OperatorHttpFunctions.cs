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
}
