using System.Diagnostics;
using System.Text.Json.Nodes;
using Tongban.Api;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Telemetry;
using Xunit.Abstractions;

namespace Tongban.IntegrationTests.PersonalData;

/// <summary>
/// Issue 12 §1 on the shared end-to-end run (a marriage, three newborn registrations, two school transfers, each with a
/// callbackUrl), its spans caught by OpenTelemetry's in-memory exporter: every province step of every case lies in one
/// trace that starts at the partner's request and reaches the province's HTTP call; no span holds personal data; and a
/// log line written while handling a case carries the case's scope.
/// </summary>
[Collection(PersonalDataCollection.Name)]
public sealed class CaseTraceTests(PersonalDataRun run, ITestOutputHelper output)
{
    private const string OfficerReview = "officer-review";

    [Theory]
    [InlineData("marriage-registration")]
    [InlineData("newborn-registration")]
    [InlineData("school-transfer")]
    public async Task Each_province_step_of_a_case_is_one_trace_from_the_partners_request_to_the_provinces_http_call(string caseType)
    {
        var cases = run.Outcomes.Where(o => o.Value["caseType"]!.ToString() == caseType).ToList();
        Assert.NotEmpty(cases);
        // A case's last step may still be ending its province.step and step.result spans when the partner reads the case's
        // final status (the handler ends them after the orchestration took the result): wait, bounded, for the spans looked for.
        var spans = await SettledAsync(spans => cases.All(c =>
        {
            var mine = spans.Where(s => (s.GetTagItem(TongbanTelemetry.CaseId) as string) == c.Key).ToList();
            return mine.Any(s => s.OperationName == "partner.callback") && ProvinceSteps(c.Value).All(step =>
                mine.Any(s => s.OperationName == "province.step" && (string?)s.GetTagItem(TongbanTelemetry.Step) == step.Key)
                && mine.Any(s => s.OperationName == "step.result" && (string?)s.GetTagItem(TongbanTelemetry.Step) == step.Key));
        }));
        foreach (var (caseId, view) in cases)
        {
            var mine = spans.Where(s => (s.GetTagItem(TongbanTelemetry.CaseId) as string) == caseId).ToList();
            var steps = ProvinceSteps(view);
            Assert.NotEmpty(steps);
            foreach (var (key, province) in steps)
            {
                var handled = mine.Where(s => s.OperationName == "province.step" && (string?)s.GetTagItem(TongbanTelemetry.Step) == key).ToList();
                Assert.True(handled.Count > 0, $"case {caseId} ({caseType}): no province.step span for {key}; spans: {Describe(mine)}");
                foreach (var step in handled)
                {
                    var trace = spans.Where(s => s.TraceId == step.TraceId).ToList();
                    // The trace holds the partner's request (the hub's server span): POST /api/v1/cases, or the decision that let the step go on.
                    var root = Assert.Single(trace, IsPartnerRequest);

                    // Up the parents: the consumer's parent is the producer (the queue message), and the chain reaches the root.
                    var producer = Assert.Single(trace, s => s.SpanId == step.ParentSpanId);
                    Assert.Equal(("province.enqueue", ActivityKind.Producer, key, province),
                        (producer.OperationName, producer.Kind, (string?)producer.GetTagItem(TongbanTelemetry.Step), (string?)producer.GetTagItem(TongbanTelemetry.Province)));
                    Assert.Equal(province, step.GetTagItem(TongbanTelemetry.Province));
                    Assert.Equal(caseType, step.GetTagItem(TongbanTelemetry.CaseType));
                    Assert.NotNull(step.GetTagItem(TongbanTelemetry.Outcome));
                    Assert.True(ReachesRoot(step, root, trace), $"case {caseId} step {key}: its span's parents do not reach the partner's request");

                    // Down: the adapter's call, and under it the HTTP call to the province (HttpClient's client span).
                    var call = Assert.Single(trace, s => s.OperationName == "province.call" && s.ParentSpanId == step.SpanId);
                    Assert.Contains(trace, s => s.Kind == ActivityKind.Client && s.ParentSpanId == call.SpanId
                        && s.Source.Name == "System.Net.Http" && s.GetTagItem("url.full") is string url && url.StartsWith(run.Sandbox.BaseUrl.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal));
                }

                // Its answer reached the orchestration in the same trace: the result event, raised after the call or after slow work.
                Assert.Contains(mine, s => s.OperationName == "step.result" && (string?)s.GetTagItem(TongbanTelemetry.Step) == key
                    && handled.Any(h => h.TraceId == s.TraceId));
            }

            // The partner's callbacks continue the traces too.
            var callbacks = mine.Where(s => s.OperationName == "partner.callback").ToList();
            Assert.NotEmpty(callbacks);
            Assert.All(callbacks, c => Assert.Contains(spans, s => s.TraceId == c.TraceId && IsPartnerRequest(s)));
            var start = Assert.Single(mine, s => s.OperationName == "case.orchestration.start");
            Assert.Equal(caseType, start.GetTagItem(TongbanTelemetry.CaseType));
            output.WriteLine($"{caseType} {caseId}: {Count(spans, caseId)}");
        }
    }

    [Fact]
    public async Task Slow_work_ended_by_a_province_callback_or_a_poll_continues_the_steps_trace()
    {
        // The exporter sees a span when it ends, and a poll or callback may end before the province.step span it continues:
        // wait, bounded, for every such parent to have ended; one still missing then is named with its trace. Only the
        // run's own cases count: a hub of another collection running alongside may poll a ticket whose province.step span
        // ended before this run's exporter was listening (see PersonalDataRun.Spans).
        List<Activity> Orphans(IReadOnlyList<Activity> spans) => spans
            .Where(s => s.OperationName is "province.slow-work.callback" or "province.slow-work.poll" && Ours(s))
            .Where(s => !spans.Any(p => p.SpanId == s.ParentSpanId && p.TraceId == s.TraceId)).ToList();
        var spans = await SettledAsync(spans => Orphans(spans).Count == 0);
        Assert.True(Orphans(spans).Count == 0, string.Join("; ", Orphans(spans).Select(s =>
            $"{s.OperationName} {s.GetTagItem(TongbanTelemetry.Step)} at {s.GetTagItem(TongbanTelemetry.Province)} (case {s.GetTagItem(TongbanTelemetry.CaseId)}): "
            + $"parent {s.ParentSpanId} never ended; its trace holds {Describe(spans.Where(t => t.TraceId == s.TraceId).ToList())}; "
            + $"the step's spans: {Detail(spans.Where(t => Equals(t.GetTagItem(TongbanTelemetry.CaseId), s.GetTagItem(TongbanTelemetry.CaseId))
                && Equals(t.GetTagItem(TongbanTelemetry.Step), s.GetTagItem(TongbanTelemetry.Step))))}")));
        // Anhui's slow work is polled for sure; Shanghai's callback may come before its ticket is recorded, and is then taken
        // inside the province.step span that records it (no span of its own), so callback spans are checked when there are any.
        Assert.Contains(spans, s => s.OperationName == "province.slow-work.poll" && Ours(s));
        foreach (var via in new[] { "province.slow-work.callback", "province.slow-work.poll" })
        {
            foreach (var span in spans.Where(s => s.OperationName == via && Ours(s)))
            {
                // Its parent is the province.step span that recorded the ticket, and the result it raises is its child.
                var parent = Assert.Single(spans, s => s.SpanId == span.ParentSpanId && s.TraceId == span.TraceId);
                Assert.Equal("province.step", parent.OperationName);
                Assert.Equal(parent.GetTagItem(TongbanTelemetry.Step), span.GetTagItem(TongbanTelemetry.Step));
                Assert.Contains(spans, s => s.OperationName == "step.result" && s.ParentSpanId == span.SpanId);
            }
        }

        // The province's own callback request is a trace of its own, linked from the span that continues the step's.
        Assert.All(spans.Where(s => s.OperationName == "province.slow-work.callback" && Ours(s)), s => Assert.NotEmpty(s.Links));
    }

    /// <summary>The run's spans once <paramref name="settled"/> holds, or after 30 s (the assertions then say what is missing).</summary>
    private async Task<IReadOnlyList<Activity>> SettledAsync(Func<IReadOnlyList<Activity>, bool> settled)
    {
        var spans = run.Spans.Snapshot();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !settled(spans) && DateTime.UtcNow < deadline; spans = run.Spans.Snapshot())
        {
            await Task.Delay(100);
        }

        return spans;
    }

    /// <summary>Whether a span works on one of the run's own cases (not a case of another collection's hub).</summary>
    private bool Ours(Activity span) => span.GetTagItem(TongbanTelemetry.CaseId) is string caseId && run.Outcomes.ContainsKey(caseId);

    [Fact]
    public void No_span_attribute_event_or_link_holds_an_id_number_or_a_name()
    {
        var spans = run.Spans.Snapshot();
        var scan = new Infrastructure.PersonalDataScan(run.Names);
        var findings = new List<string>();
        foreach (var span in spans)
        {
            var where = $"span {span.Source.Name}/{span.OperationName}";
            findings.AddRange(scan.Find(where + " name", span.DisplayName));
            findings.AddRange(scan.Find(where + " status", span.StatusDescription));
            foreach (var tag in span.TagObjects) findings.AddRange(scan.Find($"{where} {tag.Key}", Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture)));
            foreach (var item in span.Baggage) findings.AddRange(scan.Find($"{where} baggage {item.Key}", item.Value));
            foreach (var e in span.Events)
            {
                findings.AddRange(scan.Find($"{where} event", e.Name));
                foreach (var tag in e.Tags) findings.AddRange(scan.Find($"{where} event {e.Name} {tag.Key}", Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture)));
            }

            foreach (var link in span.Links)
            {
                foreach (var tag in link.Tags ?? []) findings.AddRange(scan.Find($"{where} link {tag.Key}", Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        output.WriteLine($"spans scanned: {spans.Count}");
        foreach (var name in spans.CountBy(s => $"{s.Source.Name}/{s.OperationName}").OrderByDescending(c => c.Value)) output.WriteLine($"  {name.Value,6} {name.Key}");
        // The scan saw the URLs that carry ID numbers (Shanghai's paths, student numbers) and the sandbox's own server spans.
        Assert.Contains(spans, s => s.GetTagItem("url.full") is string url && url.Contains("****", StringComparison.Ordinal));
        Assert.True(findings.Count == 0, $"{findings.Count} span finding(s) with personal data:\n{string.Join("\n", findings.Take(50))}");
    }

    [Fact]
    public void A_line_logged_while_handling_a_case_carries_the_case_step_and_province_as_its_scope()
    {
        var (caseId, view) = run.Outcomes.First(o => o.Value["caseType"]!.ToString() == "marriage-registration");
        var (key, province) = ProvinceSteps(view).First();
        var scope = $"CaseId={caseId} Step={key} Province={province}";
        var lines = run.Logs.Lines();
        // The handler's own line, and the outbound HTTP line the adapter's client wrote beneath it, both in the scope.
        Assert.Contains(lines, l => l.Contains("Tongban.Workflows.Dispatch.ProvinceStepHandler:", StringComparison.Ordinal)
            && l.Contains($"Case {caseId} step {key} at {province}:", StringComparison.Ordinal) && ScopeOf(l).Contains(scope, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Tongban.Hosting.OutboundRequestLogging:", StringComparison.Ordinal) && ScopeOf(l).Contains(scope, StringComparison.Ordinal));
        // The callback sender's lines carry the case.
        Assert.Contains(lines, l => l.Contains("Tongban.Callbacks.PartnerCallbackSender:", StringComparison.Ordinal)
            && l.Contains($"Case {caseId} callback", StringComparison.Ordinal) && ScopeOf(l).Contains($"CaseId={caseId}", StringComparison.Ordinal));
        // And a line outside any case (the hub's start) has none.
        Assert.Contains(lines, l => l.Contains("Tongban hub listening", StringComparison.Ordinal) && !ScopeOf(l).Contains("CaseId=", StringComparison.Ordinal));
    }

    /// <summary>
    /// The hub's server span of a partner opening a case or deciding its review, known by its route: the path may be masked,
    /// since the scrubber takes any run of 15 digits for an ID number, and about one case ID in 240 holds such a run. (The
    /// test's own HttpClient is in this process and traced too, so the trace's root is the partner's client span, as a partner
    /// that traces its calls would make it.)
    /// </summary>
    private static bool IsPartnerRequest(Activity s) =>
        s.Kind == ActivityKind.Server && (s.GetTagItem("http.request.method") as string) == "POST"
        && s.GetTagItem("http.route") is "/" + ApiRoutes.Prefix + "/" + ApiRoutes.Cases or "/" + ApiRoutes.Prefix + "/" + ApiRoutes.Decisions;

    /// <summary>The scopes part of a captured line ("level category: message | values | scopes | exception").</summary>
    private static string ScopeOf(string line)
    {
        var parts = line.Split(" | ");
        return parts.Length >= 4 ? parts[^2] : "";
    }

    /// <summary>The case's timeline steps a province ran (step key, province): everything but the officer's review and skipped steps.</summary>
    private static List<(string Key, string Province)> ProvinceSteps(JsonNode view) =>
        view["steps"]!.AsArray()
            .Where(s => s!["name"]!.ToString() != OfficerReview && s["status"]!.ToString() != "Skipped" && s["province"] is not null)
            .Select(s => (s!["subject"] is { } subject ? $"{s["name"]}.{subject}" : s["name"]!.ToString(), s["province"]!.ToString()))
            .ToList();

    private static bool ReachesRoot(Activity span, Activity root, List<Activity> trace)
    {
        var at = span;
        for (var hops = 0; hops < 20 && at is not null; hops++)
        {
            if (at.SpanId == root.SpanId) return true;
            at = trace.FirstOrDefault(s => s.SpanId == at.ParentSpanId);
        }

        return false;
    }

    /// <summary>Every span in the traces that carry the case: the figure the README gives for one marriage.</summary>
    private string Count(IReadOnlyList<Activity> spans, string caseId)
    {
        var traces = spans.Where(s => (s.GetTagItem(TongbanTelemetry.CaseId) as string) == caseId).Select(s => s.TraceId).ToHashSet();
        var all = spans.Where(s => traces.Contains(s.TraceId)).ToList();
        // Not the hub's: the server spans of the sandbox and of the partner's webhook (other ports), and the test's own client spans (roots).
        var hubPort = run.Hub.Url.Port;
        var others = all.Where(s => (s.Kind == ActivityKind.Server && !(s.GetTagItem("server.port") is int port && port == hubPort))
            || (s.Kind == ActivityKind.Client && s.ParentSpanId == default)).ToList();
        var hub = all.Except(others).ToList();
        var breakdown = string.Join(", ", hub.CountBy(s => s.DisplayName.StartsWith("POST /api", StringComparison.Ordinal) ? "partner request" : s.OperationName)
            .OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}"));
        return $"{traces.Count} traces, {all.Count} spans, {hub.Count} of them the hub's ({breakdown}); "
            + $"{others.Count} outside it (province sandbox and partner webhook servers, the test's client)";
    }

    private static string Describe(IEnumerable<Activity> spans) =>
        string.Join(", ", spans.Select(s => $"{s.OperationName}[{s.GetTagItem(TongbanTelemetry.Step)}]"));

    /// <summary>Each span with its place in the traces and its time, for telling a late parent from one never exported.</summary>
    private static string Detail(IEnumerable<Activity> spans) =>
        string.Join(", ", spans.OrderBy(s => s.StartTimeUtc).Select(s =>
            $"{s.OperationName} {s.TraceId}/{s.SpanId} parent {s.ParentSpanId} links [{string.Join(' ', s.Links.Select(l => l.Context.SpanId))}] "
            + $"{s.StartTimeUtc:HH:mm:ss.fff}+{s.Duration.TotalMilliseconds:0}ms {s.GetTagItem(TongbanTelemetry.Outcome)}"));
}
