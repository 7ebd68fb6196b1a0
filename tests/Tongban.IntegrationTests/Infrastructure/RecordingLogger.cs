using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>One log call as written: level, template arguments by name, the rendered text, and when.</summary>
public sealed record LoggedEntry(LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Values, DateTimeOffset At)
{
    public object? this[string name] => Values.TryGetValue(name, out var v) ? v : null;
}

/// <summary>Keeps what a component logs, so a test can observe behaviour that only shows in the log (retries, back-off).</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<LoggedEntry> entries = new();

    public IReadOnlyList<LoggedEntry> Entries => entries.ToArray();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.ToDictionary(p => p.Key, p => p.Value)
            : [];
        entries.Enqueue(new LoggedEntry(logLevel, formatter(state, exception), values, DateTimeOffset.UtcNow));
    }
}

/// <summary>Keeps every log line of a host, whatever its category, at the levels the host's configuration lets through.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, string Message)> lines = new();

    public IReadOnlyList<(string Category, string Message)> Lines => lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new CategoryLogger(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class CategoryLogger(string category, ConcurrentQueue<(string, string)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((category, formatter(state, exception) + (exception is null ? "" : " " + exception)));
    }
}
