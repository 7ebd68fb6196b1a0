using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Tongban.Workflows;

namespace Tongban.Telemetry;

/// <summary>
/// The spans of a case step's trace, in the order the work goes (see <see cref="TongbanTelemetry"/>): the orchestration's
/// start, the province queue message put (producer), its handling (consumer), the adapter's call (whose HttpClient span is
/// the province's HTTP call), slow work ending (a poll or a province's callback), the result event raised to the
/// orchestration, a status change recorded, and its partner callback delivered.
/// </summary>
public static class CaseSpans
{
    /// <summary>A point in the trace where the orchestration first ran; never started on a replay (the caller checks).</summary>
    public static void OrchestrationStarted(CaseWorkflowInput input)
    {
        using var span = TongbanTelemetry.Continue("case.orchestration.start", ActivityKind.Internal, input.TraceParent)
            .ForCase(input.CaseId, input.CaseType, province: input.HandlingProvince);
    }

    /// <summary>The step's message put on its province's queue; the message then carries this span's context.</summary>
    public static Activity? Enqueue(ProvinceStep item, string? caseType) =>
        Step("province.enqueue", ActivityKind.Producer, item, caseType);

    /// <summary>A province queue message handled (or given up on, the poison path).</summary>
    public static Activity? Handle(ProvinceStep item, string name = "province.step") => Step(name, ActivityKind.Consumer, item, null);

    /// <summary>The adapter's call to the province; the HttpClient span under it is the HTTP call itself.</summary>
    public static Activity? Call(ProvinceStep item, string caseType)
    {
        var span = TongbanTelemetry.Source.StartActivity("province.call", ActivityKind.Internal)
            .ForCase(item.CaseId, caseType, item.StepKey, item.Province);
        span?.SetTag(TongbanTelemetry.Operation, item.Operation);
        return span;
    }

    /// <summary>Slow work ended, told by a poll (<c>poll</c>) or the province's callback (<c>callback</c>): continues the ticket's trace.</summary>
    public static Activity? SlowWorkEnded(ProvinceStep item, string via) => Step($"province.slow-work.{via}", ActivityKind.Consumer, item, null);

    /// <summary>The step's result raised to the orchestration.</summary>
    public static Activity? RaiseResult(ProvinceStep item, StepResult result)
    {
        var span = TongbanTelemetry.Source.StartActivity("step.result", ActivityKind.Producer)
            .ForCase(item.CaseId, step: item.StepKey, province: item.Province);
        span.WithOutcome(result.Outcome.ToString(), error: result.Outcome == StepOutcome.Failed);
        return span;
    }

    /// <summary>A status change recorded by the orchestration; the callback poke it queues carries this span's context.</summary>
    public static Activity? Progress(CaseProgress progress) =>
        TongbanTelemetry.Continue("case.progress", ActivityKind.Internal, progress.TraceParent)
            .ForCase(progress.CaseId)?.SetTag(TongbanTelemetry.Outcome, progress.Status?.ToString());

    /// <summary>A partner-callback poke handled: the delivery of a case's pending status changes.</summary>
    public static Activity? DeliverCallbacks(Callbacks.CallbackPoke poke) =>
        TongbanTelemetry.Continue("partner.callback", ActivityKind.Consumer, poke.TraceParent).ForCase(poke.CaseId);

    private static Activity? Step(string name, ActivityKind kind, ProvinceStep item, string? caseType)
    {
        var span = TongbanTelemetry.Continue(name, kind, item.TraceParent).ForCase(item.CaseId, caseType, item.StepKey, item.Province);
        span?.SetTag(TongbanTelemetry.Operation, item.Operation);
        return span;
    }
}

/// <summary>
/// The logging scope of work on a case: every line written inside it (the hub's, the adapters', the outbound HTTP lines)
/// carries <c>CaseId</c>, <c>Step</c> and <c>Province</c> as fields, so a case's lines can be found without parsing text.
/// </summary>
public static class CaseLogScope
{
    private static readonly Func<ILogger, string, string?, string?, IDisposable?> Scope =
        LoggerMessage.DefineScope<string, string?, string?>("Case {CaseId} step {Step} at {Province}");

    public static IDisposable? Begin(ILogger logger, string caseId, string? step = null, string? province = null) =>
        Scope(logger, caseId, step, province);

    public static IDisposable? Begin(ILogger logger, ProvinceStep item) => Scope(logger, item.CaseId, item.StepKey, item.Province);
}
