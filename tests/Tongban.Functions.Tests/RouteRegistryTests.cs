using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Tongban.Api;

namespace Tongban.Functions.Tests;

/// <summary>
/// The Functions app keeps its own [Function] methods (the worker's source generator needs them), so this holds them to the
/// route registry the devhost dispatches from: every <see cref="ApiRoutes.All"/> entry has exactly one HTTP-triggered method of
/// the same name, verb and template, and every HTTP-triggered method is an entry.
/// </summary>
public sealed class RouteRegistryTests
{
    [Fact]
    public void Every_registry_entry_has_exactly_one_Functions_method_of_its_name_verb_and_template()
    {
        var triggers = HttpTriggers();
        foreach (var route in ApiRoutes.All)
        {
            var named = triggers.Where(t => t.Name == route.Name).ToList();
            Assert.True(named.Count == 1, $"{route.Name}: {named.Count} Functions methods");
            Assert.Equal((route.Method, route.Template), (named[0].Method, named[0].Template));
        }
    }

    [Fact]
    public void Every_Functions_http_method_is_a_registry_entry()
    {
        var registry = ApiRoutes.All.Select(r => (r.Name, r.Method, r.Template)).ToHashSet();
        var triggers = HttpTriggers();
        Assert.NotEmpty(triggers);
        Assert.All(triggers, t => Assert.Contains((t.Name, t.Method, t.Template), registry));
        Assert.Equal(triggers.Count, triggers.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count());
    }

    /// <summary>Each [Function] method with an [HttpTrigger] parameter: its function name, each verb (upper case) and its route.</summary>
    private static List<(string Name, string Method, string Template)> HttpTriggers() =>
        typeof(CaseHttpFunctions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Function: m.GetCustomAttribute<FunctionAttribute>(),
                Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).SingleOrDefault(a => a is not null)))
            .Where(x => x.Function is not null && x.Trigger is not null)
            .SelectMany(x => (x.Trigger!.Methods ?? []).Select(v => (x.Function!.Name, v.ToUpperInvariant(), x.Trigger.Route ?? "")))
            .ToList();
}
