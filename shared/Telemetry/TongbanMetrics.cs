using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Tongban.Telemetry;

/// <summary>What kind of instrument a metric is: how its points read (a counter's total, a gauge's reading, a histogram's spread).</summary>
public enum MetricKind { Counter, Histogram, Gauge }

/// <summary>One documented metric of the <c>Tongban</c> meter: its name, unit (UCUM), kind, the tags its points carry, and what it means.</summary>
public sealed record MetricSpec(string Name, string Unit, MetricKind Kind, IReadOnlyList<string> Tags, string Description);

/// <summary>
/// The tag keys the hub's metrics use. Every value is a word of the hub's own vocabulary (a case type, a configured province
/// code, a canonical operation, a status, an outcome, a deadline's name): never a case ID (one series per case would
/// swamp any store) and never personal data.
/// </summary>
public static class MetricTags
{
    public const string CaseType = "case_type";
    public const string Province = "province";
    public const string Operation = "operation";
    public const string Status = "status";
    public const string Outcome = "outcome";
    public const string Limit = "limit";

    public static readonly IReadOnlyList<string> All = [CaseType, Province, Operation, Status, Outcome, Limit];
}

/// <summary>
/// The hub's one <see cref="Meter"/>, <c>Tongban</c> (made through <see cref="IMeterFactory"/>), and every instrument on it.
/// <see cref="All"/> is the published list: the instruments are made from it, the README's table documents it, and the
/// infrastructure tests hold each alert's metric and dimensions against it. Gauges report what this process last saw:
/// circuits as they change here, queue depths and attention counts as the redrive timer last read them (see
/// <see cref="ProvinceSampled"/>).
/// </summary>
public sealed class TongbanMetrics : IDisposable
{
    public const string MeterName = "Tongban";

    public static readonly MetricSpec CasesOpened = new("tongban.cases.opened", "{case}", MetricKind.Counter,
        [MetricTags.CaseType, MetricTags.Province], "Cases opened, by type and handling province.");

    public static readonly MetricSpec CasesEnded = new("tongban.cases.ended", "{case}", MetricKind.Counter,
        [MetricTags.CaseType, MetricTags.Province, MetricTags.Status],
        "Cases reaching a final status (Completed, Rejected, Failed, Withdrawn, Expired), by type, handling province and status. A case held Failed for a redrive counts when it is held.");

    public static readonly MetricSpec HubShare = new("tongban.cases.hub_share", "s", MetricKind.Histogram,
        [MetricTags.CaseType, MetricTags.Province, MetricTags.Status],
        "The hub's own share of an ended case's time: created to ended, less the officer's review and the provinces' slow work (bench/'s measure).");

    public static readonly MetricSpec StepDuration = new("tongban.steps.duration", "s", MetricKind.Histogram,
        [MetricTags.Province, MetricTags.Operation, MetricTags.Outcome],
        "A province step from its start to the answer recorded (retries and slow work included), by province, operation and outcome (succeeded, no-record, refused, failed).");

    public static readonly MetricSpec ProvinceCallDuration = new("tongban.province.call.duration", "s", MetricKind.Histogram,
        [MetricTags.Province, MetricTags.Operation, MetricTags.Outcome],
        "One call to a province's system, as sent through its circuit, by province, operation and outcome (ok, no-record, refused, transient, defect). Parked calls are not sent and not counted.");

    public static readonly MetricSpec CircuitState = new("tongban.province.circuit.state", "{state}", MetricKind.Gauge,
        [MetricTags.Province], "Each province's circuit in this process: 0 closed, 1 half-open (its break is over, the next call probes), 2 open (calls parked).");

    public static readonly MetricSpec CircuitOpenDuration = new("tongban.province.circuit.open_duration", "s", MetricKind.Gauge,
        [MetricTags.Province], "How long a province's circuit has been open without a successful probe since it left closed; 0 when closed or awaiting a probe.");

    public static readonly MetricSpec QueueDepth = new("tongban.queue.depth", "{message}", MetricKind.Gauge,
        [MetricTags.Province], "Messages on a province's queue, as storage estimates them (read by the redrive timer).");

    public static readonly MetricSpec PoisonDepth = new("tongban.queue.poison.depth", "{message}", MetricKind.Gauge,
        [MetricTags.Province], "Messages on a province's poison queue (read by the redrive timer).");

    public static readonly MetricSpec StepsParked = new("tongban.steps.parked", "{step}", MetricKind.Gauge,
        [MetricTags.Province], "Steps parked until their province answers again.");

    public static readonly MetricSpec StepsHeld = new("tongban.steps.held", "{step}", MetricKind.Gauge,
        [MetricTags.Province], "Steps held failed for an operator's redrive.");

    public static readonly MetricSpec CallbackLag = new("tongban.callbacks.lag", "s", MetricKind.Histogram,
        [MetricTags.Province, MetricTags.Outcome],
        "How old a status change is when its partner callback is attempted, by partner and outcome (delivered, failed).");

    public static readonly MetricSpec CallbacksStopped = new("tongban.callbacks.stopped", "{case}", MetricKind.Gauge,
        [MetricTags.Province], "Cases whose callback delivery has stopped, by partner (read by the redrive timer).");

    public static readonly MetricSpec DeadlinesMissed = new("tongban.deadlines.missed", "{deadline}", MetricKind.Counter,
        [MetricTags.CaseType, MetricTags.Province, MetricTags.Limit],
        "Legal time limits found missed, once per case and limit, by type, the step's province and limit name.");

    /// <summary>Every instrument of the meter, in the README's order.</summary>
    public static readonly IReadOnlyList<MetricSpec> All =
    [
        CasesOpened, CasesEnded, HubShare, StepDuration, ProvinceCallDuration, CircuitState, CircuitOpenDuration,
        QueueDepth, PoisonDepth, StepsParked, StepsHeld, CallbackLag, CallbacksStopped, DeadlinesMissed,
    ];

    /// <summary>How long a province sample stays reported: a process that no longer runs the redrive timer stops reporting after it.</summary>
    public static readonly TimeSpan SampleFreshness = TimeSpan.FromMinutes(5);

    private readonly Counter<long> casesOpened;
    private readonly Counter<long> casesEnded;
    private readonly Histogram<double> hubShare;
    private readonly Histogram<double> stepDuration;
    private readonly Histogram<double> callDuration;
    private readonly Histogram<double> callbackLag;
    private readonly Counter<long> deadlinesMissed;
    private readonly TimeProvider time;
    private readonly ILogger<TongbanMetrics> logger;
    private readonly ConcurrentDictionary<string, CircuitReading> circuits = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ProvinceSample> samples = new(StringComparer.Ordinal);

    public TongbanMetrics(IMeterFactory meters, TimeProvider time, ILogger<TongbanMetrics> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        this.time = time;
        this.logger = logger;
        Meter = meters.Create(new MeterOptions(MeterName));
        casesOpened = Counter(CasesOpened);
        casesEnded = Counter(CasesEnded);
        hubShare = Histogram(HubShare);
        stepDuration = Histogram(StepDuration);
        callDuration = Histogram(ProvinceCallDuration);
        callbackLag = Histogram(CallbackLag);
        deadlinesMissed = Counter(DeadlinesMissed);
        Gauge(CircuitState, () => circuits.Select(c => new Measurement<double>(c.Value.StateAt(this.time.GetUtcNow()), Tag(MetricTags.Province, c.Key))));
        Gauge(CircuitOpenDuration, () => circuits.Select(c => new Measurement<double>(c.Value.OpenSecondsAt(this.time.GetUtcNow()), Tag(MetricTags.Province, c.Key))));
        Gauge(QueueDepth, () => Fresh(s => s.Queued));
        Gauge(PoisonDepth, () => Fresh(s => s.Poisoned));
        Gauge(StepsParked, () => Fresh(s => s.Parked));
        Gauge(StepsHeld, () => Fresh(s => s.Held));
        Gauge(CallbacksStopped, () => Fresh(s => s.CallbacksStopped));
    }

    public Meter Meter { get; }

    public void CaseOpened(string caseType, string province) =>
        casesOpened.Add(1, Tag(MetricTags.CaseType, caseType), Tag(MetricTags.Province, province));

    /// <summary>A case reached a final status: counted, its hub share measured, and the share logged as a field (<c>HubShareSeconds</c>) the alerts read.</summary>
    public void CaseEnded(string caseId, string caseType, string province, string status, TimeSpan caseTime, TimeSpan hubTime)
    {
        var tags = new TagList { { MetricTags.CaseType, caseType }, { MetricTags.Province, province }, { MetricTags.Status, status } };
        casesEnded.Add(1, tags);
        hubShare.Record(hubTime.TotalSeconds, tags);
        MetricLog.CaseTimed(logger, caseId, status, Math.Round(caseTime.TotalSeconds, 3), Math.Round(hubTime.TotalSeconds, 3));
    }

    public void StepAnswered(string province, string operation, string outcome, TimeSpan duration) =>
        stepDuration.Record(duration.TotalSeconds, Tag(MetricTags.Province, province), Tag(MetricTags.Operation, operation), Tag(MetricTags.Outcome, outcome));

    public void ProvinceCalled(string province, string operation, string outcome, TimeSpan duration) =>
        callDuration.Record(duration.TotalSeconds, Tag(MetricTags.Province, province), Tag(MetricTags.Operation, operation), Tag(MetricTags.Outcome, outcome));

    public void CallbackAttempted(string partner, bool delivered, TimeSpan age) =>
        callbackLag.Record(Math.Max(0, age.TotalSeconds), Tag(MetricTags.Province, partner), Tag(MetricTags.Outcome, delivered ? "delivered" : "failed"));

    public void DeadlineMissed(string caseType, string province, string limit) =>
        deadlinesMissed.Add(1, Tag(MetricTags.CaseType, caseType), Tag(MetricTags.Province, province), Tag(MetricTags.Limit, limit));

    /// <summary>A province's circuit changed state in this process ("open", "half-open", "closed"); an open one breaks until <paramref name="breakUntil"/>.</summary>
    public void CircuitChanged(string province, string state, DateTimeOffset? breakUntil = null) =>
        circuits.AddOrUpdate(province,
            _ => CircuitReading.Closed.Next(state, time.GetUtcNow(), breakUntil),
            (_, reading) => reading.Next(state, time.GetUtcNow(), breakUntil));

    /// <summary>What the redrive timer read of a province: its queues and its attention list.</summary>
    public void ProvinceSampled(string province, long queued, long poisoned, long parked, long held, long callbacksStopped) =>
        samples[province] = new ProvinceSample(queued, poisoned, parked, held, callbacksStopped, time.GetUtcNow());

    /// <summary>The circuit state as the gauge reports it: "closed", "half-open" or "open".</summary>
    public static string CircuitStateName(double value) => value switch { >= 2 => "open", >= 1 => "half-open", _ => "closed" };

    public void Dispose() => Meter.Dispose();

    private IEnumerable<Measurement<double>> Fresh(Func<ProvinceSample, long> value)
    {
        var now = time.GetUtcNow();
        return samples.Where(s => now - s.Value.At <= SampleFreshness)
            .Select(s => new Measurement<double>(value(s.Value), Tag(MetricTags.Province, s.Key)));
    }

    private Counter<long> Counter(MetricSpec spec) => Meter.CreateCounter<long>(spec.Name, spec.Unit, spec.Description);

    private Histogram<double> Histogram(MetricSpec spec) => Meter.CreateHistogram<double>(spec.Name, spec.Unit, spec.Description);

    private void Gauge(MetricSpec spec, Func<IEnumerable<Measurement<double>>> observe) =>
        Meter.CreateObservableGauge(spec.Name, observe, spec.Unit, spec.Description);

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    private sealed record ProvinceSample(long Queued, long Poisoned, long Parked, long Held, long CallbacksStopped, DateTimeOffset At);

    /// <summary>A circuit as the gauges read it: its state, since when it is away from closed, and when its current break ends.</summary>
    private sealed record CircuitReading(string State, DateTimeOffset? LeftClosedAt, DateTimeOffset? BreakUntil)
    {
        public static readonly CircuitReading Closed = new("closed", null, null);

        public CircuitReading Next(string state, DateTimeOffset now, DateTimeOffset? breakUntil) => state switch
        {
            "closed" => Closed,
            "open" => new(state, LeftClosedAt ?? now, breakUntil),
            _ => this with { State = state, LeftClosedAt = LeftClosedAt ?? now },
        };

        /// <summary>Open only while its break lasts: after it, Polly lets the next call probe, so the circuit reads half-open (a quiet province that recovered is not "open").</summary>
        public double StateAt(DateTimeOffset now) => State switch
        {
            "closed" => 0,
            "open" when BreakUntil is not { } until || now < until => 2,
            _ => 1,
        };

        public double OpenSecondsAt(DateTimeOffset now) =>
            StateAt(now) >= 2 && LeftClosedAt is { } since ? Math.Round((now - since).TotalSeconds, 3) : 0;
    }
}

/// <summary>The log line that carries each ended case's times as fields: the hub-share alert reads <c>HubShareSeconds</c> from it.</summary>
public static partial class MetricLog
{
    /// <summary>The structured field the hub-share alert reads (customDimensions in Application Insights).</summary>
    public const string HubShareField = "HubShareSeconds";

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information,
        Message = "Case {CaseId} ended {CaseStatus} after {CaseSeconds} s; the hub's own share {HubShareSeconds} s")]
    public static partial void CaseTimed(ILogger logger, string caseId, string caseStatus, double caseSeconds, double hubShareSeconds);
}

/// <summary>The outcome words metrics use, one place for each mapping from the hub's types.</summary>
public static class MetricWords
{
    public static string Of(Provinces.AnswerKind kind) => kind switch
    {
        Provinces.AnswerKind.Ok => "ok",
        Provinces.AnswerKind.NoRecord => "no-record",
        _ => "refused",
    };

    public static string Of(Workflows.StepOutcome outcome) => outcome switch
    {
        Workflows.StepOutcome.Succeeded => "succeeded",
        Workflows.StepOutcome.NoRecord => "no-record",
        Workflows.StepOutcome.Refused => "refused",
        Workflows.StepOutcome.Waiting => "waiting",
        _ => "failed",
    };

    /// <summary>Province call outcomes that count as errors in the operator's view: the province failed, not a business answer.</summary>
    public static bool IsError(string callOutcome) => callOutcome is "transient" or "defect";
}
