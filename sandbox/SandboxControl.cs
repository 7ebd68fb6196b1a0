using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tongban.Sandbox.Knobs;
using Tongban.Sandbox.State;

namespace Tongban.Sandbox;

/// <summary>The control surface for demos and out-of-process tests: GET/PUT /_sandbox/knobs, GET /_sandbox/state.</summary>
internal static class SandboxControl
{
    public static void Map(IEndpointRouteBuilder routes, SandboxState state, SandboxKnobs knobs)
    {
        var control = routes.MapGroup("/_sandbox");
        control.MapGet("/knobs", () => Results.Ok(Document(knobs)));
        control.MapPut("/knobs", (Dictionary<string, ProvinceKnobsDocument> changes) =>
        {
            if (changes.Keys.FirstOrDefault(code => !knobs.TryGet(code, out _)) is { } unknown)
            {
                return Results.BadRequest(new { error = $"no simulated province {unknown}" });
            }
            try
            {
                foreach (var (code, change) in changes) change.ApplyTo(knobs[code]);
            }
            catch (ArgumentOutOfRangeException e)
            {
                return Results.BadRequest(new { error = $"{e.ParamName} is out of range" });
            }
            return Results.Ok(Document(knobs));
        });
        control.MapGet("/state", () => Results.Ok(state.Snapshot()));
    }

    private static Dictionary<string, ProvinceKnobsDocument> Document(SandboxKnobs knobs) =>
        knobs.ProvinceCodes.ToDictionary(code => code, code => ProvinceKnobsDocument.From(knobs[code].Current, knobs[code].Time.GetUtcNow()), StringComparer.Ordinal);
}
