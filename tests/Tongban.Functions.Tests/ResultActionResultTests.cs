using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Tongban.Functions.Tests;

public sealed class ResultActionResultTests
{
    [Fact]
    public async Task Writes_the_shared_results_status_headers_and_body()
    {
        var shared = Results.Json(new { caseId = "c-1" }, statusCode: StatusCodes.Status202Accepted);
        var context = NewHttpContext();
        context.Response.Headers.Location = "/api/v1/cases/c-1";

        await new ResultActionResult(shared).ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));

        Assert.Equal(StatusCodes.Status202Accepted, context.Response.StatusCode);
        Assert.StartsWith("application/json", context.Response.ContentType, StringComparison.Ordinal);
        Assert.Equal("/api/v1/cases/c-1", context.Response.Headers.Location.ToString());
        Assert.Equal("""{"caseId":"c-1"}""", Body(context));
    }

    [Fact]
    public async Task Writes_a_problem_with_its_content_type()
    {
        var context = NewHttpContext();

        await new ResultActionResult(Results.Problem(statusCode: 404, title: "Not found"))
            .ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));

        Assert.Equal(404, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Contains("\"title\":\"Not found\"", Body(context), StringComparison.Ordinal);
    }

    [Fact]
    public async Task From_awaits_the_handler_and_wraps_its_result()
    {
        var shared = Results.NoContent();
        var result = await ResultActionResult.From(Task.FromResult(shared));
        Assert.Same(shared, Assert.IsType<ResultActionResult>(result).Result);
    }

    private static DefaultHttpContext NewHttpContext() => new()
    {
        RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(),
        Response = { Body = new MemoryStream() },
    };

    private static string Body(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
    }
}
