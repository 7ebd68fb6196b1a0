using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Tongban.Workflows;

namespace Tongban.Functions.Tests;

/// <summary>
/// The Functions app needs a [Function] method per orchestrator and activity (its source generator reads them), so the
/// registry's list is spelled a second time there: every registry entry has its trigger, of the right kind and input,
/// and every trigger has its entry.
/// </summary>
public sealed class OrchestratorRegistryTests
{
    private static readonly MethodInfo[] Triggers = typeof(WorkflowFunctions).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
        .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
        .ToArray();

    [Fact]
    public void Every_orchestrator_has_its_orchestration_trigger_and_every_trigger_its_orchestrator()
    {
        var triggers = TriggersWith<OrchestrationTriggerAttribute>();

        Assert.Equal(Sorted(OrchestratorRegistry.Orchestrators.Select(o => o.Name)), Sorted(triggers.Select(NameOf)));
    }

    [Fact]
    public void Every_activity_has_its_activity_trigger_taking_its_input_and_every_trigger_its_activity()
    {
        var triggers = TriggersWith<ActivityTriggerAttribute>();

        Assert.Equal(Sorted(OrchestratorRegistry.Activities.Select(a => a.Name)), Sorted(triggers.Select(NameOf)));
        foreach (var activity in OrchestratorRegistry.Activities)
        {
            var trigger = triggers.Single(t => NameOf(t) == activity.Name);
            var input = trigger.GetParameters().Single(p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null).ParameterType;
            Assert.Equal(InputOf(activity.Type), input);
        }
    }

    [Fact]
    public void Every_function_of_the_class_is_one_trigger_or_the_other()
    {
        Assert.Equal(Triggers.Length, TriggersWith<OrchestrationTriggerAttribute>().Count + TriggersWith<ActivityTriggerAttribute>().Count);
        Assert.Equal(OrchestratorRegistry.Orchestrators.Count + OrchestratorRegistry.Activities.Count, Triggers.Length);
    }

    [Fact]
    public async Task An_unregistered_orchestrator_name_is_refused()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => OrchestratorRegistry.RunAsync("NoSuchOrchestrator", null!));
        Assert.Contains("NoSuchOrchestrator", e.Message, StringComparison.Ordinal);
    }

    private static List<MethodInfo> TriggersWith<TAttribute>() where TAttribute : Attribute =>
        Triggers.Where(m => m.GetParameters().Any(p => p.GetCustomAttribute<TAttribute>() is not null)).ToList();

    private static string NameOf(MethodInfo method) => method.GetCustomAttribute<FunctionAttribute>()!.Name;

    /// <summary>TInput of the activity class's TaskActivity&lt;TInput, TOutput&gt;.</summary>
    private static Type InputOf(Type activity)
    {
        for (var type = activity; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(TaskActivity<,>)) return type.GetGenericArguments()[0];
        }

        throw new InvalidOperationException($"{activity} is not a TaskActivity<TInput, TOutput>.");
    }

    private static List<string> Sorted(IEnumerable<string> names) => names.Order(StringComparer.Ordinal).ToList();
}
