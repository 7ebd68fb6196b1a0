using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Tongban.Tests.Telemetry;

/// <summary>The one numbering scheme of log event IDs (README, "Telemetry"): each area its thousand, no ID twice.</summary>
public sealed class LogEventIdTests
{
    private static readonly Dictionary<string, int> RangeByNamespace = new()
    {
        ["Tongban.Api"] = 1000,
        ["Tongban.OperatorConsole"] = 1000,
        ["Tongban.Workflows"] = 2000,
        ["Tongban.Provinces"] = 3000,
        ["Tongban.Callbacks"] = 4000,
        ["Tongban.Operations"] = 5000,
        ["Tongban.Storage"] = 6000,
        ["Tongban.Hosting"] = 7000,
        ["Tongban.Telemetry"] = 9000,
    };

    private static List<(MethodInfo Method, LoggerMessageAttribute Message)> Messages() =>
        typeof(TongbanServiceCollectionExtensions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Message: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Message is not null)
            .Select(m => (m.Method, m.Message!))
            .ToList();

    [Fact]
    public void Every_log_message_of_the_core_has_an_event_id_in_its_areas_range_and_none_is_used_twice()
    {
        var messages = Messages();
        // The core logs through its source-generated messages: an empty list would prove nothing.
        Assert.True(messages.Count >= 40, $"only {messages.Count} [LoggerMessage] methods found");
        foreach (var (method, message) in messages)
        {
            var ns = method.DeclaringType!.Namespace!;
            var area = RangeByNamespace.Single(r => ns == r.Key || ns.StartsWith(r.Key + ".", StringComparison.Ordinal));
            Assert.True(message.EventId >= area.Value && message.EventId < area.Value + 1000,
                $"{method.DeclaringType.Name}.{method.Name}: event ID {message.EventId} outside {area.Key}'s {area.Value}–{area.Value + 999}");
        }

        var twice = messages.GroupBy(m => m.Message.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => $"{m.Method.DeclaringType!.Name}.{m.Method.Name}"))}").ToList();
        Assert.True(twice.Count == 0, "event IDs used twice: " + string.Join("; ", twice));
    }
}
