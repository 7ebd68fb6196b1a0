using Tongban.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Tongban.IntegrationTests.PersonalData;

/// <summary>
/// Rule: no ID number or name reaches a log sink, at any level. The shared end-to-end run logs every category of the hub
/// and its Durable engine at Trace into a capture (past the devhost's console filters); this scans every line.
/// </summary>
[Collection(PersonalDataCollection.Name)]
public sealed class PersonalDataLogTests(PersonalDataRun run, ITestOutputHelper output)
{
    [Fact]
    public void No_id_number_or_name_is_logged_at_any_level()
    {
        var scan = new Infrastructure.PersonalDataScan(run.Names);
        var lines = run.Logs.Lines();

        var findings = lines.SelectMany((line, i) => scan.Find($"log line {i} ({line[..Math.Min(line.Length, line.IndexOf(':') + 1)]})", line)).ToList();

        output.WriteLine($"log lines scanned: {lines.Count} (Trace {lines.Count(l => l.StartsWith("Trace", StringComparison.Ordinal))}, "
            + $"Debug {lines.Count(l => l.StartsWith("Debug", StringComparison.Ordinal))}, Information {lines.Count(l => l.StartsWith("Information", StringComparison.Ordinal))})");
        foreach (var category in lines.Select(l => l.Split(':')[0]).CountBy(c => c).OrderByDescending(c => c.Value)) output.WriteLine($"  {category.Value,6} {category.Key}");
        foreach (var finding in findings.Take(200)) output.WriteLine(finding);
        // The capture heard the hub at Trace, its HTTP calls to the provinces and the engine: an empty capture proves nothing.
        Assert.Contains(lines, l => l.StartsWith("Trace", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Tongban.Hosting.OutboundRequestLogging", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" DurableTask.", StringComparison.Ordinal)); // the engine (its own log factory)
        Assert.Contains(lines, l => l.Contains(" Azure.Core:", StringComparison.Ordinal)); // the Azure SDK's request lines (table keys, queries)
        Assert.Contains(lines, l => l.Contains(" Microsoft.AspNetCore.Hosting.Diagnostics:", StringComparison.Ordinal)); // request paths and queries
        Assert.True(findings.Count == 0, $"{findings.Count} log line finding(s) with personal data:\n{string.Join("\n", findings.Take(50))}");
    }
}
