using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tongban.Api;

namespace Tongban.Tests.Api;

/// <summary>The one route registry: names and verb-template pairs unique, and the devhost's dispatch runs an entry's own handler.</summary>
public class ApiRoutesTests
{
    [Fact]
    public void Each_route_has_a_name_and_a_verb_and_template_of_its_own()
    {
        Assert.Equal(ApiRoutes.All.Count, ApiRoutes.All.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ApiRoutes.All.Count, ApiRoutes.All.Select(r => (r.Method, r.Template)).Distinct().Count());
        Assert.All(ApiRoutes.All, r => Assert.Contains(r.Method, new[] { "GET", "POST", "DELETE" }));
    }

    [Fact]
    public async Task Dispatch_answers_with_the_entrys_handler()
    {
        var route = Assert.Single(ApiRoutes.All, r => r.Name == "OpenApiDocument");
        var context = Context();

        await ApiDispatch.For(route)(context);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal(Tongban.Api.OpenApi.OpenApiDocument.ETag, context.Response.Headers.ETag.ToString());
        Assert.Equal(Tongban.Api.OpenApi.OpenApiDocument.Content.ToArray(), ((MemoryStream)context.Response.Body).ToArray());
    }

    [Fact]
    public async Task Dispatch_answers_an_outage_with_503()
    {
        var route = new ApiRoute("Test", "GET", "v1/test", _ => throw new RequestFailedException(0, "connection refused"));
        var context = Context();

        await ApiDispatch.For(route)(context);

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task Dispatch_lets_a_defect_through_to_the_hosts_error_handling()
    {
        var route = new ApiRoute("Test", "GET", "v1/test", _ => throw new InvalidOperationException("bug"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => ApiDispatch.For(route)(Context()));
    }

    [Fact]
    public async Task Dispatch_lets_an_outage_through_when_the_caller_went_away()
    {
        using var gone = new CancellationTokenSource();
        await gone.CancelAsync();
        var route = new ApiRoute("Test", "GET", "v1/test", _ => throw new RequestFailedException(0, "connection refused"));
        var context = Context();
        context.RequestAborted = gone.Token;

        await Assert.ThrowsAsync<RequestFailedException>(() => ApiDispatch.For(route)(context));
    }

    private static DefaultHttpContext Context()
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.Method = "GET";
        context.Response.Body = new MemoryStream();
        return context;
    }
}
