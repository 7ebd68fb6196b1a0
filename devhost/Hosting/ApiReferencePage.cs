using Scalar.AspNetCore;
using Tongban.Api;

namespace Tongban.DevHost.Hosting;

/// <summary>Marks the endpoints of the reference page (the page and the scripts served beside it): one documented path.</summary>
public sealed class ApiReferencePageEndpoint;

/// <summary>
/// The devhost's readable reference of the OpenAPI document at <c>/api/v1/reference</c> (Scalar). Offline: the scripts
/// are the ones embedded in Scalar.AspNetCore, served by the devhost beside the page, and every feature that would call
/// out (its default web fonts, its AI agent, its MCP link) is off.
/// </summary>
public static class ApiReferencePage
{
    public const string Path = "/" + ApiRoutes.Prefix + "/v1/reference";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapScalarApiReference(Path, options => options
                .WithTitle("Tongban hub API")
                .WithOpenApiRoutePattern("/" + ApiRoutes.Prefix + "/" + ApiRoutes.OpenApiDocument)
                .DisableDefaultFonts()
                .DisableAgent()
                .DisableMcp())
            .WithMetadata(new ApiReferencePageEndpoint());
}
