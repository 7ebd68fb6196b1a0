using Microsoft.Extensions.Logging.Testing;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>
/// A host's log captured by a <see cref="FakeLoggerProvider"/>, as lines with level, category, message, state values, scopes
/// and exception: what the personal-data log scans read. Shared with Tongban.Functions.Tests (linked there), so both hosts'
/// scans read logs the same way.
/// </summary>
public static class CapturedHubLog
{
    /// <summary>The provider's name in configuration (<c>Logging:Fake:LogLevel:…</c>): its own rules outrank the host's code filters.</summary>
    public const string Alias = "Fake";

    public static IReadOnlyList<string> Lines(this FakeLoggerProvider logs) => [.. logs.Collector.GetSnapshot().Select(Line)];

    private static string Line(FakeLogRecord record)
    {
        var values = record.StructuredState is { } pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
        var scopes = record.Scopes.Select(scope => scope is IEnumerable<KeyValuePair<string, object?>> kv
            ? string.Join(" ", kv.Select(p => $"{p.Key}={p.Value}")) : scope?.ToString() ?? "");
        return $"{record.Level} {record.Category}: {record.Message} | {values} | {string.Join(" / ", scopes)} | {record.Exception}";
    }
}
