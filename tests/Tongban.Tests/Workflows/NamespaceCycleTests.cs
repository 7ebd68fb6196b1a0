using System.Reflection;
using System.Reflection.Emit;

namespace Tongban.Tests.Workflows;

/// <summary>
/// The core's layers may depend on each other one way only: a cycle among Cases, Provinces, Configuration, Storage and
/// Workflows (each with its sub-namespaces) makes the build's tests fail, naming the types on the way. A dependency is
/// any type a type's signatures name (base, interfaces, fields, properties, parameters, returns) or its code touches
/// (methods called, fields read, types created or cast to).
/// </summary>
public sealed class NamespaceCycleTests
{
    private static readonly string[] Layers = ["Tongban.Cases", "Tongban.Provinces", "Tongban.Configuration", "Tongban.Storage", "Tongban.Workflows"];

    [Fact]
    public void The_core_layers_depend_on_each_other_one_way()
    {
        var edges = Dependencies(typeof(TongbanServiceCollectionExtensions).Assembly);
        Assert.Null(FindCycle(edges));
    }

    [Fact]
    public void A_cycle_is_found_and_named()
    {
        var edges = new Dictionary<(string, string), string>
        {
            [("Tongban.Storage", "Tongban.Workflows")] = "A -> B",
            [("Tongban.Workflows", "Tongban.Configuration")] = "B -> C",
            [("Tongban.Configuration", "Tongban.Storage")] = "C -> A",
        };

        var cycle = FindCycle(edges);

        Assert.NotNull(cycle);
        Assert.Contains("A -> B", cycle, StringComparison.Ordinal);
        Assert.Contains("C -> A", cycle, StringComparison.Ordinal);
        Assert.Null(FindCycle(edges.Where(e => e.Key.Item1 != "Tongban.Configuration").ToDictionary()));
    }

    [Fact]
    public void Code_inside_a_method_body_counts_as_a_dependency()
    {
        // The step runner names CanonicalOperations only in code (IsSlow, inside an async method's state machine).
        var runner = typeof(Tongban.Workflows.Orchestration.ProvinceStepRunner);
        var used = runner.GetNestedTypes(BindingFlags.NonPublic).Prepend(runner).SelectMany(Uses).SelectMany(Expand).ToHashSet();

        Assert.Contains(typeof(Tongban.Provinces.CanonicalOperations), used);
        Assert.DoesNotContain(typeof(Tongban.Provinces.ProvinceRegistry), used);
    }

    private static string? LayerOf(Type? type)
    {
        var ns = type?.Namespace;
        if (ns is null) return null;
        return Layers.FirstOrDefault(l => ns == l || ns.StartsWith(l + ".", StringComparison.Ordinal));
    }

    /// <summary>Layer → layer edges, each with one example ("From.Type -> To.Type") to say where it comes from.</summary>
    private static Dictionary<(string From, string To), string> Dependencies(Assembly assembly)
    {
        var edges = new Dictionary<(string, string), string>();
        foreach (var type in assembly.GetTypes())
        {
            var from = LayerOf(type);
            if (from is null) continue;
            foreach (var used in Uses(type))
            {
                foreach (var named in Expand(used))
                {
                    if (LayerOf(named) is { } to && to != from) edges.TryAdd((from, to), $"{type.FullName} -> {named.FullName}");
                }
            }
        }

        return edges;
    }

    /// <summary>A type with its element and generic argument types (List&lt;StepResult&gt; names StepResult).</summary>
    private static IEnumerable<Type> Expand(Type type)
    {
        if (type.HasElementType) return Expand(type.GetElementType()!);
        if (type.IsGenericParameter) return [];
        return type.IsGenericType && !type.IsGenericTypeDefinition
            ? new[] { type.GetGenericTypeDefinition() }.Concat(type.GetGenericArguments().SelectMany(Expand))
            : [type];
    }

    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<Type> Uses(Type type)
    {
        if (type.BaseType is { } b) yield return b;
        foreach (var i in type.GetInterfaces()) yield return i;
        foreach (var f in type.GetFields(Everything)) yield return f.FieldType;
        foreach (var p in type.GetProperties(Everything)) yield return p.PropertyType;
        var methods = type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything));
        foreach (var method in methods)
        {
            if (method is MethodInfo m) yield return m.ReturnType;
            foreach (var p in method.GetParameters()) yield return p.ParameterType;
            foreach (var used in BodyUses(method)) yield return used;
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The types a method's IL names: declaring types of methods and fields it uses, and the types it creates, casts or boxes.</summary>
    private static IEnumerable<Type> BodyUses(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var module = method.Module;
        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            var value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, at);
                    MemberInfo? member;
                    try
                    {
                        member = module.ResolveMember(token, typeArgs, methodArgs);
                    }
                    catch (Exception e) when (e is ArgumentException or TypeLoadException or FileNotFoundException or BadImageFormatException)
                    {
                        member = null; // a token in another module's generic context: not this assembly's layering
                    }

                    if (member is Type t) yield return t;
                    else if (member?.DeclaringType is { } declaring) yield return declaring;
                    if (member is MethodInfo called)
                    {
                        yield return called.ReturnType;
                        foreach (var a in called.IsGenericMethod ? called.GetGenericArguments() : []) yield return a;
                    }

                    at += 4;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + (4 * BitConverter.ToInt32(il, at));
                    break;
                default:
                    at += OperandSize(op.OperandType);
                    break;
            }
        }
    }

    private static int OperandSize(OperandType type) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };

    /// <summary>A cycle among the layers, told by its edges' examples; null when there is none.</summary>
    private static string? FindCycle(IReadOnlyDictionary<(string From, string To), string> edges)
    {
        var next = edges.Keys.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).ToList());
        var state = new Dictionary<string, int>(); // 1: on the path, 2: done
        var path = new List<string>();

        string? Visit(string layer)
        {
            state[layer] = 1;
            path.Add(layer);
            foreach (var to in next.GetValueOrDefault(layer) ?? [])
            {
                if (state.GetValueOrDefault(to) == 1)
                {
                    var loop = path.Skip(path.IndexOf(to)).Append(to).ToList();
                    return string.Join("; ", loop.Zip(loop.Skip(1), (a, b) => edges[(a, b)]));
                }

                if (state.GetValueOrDefault(to) == 0 && Visit(to) is { } found) return found;
            }

            path.RemoveAt(path.Count - 1);
            state[layer] = 2;
            return null;
        }

        foreach (var layer in next.Keys)
        {
            if (state.GetValueOrDefault(layer) == 0 && Visit(layer) is { } cycle) return cycle;
        }

        return null;
    }
}
