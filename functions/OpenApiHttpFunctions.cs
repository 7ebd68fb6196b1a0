using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Tongban.Api;

namespace Tongban.Functions;

/// <summary>The OpenAPI document, anonymous as health is: partners' tools read it before they hold a secret.</summary>
public sealed class OpenApiHttpFunctions
{
    [Function(nameof(OpenApiDocument))]
    public Task<IActionResult> OpenApiDocument([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.OpenApiDocument)] HttpRequest req) =>
        Task.FromResult<IActionResult>(new ResultActionResult(Api.OpenApi.OpenApiDocument.Serve(req)));
}
