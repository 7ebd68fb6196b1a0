using System.Diagnostics;

namespace Tongban.Telemetry;

/// <summary>
/// The hub's one <see cref="ActivitySource"/>, <c>Tongban</c>, and how its spans join a case step's trace. A step's trace
/// starts at the partner's request (opening the case, or deciding its review) and travels as a W3C <c>traceparent</c> in
/// data the step's work already carries: the orchestration's input and events, each province queue message, each
/// slow-work ticket row and each partner-callback poke. A span that handles such data takes that context as its
/// <b>parent</b> (one producer per message, so the trace reads end to end), and the span its host started for it (a
/// Functions invocation, a province's own callback request) as a <b>link</b>.
/// Attributes carry identifiers only: case ID, case type, step, province, operation and outcome, never an ID number or a name.
/// </summary>
public static class TongbanTelemetry
{
    public const string Name = "Tongban";

    public static readonly ActivitySource Source = new(Name);

    public const string CaseId = "tongban.case.id";
    public const string CaseType = "tongban.case.type";
    public const string Step = "tongban.step";
    public const string Province = "tongban.province";
    public const string Outcome = "tongban.outcome";
    public const string Operation = "tongban.operation";

    /// <summary>The current span's context as a W3C traceparent, to put in a message; null when nothing is traced.</summary>
    public static string? CurrentTraceParent =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// Starts a span that continues <paramref name="traceParent"/> (the producer's context a message carried): that is
    /// its parent, and the span the host made current (if any) becomes a link. Without a carried
    /// context it is a child of the current span, as any span. Null when no one listens.
    /// </summary>
    public static Activity? Continue(string name, ActivityKind kind, string? traceParent)
    {
        if (traceParent is null || !ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent))
        {
            return Source.StartActivity(name, kind);
        }

        ActivityLink[]? links = Activity.Current is { } host ? [new ActivityLink(host.Context)] : null;
        return Source.StartActivity(name, kind, parent, links: links);
    }

    /// <summary>Tags a span with the case and step it works on (no-op without a span).</summary>
    public static Activity? ForCase(this Activity? span, string caseId, string? caseType = null, string? step = null, string? province = null)
    {
        if (span is null) return null;
        span.SetTag(CaseId, caseId);
        if (caseType is not null) span.SetTag(CaseType, caseType);
        if (step is not null) span.SetTag(Step, step);
        if (province is not null) span.SetTag(Province, province);
        return span;
    }

    /// <summary>Sets the outcome (a word of ours: an enum name, "parked", "transient"); an error outcome marks the span's status.</summary>
    public static void WithOutcome(this Activity? span, string outcome, bool error = false)
    {
        if (span is null) return;
        span.SetTag(Outcome, outcome);
        // The description is ours too, never an exception's message (which may quote a province's text).
        if (error) span.SetStatus(ActivityStatusCode.Error, outcome);
    }
}
