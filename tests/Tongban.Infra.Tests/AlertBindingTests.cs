using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Tongban.Infra.Tests.Bicep;
using Tongban.Telemetry;

namespace Tongban.Infra.Tests;

/// <summary>
/// Binds every alert in <c>modules/alerts.bicep</c> to the code (issue 12 §2): each is driven by the hub's metrics or by a
/// structured log field, never by a log line's text; each metric it reads is an instrument of the <c>Tongban</c> meter
/// (<see cref="TongbanMetrics.All"/>, the list the meter is made from) and each dimension it splits or filters by is a tag of
/// that instrument; each log field it reads is a placeholder of a source-generated log message of the hub.
/// </summary>
[Collection(CompiledInfrastructureCollection.Name)]
public sealed partial class AlertBindingTests(CompiledInfrastructure infra)
{
    /// <summary>The alerts issue 12 §2 and issue 16 §1 ask for, by rule suffix, and what each must read.</summary>
    public static TheoryData<string, string> Required => new()
    {
        { "failed-cases", TongbanMetrics.CasesEnded.Name },
        { "circuit-open", TongbanMetrics.CircuitOpenDuration.Name },
        { "poison-depth", TongbanMetrics.PoisonDepth.Name },
        { "steps-parked", TongbanMetrics.StepsParked.Name },
        { "callbacks-behind", TongbanMetrics.CallbackLag.Name },
        { "hub-share", MetricLog.HubShareField },
        { "deadlines-missed", TongbanMetrics.DeadlinesMissed.Name },
    };

    public static IReadOnlyList<JsonObject> Alerts(CompiledInfrastructure infra) =>
        infra.Main.TemplateDeclaring("Microsoft.Insights/scheduledQueryRules")["variables"]!["alerts"]!.AsArray().Select(a => a!.AsObject()).ToList();

    [Theory]
    [MemberData(nameof(Required))]
    public void Each_required_alert_exists_and_reads_what_drives_it(string suffix, string driver)
    {
        var alert = Assert.Single(Alerts(infra), a => (string?)a["suffix"] == suffix);
        var query = (string)alert["query"]!;

        Assert.True(MetricNames(query).Contains(driver) || LogFields(query).Contains(driver), $"{suffix} does not read {driver}:\n{query}");
    }

    [Fact]
    public void No_alert_matches_the_text_of_a_log_line()
    {
        Assert.All(Alerts(infra), alert =>
        {
            var query = (string)alert["query"]!;
            Assert.True(query.StartsWith("customMetrics", StringComparison.Ordinal) || query.StartsWith("traces", StringComparison.Ordinal), query);
            Assert.DoesNotContain("message", query, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(@"\bmatches regex\b|\bhas\b|\bcontains\b", query);
        });
    }

    [Fact]
    public void Every_metric_and_dimension_an_alert_reads_exists_in_the_meter()
    {
        var checkedMetrics = 0;
        foreach (var alert in Alerts(infra).Where(a => ((string)a["query"]!).StartsWith("customMetrics", StringComparison.Ordinal)))
        {
            var query = (string)alert["query"]!;
            var names = MetricNames(query);
            Assert.NotEmpty(names);
            foreach (var name in names)
            {
                var spec = TongbanMetrics.All.SingleOrDefault(s => s.Name == name);
                Assert.True(spec is not null, $"{alert["suffix"]} reads {name}, which the Tongban meter does not have");
                foreach (var dimension in LogFields(query))
                {
                    Assert.True(spec.Tags.Contains(dimension), $"{alert["suffix"]} reads dimension {dimension}, which {name} does not carry");
                }

                checkedMetrics++;
            }

            // What the rule splits by is a column the query makes from a tag.
            foreach (var split in alert["dimensions"]!.AsArray().Select(d => (string)d!))
            {
                Assert.Contains(split, MetricTags.All);
                Assert.Contains($"{split} = tostring(customDimensions[\"{split}\"])", query, StringComparison.Ordinal);
            }
        }

        Assert.True(checkedMetrics >= 6);
    }

    [Fact]
    public void Every_log_field_an_alert_reads_is_written_by_a_log_message_of_the_hub()
    {
        var written = LoggedFields();
        var log = Alerts(infra).Where(a => ((string)a["query"]!).StartsWith("traces", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(log);
        foreach (var alert in log)
        {
            var fields = LogFields((string)alert["query"]!);
            Assert.NotEmpty(fields);
            Assert.All(fields, field => Assert.True(written.Contains(field), $"{alert["suffix"]} reads {field}, which no [LoggerMessage] of the hub writes"));
        }
    }

    [Fact]
    public void The_failed_case_alert_filters_on_the_status_the_code_writes()
    {
        var query = (string)Assert.Single(Alerts(infra), a => (string?)a["suffix"] == "failed-cases")["query"]!;

        Assert.Contains($"tostring(customDimensions[\"{MetricTags.Status}\"]) == \"{Tongban.Cases.CaseStatus.Failed}\"", query, StringComparison.Ordinal);
    }

    [Fact]
    public void Thresholds_are_the_issues()
    {
        string Query(string suffix) => (string)Alerts(infra).Single(a => (string?)a["suffix"] == suffix)["query"]!;

        Assert.Contains("longest > 300", Query("circuit-open"), StringComparison.Ordinal);
        Assert.Contains("percentile(todouble(customDimensions[\"HubShareSeconds\"]), 95)", Query("hub-share"), StringComparison.Ordinal);
        Assert.Contains("p95 > 5", Query("hub-share"), StringComparison.Ordinal);
        Assert.Contains("deepest > 0", Query("poison-depth"), StringComparison.Ordinal);
        Assert.Contains(TongbanMetrics.CallbacksStopped.Name, Query("callbacks-behind"), StringComparison.Ordinal);
        Assert.Equal("PT5M", (string?)Alerts(infra).Single(a => (string?)a["suffix"] == "circuit-open")["window"]);
    }

    /// <summary>Every placeholder of every source-generated log message in the hub's core.</summary>
    private static HashSet<string> LoggedFields() =>
        typeof(TongbanMetrics).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .Where(a => a is not null)
            .SelectMany(a => Placeholder().Matches(a!.Message).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);

    private static HashSet<string> MetricNames(string query) => MetricName().Matches(query).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    private static HashSet<string> LogFields(string query) => Dimension().Matches(query).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex("name == \"([^\"]+)\"")]
    private static partial Regex MetricName();

    [GeneratedRegex("""customDimensions\["([^"]+)"\]""")]
    private static partial Regex Dimension();

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)\}")]
    private static partial Regex Placeholder();
}
