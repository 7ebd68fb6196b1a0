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
        var result = Problems.ForOutage(new Tongban.Workflows.Dispatch.OrchestrationNotStartedException("c-1"));

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

    internal static async Task<(int Status, IHeaderDictionary Headers, JsonNode Body)> ExecuteAsync(IResult result, string? traceIdentifier = null)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        if (traceIdentifier is not null) context.TraceIdentifier = traceIdentifier;
        context.Response.Body = new MemoryStream();
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        Assert.Equal("application/problem+json", context.Response.ContentType?.Split(';')[0]);
        return (context.Response.StatusCode, context.Response.Headers, JsonNode.Parse(context.Response.Body)!);
    }
}

/// <summary>Issue 11: every problem carries a trace ID; 429 rate-limited with whole-second Retry-After; one 401 body; a 500 of its own type.</summary>
public class ProblemBodyTests
{
    private static Task<(int Status, IHeaderDictionary Headers, JsonNode Body)> ExecuteAsync(IResult result, string? traceIdentifier = null) =>
        ProblemsTests.ExecuteAsync(result, traceIdentifier);

    [Fact]
    public async Task Every_problem_carries_the_trace_id()
    {
        using var activity = new System.Diagnostics.Activity("test").Start();
        var (_, _, body) = await ExecuteAsync(Problems.NotFound());
        Assert.Equal(activity.TraceId.ToHexString(), body["traceId"]!.ToString());

        activity.Stop();
        var (_, _, withoutActivity) = await ExecuteAsync(Problems.Conflict("x"), traceIdentifier: "0HN-request-1");
        Assert.Equal("0HN-request-1", withoutActivity["traceId"]!.ToString());
    }

    [Theory]
    [InlineData(0.2, "1")]
    [InlineData(1.0, "1")]
    [InlineData(1.01, "2")]
    public async Task Rate_limited_is_a_429_with_retry_after_in_whole_seconds(double seconds, string expected)
    {
        var (status, headers, body) = await ExecuteAsync(Problems.RateLimited(TimeSpan.FromSeconds(seconds)));
        Assert.Equal(429, status);
        Assert.Equal(expected, headers.RetryAfter.ToString());
        Assert.Equal("urn:tongban:problem:rate-limited", body["type"]!.ToString());
    }

    [Fact]
    public async Task An_internal_error_is_a_problem_of_its_own_type_and_names_nothing_internal()
    {
        var (status, _, body) = await ExecuteAsync(Problems.Internal());
        Assert.Equal(500, status);
        Assert.Equal("urn:tongban:problem:internal", body["type"]!.ToString());
        Assert.Equal(["type", "title", "status", "detail", "traceId"], body.AsObject().Select(p => p.Key));
    }

    [Theory]
    [InlineData(404, "urn:tongban:problem:not-found")]
    [InlineData(405, "urn:tongban:problem:method-not-allowed")]
    [InlineData(400, "urn:tongban:problem:bad-request")]
    [InlineData(413, "urn:tongban:problem:payload-too-large")]
    [InlineData(502, "urn:tongban:problem:internal")]
    [InlineData(503, "urn:tongban:problem:unavailable")]
    public async Task A_host_status_maps_to_a_tongban_type(int given, string type)
    {
        var (status, _, body) = await ExecuteAsync(Problems.Internal(given));
        Assert.Equal(type, body["type"]!.ToString());
        Assert.Equal(given, status);
    }
}
