using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Tongban.Functions.Tests;

/// <summary>
/// Issue 11: an HTTP function that throws answers the devhost's problem+json (urn:tongban:problem:internal, a traceId),
/// never the exception's text or stack. (The middleware's own hand-over to the invocation result needs the worker's
/// internal binding feature; what it hands over is tested here.)
/// </summary>
public sealed class ExceptionMiddlewareTests
{
    [Fact]
    public async Task A_defect_is_a_500_internal_problem_with_a_trace_id_and_nothing_of_the_exception()
    {
        Exception thrown;
        try
        {
            throw new InvalidOperationException("row 110101199003070011 unreadable at Tongban.Storage.CaseStore");
        }
        catch (InvalidOperationException e)
        {
            thrown = e;
        }

        var (status, contentType, body) = await ExecuteAsync(ExceptionMiddleware.Answer(thrown));

        Assert.Equal(500, status);
        Assert.Equal("application/problem+json", contentType);
        var json = JsonNode.Parse(body)!;
        Assert.Equal("urn:tongban:problem:internal", json["type"]!.ToString());
        Assert.Equal("trace-1", json["traceId"]!.ToString());
        Assert.DoesNotContain("110101199003070011", body, StringComparison.Ordinal);
        Assert.DoesNotContain("CaseStore", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Storage_that_does_not_answer_is_still_a_503()
    {
        var (status, _, body) = await ExecuteAsync(ExceptionMiddleware.Answer(new Azure.RequestFailedException(0, "refused")));
        Assert.Equal(503, status);
        Assert.Equal("urn:tongban:problem:unavailable", JsonNode.Parse(body)!["type"]!.ToString());
    }

    private static async Task<(int Status, string? ContentType, string Body)> ExecuteAsync(IResult result)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(), TraceIdentifier = "trace-1" };
        context.Response.Body = new MemoryStream();
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, context.Response.ContentType?.Split(';')[0], await new StreamReader(context.Response.Body).ReadToEndAsync());
    }
}
