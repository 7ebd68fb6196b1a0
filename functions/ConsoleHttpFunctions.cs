using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Tongban.Api;
using Tongban.OperatorConsole;

namespace Tongban.Functions;

/// <summary>
/// The operator console: its static pages (anonymous: they hold no data, and a browser cannot send a function key with a
/// page load) and its session. Sign-in and the session calls keep the function key as every other API call does: the console
/// sends the one an operator gives at sign-in (infra/README.md).
/// </summary>
public sealed class ConsoleHttpFunctions(ConsoleApi console)
{
    [Function(nameof(Console))]
    public IActionResult Console([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Console)] HttpRequest req, string? path) =>
        new ResultActionResult(console.Page(req, path ?? ""));

    [Function(nameof(SignIn))]
    public Task<IActionResult> SignIn([HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.OperatorSession)] HttpRequest req) =>
        ResultActionResult.From(console.SignInAsync(req));

    [Function(nameof(CurrentSession))]
    public IActionResult CurrentSession([HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.OperatorSession)] HttpRequest req) =>
        new ResultActionResult(console.Current(req));

    [Function(nameof(SignOut))]
    public IActionResult SignOut([HttpTrigger(AuthorizationLevel.Function, "delete", Route = ApiRoutes.OperatorSession)] HttpRequest req) =>
        new ResultActionResult(console.SignOut(req));
}
