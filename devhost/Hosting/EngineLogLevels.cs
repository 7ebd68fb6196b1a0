namespace Tongban.DevHost.Hosting;

/// <summary>
/// The Azure Storage engine's log factory, with one event lowered from Warning to Debug: DiscardingWorkItem (139) when
/// every discarded message is a TimerFired for an instance that has ended. Each step waits for its answer against a
/// time-out timer (and the officer review against its window); the winner cancels the timer, but a durable timer is a
/// control-queue message already sent with a delay, which the backend cannot take back. It arrives after the case has
/// ended and the engine drops it (AzureStorageOrchestrationService.LockNextTaskOrchestrationWorkItemAsync, its
/// IsExecutableInstanceAsync answering "Instance is Completed"), logging a Warning: for a timer that is its expected
/// behaviour, nothing to act on. Any other discarded event (a result or decision raised to a closed case) stays a Warning.
/// <para>
/// And AbandoningMessage (104) lowered to Information when it defers an ExecutionStarted "pending instance status
/// reconciliation": the engine's client sends a new case's start message before it writes the instance's row, so a dequeue
/// quick enough to come between the two finds no row and puts the message back for a moment (seen once in a healthy CI
/// run). The engine gives up on a start message only after ten such deliveries, and that discard (DuplicateMessageDetected)
/// stays a Warning.
/// </para>
/// </summary>
public sealed class EngineLogLevels(ILoggerFactory inner) : ILoggerFactory
{
    /// <summary>DurableTask.AzureStorage's EventIds.DiscardingWorkItem.</summary>
    public const int DiscardingWorkItem = 139;

    /// <summary>DurableTask.AzureStorage's EventIds.AbandoningMessage.</summary>
    public const int AbandoningMessage = 104;

    public ILogger CreateLogger(string categoryName) => new Logger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The factory is the devhost's; it disposes it.</summary>
    public void Dispose()
    {
    }

    /// <summary>True for the engine dropping only cancelled timers of an instance that has ended.</summary>
    public static bool IsLateTimer(EventId eventId, object? state) =>
        eventId.Id == DiscardingWorkItem
        && Fields(state) is { } values
        && values.GetValueOrDefault("Details") is { } details && details.StartsWith("Instance is ", StringComparison.Ordinal)
        && values.GetValueOrDefault("NewEvents") is { Length: > 0 } events
        && events.Split(',').All(e => e == "TimerFired");

    /// <summary>True for the engine putting back a start message that came before its instance's row.</summary>
    public static bool IsDeferredStart(EventId eventId, object? state) =>
        eventId.Id == AbandoningMessage
        && Fields(state) is { } values
        && values.GetValueOrDefault("EventType") == "ExecutionStarted"
        && values.GetValueOrDefault("Details") is { } details && details.Contains("pending instance status reconciliation", StringComparison.Ordinal);

    /// <summary>The level the devhost logs an engine event at.</summary>
    public static LogLevel LevelOf(LogLevel logLevel, EventId eventId, object? state) =>
        logLevel != LogLevel.Warning ? logLevel
        : IsLateTimer(eventId, state) ? LogLevel.Debug
        : IsDeferredStart(eventId, state) ? LogLevel.Information
        : logLevel;

    private static Dictionary<string, string?>? Fields(object? state) =>
        state is IEnumerable<KeyValuePair<string, object?>> fields ? fields.ToDictionary(f => f.Key, f => f.Value?.ToString()) : null;

    private sealed class Logger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var level = LevelOf(logLevel, eventId, state);
            if (inner.IsEnabled(level)) inner.Log(level, eventId, state, exception, formatter);
        }
    }
}
