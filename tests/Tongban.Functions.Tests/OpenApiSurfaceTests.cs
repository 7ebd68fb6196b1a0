using System.Text.Json.Nodes;
using Tongban.Api;
using Tongban.Api.OpenApi;

namespace Tongban.Functions.Tests;

/// <summary>
/// The OpenAPI document against the Functions app's HTTP triggers (the generated functions.metadata): every trigger is a
/// documented operation, named as its function, and every documented operation is a trigger, except those the document
/// marks as the devhost's alone (<c>x-tongban-hosts</c>). The devhost's side is checked on a running hub
/// (Tongban.IntegrationTests OpenApiDocumentTests).
/// </summary>
public sealed class OpenApiSurfaceTests
{
    [Fact]
    public void Every_Functions_http_trigger_is_a_documented_operation_and_nothing_else_is()
    {
        var functions = SurfaceTests.FunctionsSurface.Read(SurfaceTests.MetadataPath());
        var documented = Operations().Where(o => !o.DevhostOnly).ToList();

        Assert.Equal(Sorted(functions.Routes.Select(r => AsOpenApiPath(r.Replace(" ", " /api/", StringComparison.Ordinal)))),
            Sorted(documented.Select(o => $"{o.Method} {o.Path}")));
        Assert.Equal(Sorted(functions.HttpFunctionNames), Sorted(documented.Select(o => o.OperationId)));
    }

    [Fact]
    public void Operation_ids_are_the_route_names_of_the_registry()
    {
        var byId = Operations().ToDictionary(o => o.OperationId);
        foreach (var route in ApiRoutes.All)
        {
            Assert.True(byId.TryGetValue(route.Name, out var operation), $"{route.Name} is not documented");
            Assert.Equal(($"{route.Method}", AsOpenApiPath($"/{ApiRoutes.Prefix}/{route.Template}")), (operation!.Method, operation.Path));
        }

        Assert.Equal(["ApiReference"], byId.Values.Where(o => o.DevhostOnly).Select(o => o.OperationId));
    }

    [Fact]
    public void Anonymous_operations_are_exactly_the_anonymous_functions_and_the_reference_page()
    {
        var functions = SurfaceTests.FunctionsSurface.Read(SurfaceTests.MetadataPath());
        var anonymous = Operations().Where(o => o.Anonymous).ToList();
        Assert.Equal(Sorted(functions.AnonymousHttpFunctionNames), Sorted(anonymous.Where(o => !o.DevhostOnly).Select(o => o.OperationId)));
        Assert.All(anonymous.Where(o => o.DevhostOnly), o => Assert.Equal("ApiReference", o.OperationId));
    }

    private sealed record Operation(string Method, string Path, string OperationId, bool DevhostOnly, bool Anonymous);

    private static List<Operation> Operations()
    {
        var document = JsonNode.Parse(OpenApiDocument.Content.Span)!;
        return document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
                .Where(item => item.Key is "get" or "post" or "put" or "patch" or "delete")
                .Select(item => new Operation(item.Key.ToUpperInvariant(), path.Key, item.Value!["operationId"]!.GetValue<string>(),
                    item.Value["x-tongban-hosts"]?.AsArray().Select(h => h!.GetValue<string>()).SequenceEqual(["devhost"]) == true,
                    item.Value["security"] is JsonArray { Count: 0 })))
            .ToList();
    }

    private static List<string> Sorted(IEnumerable<string> items) => items.Order(StringComparer.Ordinal).ToList();

    /// <summary>A route template as an OpenAPI path: a catch-all <c>{*path}</c> is the path parameter <c>{path}</c>.</summary>
    internal static string AsOpenApiPath(string template) => template.Replace("{*", "{", StringComparison.Ordinal);
}
