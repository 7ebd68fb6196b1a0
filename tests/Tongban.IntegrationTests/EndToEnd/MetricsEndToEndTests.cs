using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Tongban.Cases;
using Tongban.Cases.Deadlines;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Provinces;
using Tongban.Telemetry;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>
/// The <c>Tongban</c> meter over a devhost run (issue 12 §1): a marriage, a newborn registration and a school transfer move the
/// counters, histograms and gauges as they should, heard by a <see cref="MeterListener"/> of the test's own on the hub's meter;
/// <c>GET /api/v1/operator/metrics</c> answers the agreed shape with the same figures; bad query input is problem+json; and no
/// tag holds anything but the hub's own words.
/// </summary>
public sealed class MetricsEndToEndTests(MetricsEndToEndTests.MetricsHub hub) : IClassFixture<MetricsEndToEndTests.MetricsHub>
{
    private const string OperatorId = "ops-metrics";

    [Fact]
    public async Task Three_services_move_the_meter_and_the_operator_endpoint_shows_it()
    {
        var marriage = await MarriageAsync();
        var newborn = await OpenAsync(hub.Partner(Newborns.AhToSh.Mother.Hukou), Newborns.WithMother(Newborns.AhToSh).ToJsonString());
        var transfer = await OpenAsync(hub.Partner("330000"), System.Text.Json.JsonSerializer.Serialize(Students.Body(Students.ShDongQiang, "330000")));
        await HubFixture.WaitForStatusAsync(hub.Partner(Newborns.AhToSh.Mother.Hukou), newborn, "Completed");
        await HubFixture.WaitForStatusAsync(hub.Partner("330000"), transfer, "Completed");
        // The callback of the marriage's last status change, and a redrive-timer pass that reads the queues after the run.
        await Eventually.UntilAsync(() => Task.FromResult(hub.Measured.Any(m => m.Name == TongbanMetrics.CallbackLag.Name && m.Tags[MetricTags.Outcome] == "delivered")
            && hub.Callbacks.AcceptedFor(marriage).Any(c => c.Status == "Completed")), TimeSpan.FromSeconds(30), "the marriage's last callback");
        var sampledAfter = DateTimeOffset.UtcNow;
        await Eventually.UntilAsync(() => Task.FromResult(hub.Sampled(sampledAfter)), TimeSpan.FromSeconds(15), "a redrive pass reading every province");

        var measured = hub.Measured.ToList();
        Assert.Equal(1, Sum(measured, TongbanMetrics.CasesOpened, (MetricTags.CaseType, CaseTypeNames.Marriage), (MetricTags.Province, "310000")));
        Assert.Equal(1, Sum(measured, TongbanMetrics.CasesOpened, (MetricTags.CaseType, CaseTypeNames.Newborn), (MetricTags.Province, "310000")));
        Assert.Equal(1, Sum(measured, TongbanMetrics.CasesOpened, (MetricTags.CaseType, CaseTypeNames.SchoolTransfer), (MetricTags.Province, "330000")));
        foreach (var type in new[] { CaseTypeNames.Marriage, CaseTypeNames.Newborn, CaseTypeNames.SchoolTransfer })
        {
            Assert.Equal(1, Sum(measured, TongbanMetrics.CasesEnded, (MetricTags.CaseType, type), (MetricTags.Status, "Completed")));
            var share = Assert.Single(measured, m => m.Name == TongbanMetrics.HubShare.Name && m.Tags[MetricTags.CaseType] == type);
            Assert.InRange(share.Value, 0.0, 120.0);
        }

        // The officer's wait is not the hub's: the marriage's share is its whole time less the review.
        var marriageShare = measured.Single(m => m.Name == TongbanMetrics.HubShare.Name && m.Tags[MetricTags.CaseType] == CaseTypeNames.Marriage).Value;
        Assert.True(marriageShare < hub.MarriageSeconds - hub.OfficerSeconds + 1, $"hub share {marriageShare} s of {hub.MarriageSeconds} s with {hub.OfficerSeconds} s at review");

        // A step's duration is recorded just after the write that may end its case, so a status read can see the end first:
        // each operation's measurement is waited for, and one that never comes is named.
        string[] operations =
        [
            CanonicalOperations.ResidentVerify, CanonicalOperations.MaritalStatus, CanonicalOperations.MarriageRegister, CanonicalOperations.MaritalUpdate,
            CanonicalOperations.BirthVerify, CanonicalOperations.BirthMarkUsed, CanonicalOperations.NewbornRegister,
            CanonicalOperations.StudentRecord, CanonicalOperations.TransferOutRequest, CanonicalOperations.StudentEnroll, CanonicalOperations.TransferOutConfirm,
        ];
        IEnumerable<string> Unmeasured() => operations.Where(operation => !hub.Measured.Any(m => m.Name == TongbanMetrics.StepDuration.Name
            && m.Tags[MetricTags.Operation] == operation && m.Tags[MetricTags.Outcome] == "succeeded"));
        for (var waited = 0; waited < 400 && Unmeasured().Any(); waited++) await Task.Delay(25);
        Assert.Empty(Unmeasured());
        measured = hub.Measured.ToList();
        var answered = measured.Where(m => m.Name == TongbanMetrics.StepDuration.Name).ToList();

        var calls = measured.Where(m => m.Name == TongbanMetrics.ProvinceCallDuration.Name).ToList();
        Assert.True(calls.Count >= answered.Count, $"{calls.Count} province calls for {answered.Count} step answers");
        Assert.All(calls, c => Assert.InRange(c.Value, 0.0, 30.0));
        Assert.Contains(calls, c => c.Tags[MetricTags.Province] == "310000" && c.Tags[MetricTags.Outcome] == "ok");
        // The one limit these cases miss: the newborn's sandbox certificate (born 2026-09-17) is over a month old, so its
        // registration comes after the one-month limit; counted once. Every other limit is kept.
        var missed = Assert.Single(measured, m => m.Name == TongbanMetrics.DeadlinesMissed.Name);
        Assert.Equal((CaseDeadlines.NewbornWithinMonthOfBirth, CaseTypeNames.Newborn, 1.0), (missed.Tags[MetricTags.Limit], missed.Tags[MetricTags.CaseType], missed.Value));

        // Gauges: every province's circuit closed once called, its queues read by the redrive timer, nothing parked or poisoned.
        foreach (var code in new[] { "330000", "310000", "360000", "340000" })
        {
            Assert.Equal(0, Latest(measured, TongbanMetrics.PoisonDepth, code));
            Assert.Equal(0, Latest(measured, TongbanMetrics.StepsParked, code));
            Assert.Equal(0, Latest(measured, TongbanMetrics.StepsHeld, code));
            Assert.NotNull(Latest(measured, TongbanMetrics.QueueDepth, code));
        }

        Assert.Equal(0, Latest(measured, TongbanMetrics.CircuitState, "310000"));
        Assert.Equal(0, Latest(measured, TongbanMetrics.CircuitOpenDuration, "310000"));

        // The ended case's times are a log field (what the hub-share alert reads), never a metric tag.
        Assert.Contains(hub.Logs.Lines(), l => l.Contains($"CaseId={marriage}", StringComparison.Ordinal) && l.Contains($"{MetricLog.HubShareField}=", StringComparison.Ordinal));

        // The operator endpoint: the agreed shape, with the figures the meter holds.
        var answer = await hub.Operator(OperatorId).GetAsync("/api/v1/operator/metrics");
        Assert.Equal(200, answer.Status);
        var json = answer.Json!;
        Assert.Equal(60, (int)json["windowMinutes"]!);
        Assert.NotNull(json["at"]);
        var provinces = json["provinces"]!.AsArray();
        Assert.Equal(new[] { "310000", "330000", "340000", "360000" }, provinces.Select(p => p!["code"]!.ToString()));
        var shanghai = provinces.Single(p => p!["code"]!.ToString() == "310000")!;
        var shanghaiCalls = calls.Count(c => c.Tags[MetricTags.Province] == "310000");
        Assert.Equal(shanghaiCalls, (int)shanghai["calls"]!);
        Assert.Equal(0, (int)shanghai["errors"]!);
        Assert.Equal(0.0, (double)shanghai["errorRate"]!);
        Assert.True((double)shanghai["latencyMs"]!["p50"]! > 0);
        Assert.True((double)shanghai["latencyMs"]!["p95"]! >= (double)shanghai["latencyMs"]!["p50"]!);
        Assert.Equal("closed", shanghai["circuit"]!.ToString());
        var minutes = shanghai["minutes"]!.AsArray();
        Assert.Equal(60, minutes.Count);
        Assert.Equal(shanghaiCalls, minutes.Sum(m => (int)m!["calls"]!));
        Assert.Contains(minutes, m => m!["p95Ms"] is not null);

        var instruments = json["instruments"]!.AsArray();
        Assert.Equal(TongbanMetrics.All.Select(s => s.Name), instruments.Select(i => i!["name"]!.ToString()));
        var opened = instruments.Single(i => i!["name"]!.ToString() == TongbanMetrics.CasesOpened.Name)!;
        Assert.Equal("{case}", opened["unit"]!.ToString());
        Assert.Equal(1.0, (double)opened["points"]!.AsArray().Single(p => p!["tags"]![MetricTags.CaseType]!.ToString() == CaseTypeNames.SchoolTransfer)!["value"]!);
        var shares = instruments.Single(i => i!["name"]!.ToString() == TongbanMetrics.HubShare.Name)!["points"]!.AsArray();
        Assert.Equal(3, shares.Sum(p => (int)p!["count"]!));

        AssertNoTagHoldsPersonalData(measured, [marriage, newborn, transfer]);
    }

    [Theory]
    [InlineData("?windowMinutes=0", "windowMinutes")]
    [InlineData("?windowMinutes=61", "windowMinutes")]
    [InlineData("?windowMinutes=ten", "windowMinutes")]
    [InlineData("?windowMinutes=5&windowMinutes=6", "windowMinutes")]
    [InlineData("?province=999999", "province")]
    [InlineData("?province=310000&province=330000", "province")]
    public async Task Bad_query_input_is_answered_field_by_field(string query, string field)
    {
        var answer = await hub.Operator(OperatorId).GetAsync("/api/v1/operator/metrics" + query);

        Assert.Equal(400, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal("urn:tongban:problem:validation", answer.Json!["type"]!.ToString());
        Assert.NotNull(answer.Json!["errors"]![field]);
    }

    [Fact]
    public async Task One_province_over_a_shorter_window_is_answered_alone()
    {
        var answer = await hub.Operator(OperatorId).GetAsync("/api/v1/operator/metrics?province=360000&windowMinutes=5");

        Assert.Equal(200, answer.Status);
        Assert.Equal(5, (int)answer.Json!["windowMinutes"]!);
        var province = Assert.Single(answer.Json!["provinces"]!.AsArray());
        Assert.Equal("360000", province!["code"]!.ToString());
        Assert.Equal(5, province["minutes"]!.AsArray().Count);
    }

    [Fact]
    public async Task Partners_and_unsigned_callers_get_nothing()
    {
        var asPartner = await hub.Partner("310000").GetAsync("/api/v1/operator/metrics");
        var wrongSecret = await hub.Operator(OperatorId, "not-the-operator-secret-but-32-bytes-long").GetAsync("/api/v1/operator/metrics");

        Assert.Equal(401, asPartner.Status);
        Assert.Equal(401, wrongSecret.Status);
        Assert.Equal("application/problem+json", wrongSecret.ContentType);
    }

    private async Task<string> MarriageAsync()
    {
        var shanghai = hub.Partner("310000");
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Marriages.Body("310000", "310115", Marriages.ZjMan1, Marriages.ShWoman1)))!;
        body["callbackUrl"] = hub.Callbacks.Url + "hooks/metrics";
        var started = DateTimeOffset.UtcNow;
        var caseId = await OpenAsync(shanghai, body.ToJsonString());
        await HubFixture.WaitForStatusAsync(shanghai, caseId, "AwaitingReview");
        // The officer takes a while: time the hub's share must not count.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var reviewEnds = DateTimeOffset.UtcNow;
        var decided = await shanghai.PostAsync($"/api/v1/cases/{caseId}/decisions", new { step = "officer-review", decision = "approve", officer = "SH-OFFICER-1" });
        Assert.Equal(202, decided.Status);
        var done = await HubFixture.WaitForStatusAsync(shanghai, caseId, "Completed");
        hub.MarriageSeconds = (done["updatedAt"]!.GetValue<DateTimeOffset>() - done["createdAt"]!.GetValue<DateTimeOffset>()).TotalSeconds;
        var review = done["steps"]!.AsArray().Single(s => s!["name"]!.ToString() == "officer-review")!;
        hub.OfficerSeconds = (reviewEnds - review["startedAt"]!.GetValue<DateTimeOffset>()).TotalSeconds;
        Assert.True(reviewEnds > started);
        return caseId;
    }

    private static async Task<string> OpenAsync(DevHost.Demo.PartnerClient partner, string body)
    {
        var opened = await partner.PostAsync("/api/v1/cases", body, Marriages.Key());
        Assert.Equal(202, opened.Status);
        return opened["caseId"]!;
    }

    private static double Sum(IEnumerable<Measured> measured, MetricSpec spec, params (string Key, string Value)[] tags) =>
        measured.Where(m => m.Name == spec.Name && tags.All(t => m.Tags.GetValueOrDefault(t.Key) == t.Value)).Sum(m => m.Value);

    private static double? Latest(IEnumerable<Measured> measured, MetricSpec spec, string province) =>
        measured.LastOrDefault(m => m.Name == spec.Name && m.Tags.GetValueOrDefault(MetricTags.Province) == province)?.Value;

    /// <summary>Every tag key is one of the documented ones, and every value a word of the hub's own: no case ID, ID number or name.</summary>
    private static void AssertNoTagHoldsPersonalData(IReadOnlyList<Measured> measured, string[] caseIds)
    {
        var vocabulary = new HashSet<string>(StringComparer.Ordinal)
        {
            CaseTypeNames.Marriage, CaseTypeNames.Newborn, CaseTypeNames.SchoolTransfer, "330000", "310000", "360000", "340000",
            "ok", "no-record", "refused", "transient", "defect", "succeeded", "failed", "waiting", "delivered",
            CaseDeadlines.MarriageRegisteredSameDay, CaseDeadlines.NewbornDecided, CaseDeadlines.NewbornWithinMonthOfBirth, CaseDeadlines.TransferOutReviewed, CaseDeadlines.StudentEnrolled,
        };
        vocabulary.UnionWith(Enum.GetNames<CaseStatus>());
        vocabulary.UnionWith(typeof(CanonicalOperations).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!));
        var idNumber = new Regex(@"\d{17}[\dXx]", RegexOptions.CultureInvariant);
        foreach (var m in measured)
        {
            var spec = TongbanMetrics.All.Single(s => s.Name == m.Name);
            Assert.All(m.Tags, tag =>
            {
                Assert.Contains(tag.Key, spec.Tags);
                Assert.True(vocabulary.Contains(tag.Value), $"{m.Name} tag {tag.Key}={tag.Value} is not a word of the hub's");
                Assert.DoesNotMatch(idNumber, tag.Value);
                Assert.DoesNotContain(tag.Value, caseIds);
            });
        }
    }

    public sealed record Measured(string Name, double Value, IReadOnlyDictionary<string, string> Tags, DateTimeOffset At);

    /// <summary>A hub whose meter a listener of the test's own hears, with an operator, fast slow work and a redrive pass every second.</summary>
    public sealed class MetricsHub : HubFixture, IAsyncLifetime
    {
        private readonly MeterListener listener = new();
        private readonly ConcurrentQueue<Measured> measured = new();
        private Dictionary<string, TimeSpan>? slowWork;

        public FakeLoggerProvider Logs { get; } = new();

        public IEnumerable<Measured> Measured => measured;

        public double MarriageSeconds { get; set; }

        public double OfficerSeconds { get; set; }

        /// <summary>Whether a redrive pass has read every province's queues since <paramref name="after"/> (the gauges then report them).</summary>
        public bool Sampled(DateTimeOffset after)
        {
            listener.RecordObservableInstruments();
            return new[] { "330000", "310000", "360000", "340000" }.All(code => measured.Any(m => m.Name == TongbanMetrics.QueueDepth.Name && m.At >= after
                && m.Tags.GetValueOrDefault(MetricTags.Province) == code));
        }

        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings[$"Tongban:Operators:{OperatorId}:Secret"] = "operator-secret-for-metrics-tests-0001";
            settings["Tongban:Redrive:Period"] = "00:00:01";
            settings["Logging:LogLevel:Tongban"] = "Information";
        }

        protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(Logs);

        async Task IAsyncLifetime.InitializeAsync()
        {
            await base.InitializeAsync();
            var meter = Hub.Services.GetRequiredService<TongbanMetrics>().Meter;
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter)) l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            listener.Start();
            slowWork = Newborns.FastSlowWork(Sandbox, E2eTimings.SlowWorkDelay);
        }

        async Task IAsyncLifetime.DisposeAsync()
        {
            listener.Dispose();
            if (slowWork is not null) Newborns.RestoreSlowWork(Sandbox, slowWork);
            await base.DisposeAsync();
        }

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var tag in tags) pairs[tag.Key] = tag.Value?.ToString() ?? "";
            measured.Enqueue(new Measured(instrument.Name, value, pairs, DateTimeOffset.UtcNow));
        }
    }
}
