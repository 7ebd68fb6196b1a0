using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Tongban.Api;

namespace Tongban.Functions;

/// <summary>
/// The partner API: one function per ApiRoutes entry, named as the route, each delegating to the shared handler.
/// A <c>[DurableClient]</c> parameter marks a handler that talks to Durable: DurableClientMiddleware hands it to the
/// handler's injected client (BoundDurableTaskClient), since the isolated extension offers the client only as a binding.
/// </summary>
public sealed class CaseHttpFunctions(CaseApi cases, ProvinceCallbackApi callbacks, HealthApi health)
{
    [Function(nameof(OpenCase))]
    public Task<IActionResult> OpenCase([HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Cases)] HttpRequest req,
        [DurableClient] DurableTaskClient durable) =>
        ResultActionResult.From(cases.OpenCaseAsync(req));

    [Function(nameof(ListCases))]
    public Task<IActionResult> ListCases([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Cases)] HttpRequest req) =>
        ResultActionResult.From(cases.ListCasesAsync(req));

    [Function(nameof(GetCase))]
    public Task<IActionResult> GetCase([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Case)] HttpRequest req, string caseId) =>
        ResultActionResult.From(cases.GetCaseAsync(req, caseId));

    [Function(nameof(GetCaseAudit))]
    public Task<IActionResult> GetCaseAudit([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.CaseAudit)] HttpRequest req, string caseId) =>
        ResultActionResult.From(cases.GetCaseAuditAsync(req, caseId));

    [Function(nameof(DecideCase))]
    public Task<IActionResult> DecideCase([HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Decisions)] HttpRequest req, string caseId,
        [DurableClient] DurableTaskClient durable) =>
        ResultActionResult.From(cases.DecideAsync(req, caseId));

    [Function(nameof(WithdrawCase))]
    public Task<IActionResult> WithdrawCase([HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Withdrawal)] HttpRequest req, string caseId,
        [DurableClient] DurableTaskClient durable) =>
        ResultActionResult.From(cases.WithdrawAsync(req, caseId));

    [Function(nameof(ProvinceCallback))]
    public Task<IActionResult> ProvinceCallback([HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.ProvinceCallbacks)] HttpRequest req, string code,
        [DurableClient] DurableTaskClient durable) =>
        ResultActionResult.From(callbacks.HandleAsync(req, code));

    [Function(nameof(Health))]
    public Task<IActionResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Health)] HttpRequest req,
        [DurableClient] DurableTaskClient durable) =>
        ResultActionResult.From(health.CheckAsync(req));
}
