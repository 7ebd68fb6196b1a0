using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tongban.Cases;
using Tongban.Telemetry;

namespace Tongban.Tests.Telemetry;

public sealed class TongbanMetricsTests : IDisposable
{
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 5, 4, 0, 30, TimeSpan.Zero));
    private readonly TongbanMetrics metrics;

    public TongbanMetricsTests() => metrics = new TongbanMetrics(services.GetRequiredService<IMeterFactory>(), clock, NullLogger<TongbanMetrics>.Instance);

    public void Dispose()
    {
        metrics.Dispose();
        services.Dispose();
    }

    [Fact]
    public void The_meter_publishes_exactly_the_documented_instruments()
    {
        var published = new List<Instrument>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter)) published.Add(instrument);
        };
        listener.Start();

        Assert.Equal("Tongban", metrics.Meter.Name);
        Assert.Equal(TongbanMetrics.All.Select(s => (s.Name, s.Unit)).Order(), published.Select(i => (i.Name, i.Unit!)).Order());
        foreach (var spec in TongbanMetrics.All)
        {
            var instrument = published.Single(i => i.Name == spec.Name);
            Assert.Equal(spec.Kind, instrument switch
            {
                Counter<long> => MetricKind.Counter,
                Histogram<double> => MetricKind.Histogram,
                _ when instrument.IsObservable => MetricKind.Gauge,
                _ => (MetricKind)(-1),
            });
            Assert.All(spec.Tags, tag => Assert.Contains(tag, MetricTags.All));
        }
    }

    [Fact]
    public void An_open_circuit_reads_open_in_its_break_then_half_open_and_counts_its_time_until_it_closes()
    {
        metrics.CircuitChanged("310000", "open", clock.GetUtcNow() + TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal((2.0, 10.0), Circuit("310000"));

        clock.Advance(TimeSpan.FromSeconds(25)); // the break is over: the next call probes
        Assert.Equal((1.0, 0.0), Circuit("310000"));

        metrics.CircuitChanged("310000", "half-open");
        metrics.CircuitChanged("310000", "open", clock.GetUtcNow() + TimeSpan.FromSeconds(30)); // the probe failed
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal((2.0, 40.0), Circuit("310000"));

        metrics.CircuitChanged("310000", "closed");
        Assert.Equal((0.0, 0.0), Circuit("310000"));
        Assert.Equal("open", TongbanMetrics.CircuitStateName(2));
        Assert.Equal("half-open", TongbanMetrics.CircuitStateName(1));
        Assert.Equal("closed", TongbanMetrics.CircuitStateName(0));
    }

    [Fact]
    public void Province_samples_are_reported_while_fresh_and_then_no_more()
    {
        metrics.ProvinceSampled("330000", queued: 4, poisoned: 2, parked: 1, held: 3, callbacksStopped: 5);

        var fresh = Observe();
        Assert.Equal(4, fresh[(TongbanMetrics.QueueDepth.Name, "330000")]);
        Assert.Equal(2, fresh[(TongbanMetrics.PoisonDepth.Name, "330000")]);
        Assert.Equal(1, fresh[(TongbanMetrics.StepsParked.Name, "330000")]);
        Assert.Equal(3, fresh[(TongbanMetrics.StepsHeld.Name, "330000")]);
        Assert.Equal(5, fresh[(TongbanMetrics.CallbacksStopped.Name, "330000")]);

        clock.Advance(TongbanMetrics.SampleFreshness + TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(Observe().Keys, k => k.Name == TongbanMetrics.PoisonDepth.Name);
    }

    [Fact]
    public void The_window_gives_each_province_its_calls_errors_percentiles_and_minutes_for_the_last_hour()
    {
        using var window = new MetricWindow(metrics, clock);
        for (var ms = 1; ms <= 100; ms++) metrics.ProvinceCalled("310000", "resident.verify", "ok", TimeSpan.FromMilliseconds(ms));
        metrics.ProvinceCalled("310000", "resident.verify", "transient", TimeSpan.FromMilliseconds(500));
        metrics.ProvinceCalled("310000", "marital.status", "refused", TimeSpan.FromMilliseconds(500));
        metrics.CaseOpened(CaseTypeNames.Marriage, "310000");
        metrics.CaseOpened(CaseTypeNames.Marriage, "310000");

        var snapshot = window.Snapshot(["310000", "330000"]);
        var shanghai = snapshot.Provinces[0];
        Assert.Equal(102, shanghai.Calls);
        Assert.Equal(1, shanghai.Errors);
        Assert.Equal(Math.Round(1 / 102.0, 3), shanghai.ErrorRate);
        Assert.Equal(51.0, shanghai.LatencyMs.P50);
        Assert.Equal(97.0, shanghai.LatencyMs.P95);
        Assert.Equal(60, shanghai.Minutes.Count);
        Assert.Equal(102, shanghai.Minutes[^1].Calls);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 4, 0, 0, TimeSpan.Zero), shanghai.Minutes[^1].At);
        Assert.Equal(0, snapshot.Provinces[1].Calls);
        Assert.Null(snapshot.Provinces[1].LatencyMs.P50);
        var opened = snapshot.Instruments.Single(i => i.Name == TongbanMetrics.CasesOpened.Name);
        Assert.Equal(2, Assert.Single(opened.Points).Value);
        Assert.Equal(CaseTypeNames.Marriage, opened.Points[0].Tags[MetricTags.CaseType]);

        clock.Advance(TimeSpan.FromMinutes(61));
        var later = window.Snapshot(["310000"]);
        Assert.Equal(0, later.Provinces[0].Calls);
        Assert.Equal(2, later.Instruments.Single(i => i.Name == TongbanMetrics.CasesOpened.Name).Points[0].Value); // a counter's total stays
    }

    [Fact]
    public void The_hub_share_leaves_out_the_officer_review_and_the_provinces_slow_work()
    {
        var created = new DateTimeOffset(2026, 12, 5, 1, 0, 0, TimeSpan.Zero);
        var record = new CaseRecord
        {
            CaseId = "c-" + new string('a', 32), CaseType = CaseTypeNames.Marriage, Reference = "r", HandlingProvince = "310000",
            InvolvedProvinces = ["310000"], CreatedAt = created,
        };
        record.Steps.Add(new CaseStep { Name = StepNames.VerifyResident, StartedAt = created, CompletedAt = created.AddSeconds(2) });
        record.Steps.Add(new CaseStep { Name = StepNames.OfficerReview, StartedAt = created.AddSeconds(3), CompletedAt = created.AddMinutes(30) });
        record.Steps.Add(new CaseStep { Name = StepNames.RegisterMarriage, StartedAt = created.AddMinutes(30), CompletedAt = created.AddMinutes(30).AddSeconds(4) });

        var (caseTime, hubTime) = CaseClock.Of(record, created.AddMinutes(30).AddSeconds(5));

        Assert.Equal(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(5), caseTime);
        Assert.Equal(TimeSpan.FromSeconds(8), hubTime);
    }

    private (double State, double OpenSeconds) Circuit(string province)
    {
        var seen = Observe();
        return (seen[(TongbanMetrics.CircuitState.Name, province)], seen[(TongbanMetrics.CircuitOpenDuration.Name, province)]);
    }

    private Dictionary<(string Name, string Province), double> Observe()
    {
        var seen = new Dictionary<(string, string), double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.IsObservable) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags) if (tag.Key == MetricTags.Province) seen[(instrument.Name, (string)tag.Value!)] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }
}
