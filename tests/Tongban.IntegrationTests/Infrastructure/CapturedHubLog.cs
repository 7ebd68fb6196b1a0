using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>
/// Every log line at every level, with category, state values, scopes and exception: the sink the personal-data log scans read.
/// Shared with Tongban.Functions.Tests (linked there), so both hosts' scans read logs the same way.
/// </summary>
[ProviderAlias(Alias)]
public sealed class CapturedHubLog : ILoggerProvider, ISupportExternalScope
{
    public const string Alias = "PersonalDataScan";

    private readonly ConcurrentQueue<string> lines = new();
    private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<string> Lines => [.. lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedHubLog sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => sink.scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            var scopeText = new List<string>();
            sink.scopes.ForEachScope((scope, list) => list.Add(scope is IEnumerable<KeyValuePair<string, object?>> kv
                ? string.Join(" ", kv.Select(p => $"{p.Key}={p.Value}")) : scope?.ToString() ?? ""), scopeText);
            sink.lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} | {values} | {string.Join(" / ", scopeText)} | {exception}");
        }
    }
}
