using Microsoft.Extensions.Logging;
using Tongban.DevHost.Hosting;

namespace Tongban.IntegrationTests.Engine;

/// <summary>
/// The engine's two expected warnings are lowered (a late timer for an ended case; a start message put back because it came
/// before its instance's row); every other warning, and those two events with other content, stay warnings.
/// </summary>
public sealed class EngineLogLevelsTests
{
    private static Dictionary<string, object?> Fields(params (string Key, object? Value)[] fields) => fields.ToDictionary(f => f.Key, f => f.Value);

    private const string Deferred = "Execution-start message was deferred pending instance status reconciliation.";

    [Theory]
    [InlineData(EngineLogLevels.AbandoningMessage, "ExecutionStarted", Deferred, LogLevel.Information)]
    [InlineData(EngineLogLevels.AbandoningMessage, "TaskCompleted", Deferred, LogLevel.Warning)]
    [InlineData(EngineLogLevels.AbandoningMessage, "ExecutionStarted", "Out of order", LogLevel.Warning)]
    [InlineData(108, "ExecutionStarted", Deferred, LogLevel.Warning)]
    public void A_start_message_put_back_before_its_instance_row_is_information(int eventId, string eventType, string details, LogLevel expected)
    {
        var state = Fields(("EventType", eventType), ("Details", details), ("InstanceId", "c-1"));

        Assert.Equal(expected, EngineLogLevels.LevelOf(LogLevel.Warning, new EventId(eventId), state));
    }

    [Theory]
    [InlineData("TimerFired", "Instance is Completed", LogLevel.Debug)]
    [InlineData("TimerFired,TimerFired", "Instance is Failed", LogLevel.Debug)]
    [InlineData("TimerFired,EventRaised", "Instance is Completed", LogLevel.Warning)]
    [InlineData("TimerFired", "Some other reason", LogLevel.Warning)]
    public void Only_late_timers_of_an_ended_instance_are_discarded_quietly(string newEvents, string details, LogLevel expected)
    {
        var state = Fields(("NewEvents", newEvents), ("Details", details));

        Assert.Equal(expected, EngineLogLevels.LevelOf(LogLevel.Warning, new EventId(EngineLogLevels.DiscardingWorkItem), state));
    }

    [Fact]
    public void Other_levels_and_states_without_fields_pass_unchanged()
    {
        Assert.Equal(LogLevel.Error, EngineLogLevels.LevelOf(LogLevel.Error, new EventId(EngineLogLevels.AbandoningMessage),
            Fields(("EventType", "ExecutionStarted"), ("Details", Deferred))));
        Assert.Equal(LogLevel.Warning, EngineLogLevels.LevelOf(LogLevel.Warning, new EventId(EngineLogLevels.DiscardingWorkItem), "plain text"));
    }
}
