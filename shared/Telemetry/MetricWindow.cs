using System.Diagnostics.Metrics;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Hosting;

namespace Tongban.Telemetry;

/// <summary>One minute of a province's calls: how many, how many failed, and latency p50/p95 (null without calls).</summary>
public sealed record MinuteFigures(DateTimeOffset At, long Calls, long Errors, double? P50Ms, double? P95Ms);

/// <summary>A province over the window: calls, errors, error rate, latency p50/p95, its circuit, and each minute.</summary>
public sealed record ProvinceFigures(string Code, long Calls, long Errors, double ErrorRate, LatencyFigures LatencyMs, string Circuit, IReadOnlyList<MinuteFigures> Minutes);

public sealed record LatencyFigures(double? P50, double? P95);

/// <summary>
/// One point of an instrument: its tags and, by kind, a counter's total since the process started or a gauge's latest reading
/// (<c>value</c>), or a histogram's count, sum, p50, p95 and max over the window.
/// </summary>
public sealed record InstrumentPoint(
    IReadOnlyDictionary<string, string> Tags,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Value = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Count = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Sum = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? P50 = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? P95 = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Max = null);

public sealed record InstrumentFigures(string Name, string Unit, string Kind, string Description, IReadOnlyList<InstrumentPoint> Points);

/// <summary>What <c>GET /api/v1/operator/metrics</c> answers.</summary>
public sealed record MetricsSnapshot(DateTimeOffset At, int WindowMinutes, IReadOnlyList<ProvinceFigures> Provinces, IReadOnlyList<InstrumentFigures> Instruments);

/// <summary>
/// The <c>Tongban</c> meter as this process sees it, without a collector: an in-process <see cref="MeterListener"/> on this host's
/// own meter instance keeps counters' totals, gauges' latest readings and histograms' values per minute for the last
/// <see cref="WindowMinutes"/> minutes (at most <see cref="MaxValuesPerMinute"/> values per series and minute, sampled beyond
/// that), so the operator console can draw a province's latency over the last hour from the operator API alone.
/// </summary>
public sealed class MetricWindow : IHostedService, IDisposable
{
    public const int WindowMinutes = 60;

    /// <summary>Bounds memory under load: beyond it a minute keeps a uniform sample (its count and sum stay exact).</summary>
    public const int MaxValuesPerMinute = 4096;

    private readonly TongbanMetrics metrics;
    private readonly TimeProvider time;
    private readonly MeterListener listener = new();
    private readonly Lock gate = new();
    private readonly Dictionary<(string Instrument, string Series), Series> series = [];
    private readonly Random sampling = new(1201);

    public MetricWindow(TongbanMetrics metrics, TimeProvider time)
    {
        this.metrics = metrics;
        this.time = time;
        listener.InstrumentPublished = (instrument, l) =>
        {
            // This host's meter only: another host in the same process (tests) has a meter of the same name.
            if (ReferenceEquals(instrument.Meter, metrics.Meter)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => listener.Dispose();

    /// <summary>The figures over the last <paramref name="minutes"/> minutes, for <paramref name="provinces"/> (configured codes, in order).</summary>
    public MetricsSnapshot Snapshot(IEnumerable<string> provinces, int minutes = WindowMinutes)
    {
        listener.RecordObservableInstruments();
        var now = time.GetUtcNow();
        var last = MinuteOf(now);
        var first = last - minutes + 1;
        lock (gate)
        {
            Trim(last - WindowMinutes + 1);
            var instruments = TongbanMetrics.All.Select(spec => new InstrumentFigures(spec.Name, spec.Unit, spec.Kind.ToString().ToLowerInvariant(), spec.Description,
                series.Where(s => s.Key.Instrument == spec.Name).OrderBy(s => s.Key.Series, StringComparer.Ordinal)
                    .Select(s => Point(spec.Kind, s.Value, first)).ToList())).ToList();
            var figures = provinces.Select(code => Province(code, first, last)).ToList();
            return new MetricsSnapshot(now, minutes, figures, instruments);
        }
    }

    private ProvinceFigures Province(string code, long first, long last)
    {
        var calls = series.Where(s => s.Key.Instrument == TongbanMetrics.ProvinceCallDuration.Name && s.Value.Tags.GetValueOrDefault(MetricTags.Province) == code)
            .Select(s => (Error: MetricWords.IsError(s.Value.Tags.GetValueOrDefault(MetricTags.Outcome) ?? ""), s.Value))
            .ToList();
        var minutes = new List<MinuteFigures>();
        for (var minute = first; minute <= last; minute++)
        {
            var buckets = calls.Select(c => (c.Error, Bucket: c.Value.Minutes.GetValueOrDefault(minute))).Where(c => c.Bucket is not null).ToList();
            var values = buckets.SelectMany(b => b.Bucket!.Values).Order().ToList();
            minutes.Add(new MinuteFigures(DateTimeOffset.FromUnixTimeSeconds(minute * 60), buckets.Sum(b => b.Bucket!.Count),
                buckets.Where(b => b.Error).Sum(b => b.Bucket!.Count), Milliseconds(Percentile(values, 0.50)), Milliseconds(Percentile(values, 0.95))));
        }

        var all = calls.SelectMany(c => c.Value.Since(first)).Order().ToList();
        var total = minutes.Sum(m => m.Calls);
        var errors = minutes.Sum(m => m.Errors);
        var circuit = series.TryGetValue((TongbanMetrics.CircuitState.Name, Key([new(MetricTags.Province, code)])), out var state)
            ? TongbanMetrics.CircuitStateName(state.Latest) : "closed";
        return new ProvinceFigures(code, total, errors, total == 0 ? 0 : Math.Round(errors / (double)total, 3),
            new LatencyFigures(Milliseconds(Percentile(all, 0.50)), Milliseconds(Percentile(all, 0.95))), circuit, minutes);
    }

    private static InstrumentPoint Point(MetricKind kind, Series s, long first)
    {
        if (kind != MetricKind.Histogram) return new InstrumentPoint(s.Tags, Value: kind == MetricKind.Counter ? s.Total : s.Latest);
        var window = s.Minutes.Where(m => m.Key >= first).Select(m => m.Value).ToList();
        var values = s.Since(first).Order().ToList();
        return new InstrumentPoint(s.Tags, Count: window.Sum(b => b.Count), Sum: Math.Round(window.Sum(b => b.Sum), 6),
            P50: Percentile(values, 0.50), P95: Percentile(values, 0.95), Max: values.Count == 0 ? null : values[^1]);
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var tag in tags) pairs.Add(new(tag.Key, Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? ""));
        var key = Key(pairs);
        var minute = MinuteOf(time.GetUtcNow());
        lock (gate)
        {
            if (!series.TryGetValue((instrument.Name, key), out var s))
            {
                series[(instrument.Name, key)] = s = new Series(pairs.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
            }

            s.Total += value;
            s.Latest = value;
            if (instrument is Histogram<double>) s.Add(minute, value, sampling);
        }
    }

    private void Trim(long oldest)
    {
        foreach (var s in series.Values)
        {
            foreach (var minute in s.Minutes.Keys.Where(m => m < oldest).ToList()) s.Minutes.Remove(minute);
        }
    }

    private static string Key(IEnumerable<KeyValuePair<string, string>> tags) =>
        string.Join('&', tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));

    private static long MinuteOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;

    /// <summary>Nearest-rank percentile of sorted values; null when there are none.</summary>
    private static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static double? Milliseconds(double? seconds) => seconds is { } s ? Math.Round(s * 1000, 1) : null;

    /// <summary>One tag set of one instrument.</summary>
    private sealed class Series(IReadOnlyDictionary<string, string> tags)
    {
        public IReadOnlyDictionary<string, string> Tags { get; } = tags;

        public double Total { get; set; }

        public double Latest { get; set; }

        public Dictionary<long, Bucket> Minutes { get; } = [];

        public IEnumerable<double> Since(long first) => Minutes.Where(m => m.Key >= first).SelectMany(m => m.Value.Values);

        public void Add(long minute, double value, Random sampling)
        {
            if (!Minutes.TryGetValue(minute, out var bucket)) Minutes[minute] = bucket = new Bucket();
            bucket.Count++;
            bucket.Sum += value;
            if (bucket.Values.Count < MaxValuesPerMinute) bucket.Values.Add(value);
            else if (sampling.NextInt64(bucket.Count) is var slot && slot < MaxValuesPerMinute) bucket.Values[(int)slot] = value;
        }
    }

    private sealed class Bucket
    {
        public long Count { get; set; }

        public double Sum { get; set; }

        public List<double> Values { get; } = [];
    }
}
