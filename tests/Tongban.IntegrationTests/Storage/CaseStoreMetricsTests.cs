using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tongban.Cases;
using Tongban.Cases.Deadlines;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;
using Tongban.Telemetry;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// What the case store tells the meter, on Azurite: a case opened once however often its creation is retried, ended once when
/// its status becomes final, and each legal time limit counted missed once per case and limit, by whichever write finds it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CaseStoreMetricsTests(AzuriteFixture azurite) : IAsyncLifetime, IDisposable
{
    // A Monday morning in Beijing: register-newborn is due at the end of the 5th working day after.
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(T0);
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener listener = new();
    private readonly List<(string Name, double Value, Dictionary<string, string> Tags)> measured = [];
    private TongbanMetrics? metrics;
    private readonly CancellationToken Ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public Task InitializeAsync()
    {
        metrics = new TongbanMetrics(services.GetRequiredService<IMeterFactory>(), clock, NullLogger<TongbanMetrics>.Instance);
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument.Name, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument.Name, value, tags));
        listener.Start();
        return new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([], CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        listener.Dispose();
        metrics?.Dispose();
        services.Dispose();
    }

    [Fact]
    public async Task A_case_is_opened_and_ended_once_and_its_missed_limit_counted_once()
    {
        var store = new CaseStore(azurite.Tables, CaseData.NewCipher(), clock, WorkingCalendar.Official, metrics);
        var command = CaseData.MarriageCommand("310000", "310000", "310000");
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, T0, CaseTypeNames.Newborn);
        await store.CreateAsync(record, command, Ct);
        await store.CreateAsync(record, command, Ct); // a retried open: the row is there already
        Assert.Equal(1, Count(TongbanMetrics.CasesOpened.Name));

        await store.UpdateAsync(record.CaseId, r =>
        {
            r.Status = CaseStatus.InProgress;
            r.Step(StepNames.RegisterNewborn, null, "340000").Status = StepStatus.Waiting;
            r.Step(StepNames.RegisterNewborn, null, "340000").StartedAt = T0;
            return true;
        }, Ct);
        clock.Advance(TimeSpan.FromDays(2));
        await store.UpdateAsync(record.CaseId, r => { r.Step(StepNames.RegisterNewborn, null, "340000").Detail = "waiting"; return true; }, Ct);
        Assert.Equal(0, Count(TongbanMetrics.DeadlinesMissed.Name));

        // Two weeks on, still waiting: the next write finds the limit missed, and later writes do not count it again.
        clock.Advance(TimeSpan.FromDays(12));
        await store.UpdateAsync(record.CaseId, r => { r.Step(StepNames.RegisterNewborn, null, "340000").Detail = "still waiting"; return true; }, Ct);
        await store.UpdateAsync(record.CaseId, r =>
        {
            var step = r.Step(StepNames.RegisterNewborn, null, "340000");
            step.Status = StepStatus.Succeeded;
            step.CompletedAt = clock.GetUtcNow();
            r.Status = CaseStatus.Completed;
            return true;
        }, Ct);
        await store.UpdateAsync(record.CaseId, r => { r.Closed = true; return true; }, Ct);

        var missed = Assert.Single(measured, m => m.Name == TongbanMetrics.DeadlinesMissed.Name);
        Assert.Equal(new Dictionary<string, string>
        {
            [MetricTags.CaseType] = CaseTypeNames.Newborn, [MetricTags.Province] = "340000", [MetricTags.Limit] = CaseDeadlines.NewbornDecided,
        }, missed.Tags);
        Assert.Equal([CaseDeadlines.NewbornDecided], (await store.GetAsync(record.CaseId, Ct))!.Record.DeadlinesMissed);
        var ended = Assert.Single(measured, m => m.Name == TongbanMetrics.CasesEnded.Name);
        Assert.Equal("Completed", ended.Tags[MetricTags.Status]);
        // The police's two weeks are the province's time, not the hub's.
        var share = Assert.Single(measured, m => m.Name == TongbanMetrics.HubShare.Name);
        Assert.InRange(share.Value, 0.0, 1.0);
    }

    private double Count(string name) => measured.Where(m => m.Name == name).Sum(m => m.Value);

    private void Add(string name, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags) pairs[tag.Key] = tag.Value?.ToString() ?? "";
        lock (measured) measured.Add((name, value, pairs));
    }
}
