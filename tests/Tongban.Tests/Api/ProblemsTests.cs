using System.Text.Json.Nodes;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tongban.Api;

namespace Tongban.Tests.Api;

public class ProblemsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(503)]
    public async Task Storage_that_does_not_answer_is_a_503_with_retry_after(int status)
    {
        var result = Problems.ForOutage(new RequestFailedException(status, "connection refused"));

        var (code, headers, body) = await ExecuteAsync(Assert.IsAssignableFrom<IResult>(result));
        Assert.Equal(503, code);
        Assert.Equal("5", headers["Retry-After"].ToString());
        Assert.Equal("urn:tongban:problem:unavailable", body["type"]!.ToString());
    }

    [Fact]
    public async Task Storage_retries_that_all_failed_to_connect_are_a_503()
    {
        var given = new AggregateException("Retry failed after 4 tries.",
            Enumerable.Range(0, 4).Select(_ => new RequestFailedException(0, "Connection refused")));

        var (code, _, _) = await ExecuteAsync(Assert.IsAssignableFrom<IResult>(Problems.ForOutage(given)));
        Assert.Equal(503, code);
    }

    [Fact]
    public async Task A_result_for_a_case_whose_orchestration_has_not_started_is_a_503_to_send_again()
    {
        var result = Problems.ForOutage(new Tongban.Workflows.Steps.OrchestrationNotStartedException("c-1"));

        var (code, headers, body) = await ExecuteAsync(Assert.IsAssignableFrom<IResult>(result));
        Assert.Equal(503, code);
        Assert.Equal("5", headers["Retry-After"].ToString());
        Assert.DoesNotContain("c-1", body.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_defect_is_not_an_outage()
    {
        Assert.Null(Problems.ForOutage(new InvalidOperationException("bug")));
        Assert.Null(Problems.ForOutage(new RequestFailedException(409, "conflict")));
        Assert.Null(Problems.ForOutage(new AggregateException(new RequestFailedException(0, "refused"), new InvalidOperationException("bug"))));
    }

    [Fact]
    public async Task Validation_problems_list_every_field()
    {
        var (code, _, body) = await ExecuteAsync(Problems.Validation(new Dictionary<string, string[]>
        {
            ["details.partyA.idNumber"] = ["bad checksum"],
            ["Idempotency-Key"] = ["required"],
        }));

        Assert.Equal(400, code);
        Assert.Equal(["details.partyA.idNumber", "Idempotency-Key"], body["errors"]!.AsObject().Select(e => e.Key));
    }

    private static async Task<(int Status, IHeaderDictionary Headers, JsonNode Body)> ExecuteAsync(IResult result)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        Assert.Equal("application/problem+json", context.Response.ContentType?.Split(';')[0]);
        return (context.Response.StatusCode, context.Response.Headers, JsonNode.Parse(context.Response.Body)!);
    }
}
