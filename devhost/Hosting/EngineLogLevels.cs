namespace Tongban.DevHost.Hosting;

/// <summary>
/// The Azure Storage engine's log factory, with one event lowered from Warning to Debug: DiscardingWorkItem (139) when
/// every discarded message is a TimerFired for an instance that has ended. Each step waits for its answer against a
/// time-out timer (and the officer review against its window); the winner cancels the timer, but a durable timer is a
/// control-queue message already sent with a delay, which the backend cannot take back. It arrives after the case has
/// ended and the engine drops it (AzureStorageOrchestrationService.LockNextTaskOrchestrationWorkItemAsync, its
/// IsExecutableInstanceAsync answering "Instance is Completed"), logging a Warning: for a timer that is its expected
/// behaviour, nothing to act on. Any other discarded event (a result or decision raised to a closed case) stays a Warning.
/// </summary>
public sealed class EngineLogLevels(ILoggerFactory inner) : ILoggerFactory
{
    /// <summary>DurableTask.AzureStorage's EventIds.DiscardingWorkItem.</summary>
    public const int DiscardingWorkItem = 139;

    public ILogger CreateLogger(string categoryName) => new Logger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The factory is the devhost's; it disposes it.</summary>
    public void Dispose()
    {
    }

    /// <summary>True for the engine dropping only cancelled timers of an instance that has ended.</summary>
    public static bool IsLateTimer(EventId eventId, object? state) =>
        eventId.Id == DiscardingWorkItem
        && state is IEnumerable<KeyValuePair<string, object?>> fields
        && fields.ToDictionary(f => f.Key, f => f.Value?.ToString()) is var values
        && values.GetValueOrDefault("Details") is { } details && details.StartsWith("Instance is ", StringComparison.Ordinal)
        && values.GetValueOrDefault("NewEvents") is { Length: > 0 } events
        && events.Split(',').All(e => e == "TimerFired");

    private sealed class Logger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var level = logLevel == LogLevel.Warning && IsLateTimer(eventId, state) ? LogLevel.Debug : logLevel;
            if (inner.IsEnabled(level)) inner.Log(level, eventId, state, exception, formatter);
        }
    }
}
