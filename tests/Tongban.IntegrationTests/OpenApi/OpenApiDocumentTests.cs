using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tongban.Api.OpenApi;
using Tongban.DevHost.Hosting;
using Tongban.IntegrationTests.Infrastructure;

namespace Tongban.IntegrationTests.OpenApi;

/// <summary>The OpenAPI document on a running devhost: its routes against the document, the document and its reference page served.</summary>
[Collection(HubCollection.Name)]
public sealed class OpenApiDocumentTests(HubFixture hub)
{
    [Fact]
    public void Every_route_the_devhost_maps_under_api_is_documented_and_nothing_else_is()
    {
        var mapped = hub.Hub.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Select(method =>
                // The reference page's scripts are served beside it: the page is the one documented path. A catch-all {*path} is
                // the OpenAPI path parameter {path}.
                e.Metadata.GetMetadata<ApiReferencePageEndpoint>() is not null ? $"GET {ApiReferencePage.Path}" : $"{method} {e.RoutePattern.RawText!.Replace("{*", "{", StringComparison.Ordinal)}"))
            .Distinct().Order(StringComparer.Ordinal).ToList();

        var document = JsonNode.Parse(OpenApiDocument.Content.Span)!;
        var documented = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Where(o => o.Key is "get" or "post" or "put" or "patch" or "delete").Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}"))
            .Order(StringComparer.Ordinal).ToList();

        Assert.Contains($"GET {ApiReferencePage.Path}", mapped);
        Assert.Equal(documented, mapped);
    }

    [Fact]
    public async Task The_devhost_serves_the_document_as_embedded_with_an_etag_that_answers_304()
    {
        using var http = new HttpClient(OpenApiConformance.Create()) { BaseAddress = hub.Hub.Url };

        using var first = await http.GetAsync("/api/v1/openapi.json");
        Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal(OpenApiDocument.Content.ToArray(), await first.Content.ReadAsByteArrayAsync());
        var etag = first.Headers.ETag!.ToString();
        Assert.Equal(OpenApiDocument.ETag, etag);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/openapi.json");
        again.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using var unchanged = await http.SendAsync(again);
        Assert.Equal(304, (int)unchanged.StatusCode);
        Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task The_reference_page_and_its_scripts_come_from_the_devhost_itself()
    {
        using var http = new HttpClient(OpenApiConformance.Create()) { BaseAddress = hub.Hub.Url };

        using var page = await http.GetAsync(ApiReferencePage.Path);
        Assert.Equal(200, (int)page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("api/v1/openapi.json", html, StringComparison.Ordinal);
        // Nothing from another origin: no CDN, no web fonts; the agent and MCP features that would call out are off.
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
        Assert.Contains("\"withDefaultFonts\":false", html, StringComparison.Ordinal);
        Assert.Contains("\"agent\":{\"disabled\":true}", html, StringComparison.Ordinal);

        foreach (var script in new[] { "scalar.js", "scalar.aspnetcore.js" })
        {
            using var request = OpenApiConformance.Leaving(new HttpRequestMessage(HttpMethod.Get, $"{ApiReferencePage.Path}/{script}"), "the page's own script");
            using var asset = await http.SendAsync(request);
            Assert.Equal(200, (int)asset.StatusCode);
            Assert.True((await asset.Content.ReadAsByteArrayAsync()).Length > 100, script);
        }
    }
}
