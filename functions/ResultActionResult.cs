using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Tongban.Functions;

/// <summary>Lets a shared handler's <see cref="IResult"/> be a Functions HTTP result: the same bytes on both hosts.</summary>
public sealed class ResultActionResult(IResult result) : IActionResult
{
    public IResult Result { get; } = result;

    public Task ExecuteResultAsync(ActionContext context) => Result.ExecuteAsync(context.HttpContext);

    public static async Task<IActionResult> From(Task<IResult> result) => new ResultActionResult(await result);
}
