using System.Diagnostics;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Tongban.Provinces;
using Tongban.Provinces.Resilience;

namespace Tongban.Tests.Provinces.Resilience;

// Real loopback HTTP and real (short) durations; each test stays well under ten seconds.
public sealed class ProvinceProtectionTests
{
    private static readonly Person Someone = new("310115199202022345", "Li");

    // Trips after three failed calls in a row; parks for one second.
    private static readonly (string, string)[] QuickBreaker =
    [
        ("CircuitBreaker:FailureRatio", "0.5"),
        ("CircuitBreaker:MinimumThroughput", "3"),
        ("CircuitBreaker:SamplingDuration", "00:00:05"),
        ("CircuitBreaker:BreakDuration", "00:00:01"),
    ];

    private static StubReply ShanghaiResident(RecordedRequest _) =>
        StubReply.Json("""{"match":true,"hukouDivision":"310115","residentStatus":"normal"}""");

    [Fact(Timeout = 10_000)]
    public async Task Calls_over_the_rate_limit_are_parked_with_a_retry_after_and_never_sent()
    {
        await using var harness = await ProtectedProvinceHarness.ShanghaiAsync(ShanghaiResident, ("RequestsPerSecond", "1"), ("Burst", "3"));
        var adapter = harness.Adapter;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            try
            {
                await adapter.VerifyResidentAsync(Someone, CancellationToken.None);
                return (Exception?)null;
            }
            catch (ProvinceTransientException e)
            {
                return e;
            }
        }));

        Assert.Equal(3, harness.Stub.Requests.Count);
        Assert.Equal(3, outcomes.Count(o => o is null));
        var parked = outcomes.OfType<ProvinceParkedException>().ToList();
        Assert.Equal(7, parked.Count);
        Assert.All(parked, p =>
        {
            Assert.Equal("310000", p.Province);
            Assert.InRange(p.RetryAfter, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1));
        });
        // Our own limit is no evidence against the province.
        Assert.Equal(CircuitState.Closed, harness.Circuit.State);
    }

    [Fact(Timeout = 10_000)]
    public async Task Circuit_opens_after_consecutive_503s_and_parks_calls_without_touching_the_province()
    {
        await using var harness = await ProtectedProvinceHarness.ShanghaiAsync(_ => new StubReply(503), QuickBreaker);
        var adapter = harness.Adapter;

        for (var i = 0; i < 3; i++)
        {
            var failed = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.VerifyResidentAsync(Someone, CancellationToken.None));
            Assert.IsNotType<ProvinceParkedException>(failed);
        }

        Assert.Equal(CircuitState.Open, harness.Circuit.State);
        var parked = await Assert.ThrowsAsync<ProvinceParkedException>(() => adapter.VerifyResidentAsync(Someone, CancellationToken.None));
        Assert.InRange(parked.RetryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        Assert.IsType<BrokenCircuitException>(parked.InnerException, exactMatch: false);
        Assert.Equal(3, harness.Stub.Requests.Count);
        Assert.True(harness.Circuit.IsParked);
        Assert.Equal(["opened"], harness.Logs.CircuitStates("310000"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Circuit_half_opens_after_the_break_and_closes_when_the_probe_succeeds()
    {
        var down = true;
        await using var harness = await ProtectedProvinceHarness.ShanghaiAsync(r => Volatile.Read(ref down) ? new StubReply(503) : ShanghaiResident(r), QuickBreaker);
        var adapter = harness.Adapter;
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.VerifyResidentAsync(Someone, CancellationToken.None));
        }

        await Assert.ThrowsAsync<ProvinceParkedException>(() => adapter.VerifyResidentAsync(Someone, CancellationToken.None));
        Volatile.Write(ref down, false);
        await Task.Delay(TimeSpan.FromMilliseconds(1200));

        var answer = await adapter.VerifyResidentAsync(Someone, CancellationToken.None);

        Assert.True(answer.IsOk);
        Assert.Equal(CircuitState.Closed, harness.Circuit.State);
        Assert.Equal(4, harness.Stub.Requests.Count);
        Assert.Equal(["opened", "half-open", "closed"], harness.Logs.CircuitStates("310000"));
        var opened = harness.Logs.GetSnapshot().First(e => e.Message.Contains("circuit opened", StringComparison.Ordinal));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, opened.Level);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_call_parked_while_the_half_open_probe_is_out_comes_back_after_a_fifth_of_the_break_not_a_whole_one()
    {
        var down = true;
        using var probeHeld = new ManualResetEventSlim(false);
        await using var harness = await ProtectedProvinceHarness.ShanghaiAsync(r =>
        {
            if (Volatile.Read(ref down)) return new StubReply(503);
            probeHeld.Wait(TimeSpan.FromSeconds(5));
            return ShanghaiResident(r);
        }, [.. QuickBreaker.Where(s => s.Item1 != "CircuitBreaker:BreakDuration"), ("CircuitBreaker:BreakDuration", "00:00:05")]);
        var adapter = harness.Adapter;
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.VerifyResidentAsync(Someone, CancellationToken.None));
        }

        Volatile.Write(ref down, false);
        await Task.Delay(TimeSpan.FromMilliseconds(5200));
        var probe = adapter.VerifyResidentAsync(Someone, CancellationToken.None);
        var until = Stopwatch.StartNew();
        while (harness.Circuit.State != CircuitState.HalfOpen && until.Elapsed < TimeSpan.FromSeconds(3)) await Task.Delay(20);
        Assert.Equal(CircuitState.HalfOpen, harness.Circuit.State);

        var parked = await Assert.ThrowsAsync<ProvinceParkedException>(() => adapter.VerifyResidentAsync(Someone, CancellationToken.None));
        probeHeld.Set();

        Assert.Equal(TimeSpan.FromSeconds(1), parked.RetryAfter);
        Assert.True((await probe).IsOk);
        Assert.Equal(CircuitState.Closed, harness.Circuit.State);
    }

    [Fact(Timeout = 10_000)]
    public async Task Zhejiang_busy_code_99_in_an_http_200_body_opens_the_circuit_too()
    {
        await using var harness = await ProtectedProvinceHarness.ZhejiangAsync(
            r => r.Path == "/zj/gateway/token"
                ? StubReply.Json("""{"code":"00","msg":"ok","data":{"requestSecret":"rs-1","expiresInSeconds":900}}""")
                : StubReply.Json("""{"code":"99","msg":"system busy","data":{}}"""),
            QuickBreaker);
        var adapter = harness.Adapter;

        for (var i = 0; i < 3; i++)
        {
            var busy = await Assert.ThrowsAsync<ProvinceTransientException>(() => adapter.VerifyResidentAsync(Someone, CancellationToken.None));
            Assert.Contains("code 99", busy.Message, StringComparison.Ordinal);
        }

        var sent = harness.Stub.Requests.Count;
        await Assert.ThrowsAsync<ProvinceParkedException>(() => adapter.VerifyResidentAsync(Someone, CancellationToken.None));
        Assert.Equal(sent, harness.Stub.Requests.Count);
        Assert.Equal(["opened"], harness.Logs.CircuitStates("330000"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Business_answers_keep_the_circuit_closed()
    {
        await using var harness = await ProtectedProvinceHarness.ShanghaiAsync(
            _ => StubReply.Json("""{"error":{"code":"NOT_FOUND","message":"no such resident"}}""", 404), QuickBreaker);

        for (var i = 0; i < 5; i++)
        {
            var answer = await harness.Adapter.VerifyResidentAsync(Someone, CancellationToken.None);
            Assert.Equal(AnswerKind.NoRecord, answer.Kind);
        }

        Assert.Equal(CircuitState.Closed, harness.Circuit.State);
        Assert.Empty(harness.Logs.CircuitStates("310000"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Shanghai_429_surfaces_its_Retry_After()
    {
        await using var harness = await ProtectedProvinceHarness.ShanghaiAsync(
            _ => new StubReply(429, """{"error":{"code":"RATE_LIMITED","message":"slow down"}}""", new Dictionary<string, string> { ["Retry-After"] = "7" }));

        var limited = await Assert.ThrowsAsync<ProvinceTransientException>(() => harness.Adapter.VerifyResidentAsync(Someone, CancellationToken.None));

        Assert.IsNotType<ProvinceParkedException>(limited);
        Assert.Equal(TimeSpan.FromSeconds(7), limited.RetryAfter);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_slow_province_is_a_transient_fault_once_the_attempt_timeout_passes()
    {
        await using var harness = await ProtectedProvinceHarness.ShanghaiAsync(
            _ => new StubReply(200, """{"match":true,"hukouDivision":"310115","residentStatus":"normal"}""", Delay: TimeSpan.FromSeconds(5)),
            ("AttemptTimeout", "00:00:00.300"));
        var clock = Stopwatch.StartNew();

        var slow = await Assert.ThrowsAsync<ProvinceTransientException>(() => harness.Adapter.VerifyResidentAsync(Someone, CancellationToken.None));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
        Assert.IsNotType<ProvinceParkedException>(slow);
        Assert.IsType<TimeoutRejectedException>(slow.InnerException);
        Assert.Equal("310000", slow.Province);
    }

    [Fact(Timeout = 10_000)]
    public async Task Out_of_range_settings_fail_naming_the_key()
    {
        await using var harness = await ProtectedProvinceHarness.ShanghaiAsync(ShanghaiResident, ("RequestsPerSecond", "0"), ("CircuitBreaker:FailureRatio", "2"));

        var invalid = Assert.Throws<OptionsValidationException>(() => harness.Circuit);

        Assert.Contains("'Tongban:Provinces:310000:Resilience:RequestsPerSecond'", invalid.Message, StringComparison.Ordinal);
        Assert.Contains("'Tongban:Provinces:310000:Resilience:CircuitBreaker:FailureRatio'", invalid.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task The_registry_hands_out_adapters_behind_their_circuit()
    {
        await using var harness = await ProtectedProvinceHarness.ShanghaiAsync(ShanghaiResident);

        var adapter = Assert.IsType<ProtectedProvinceAdapter>(harness.Adapter);

        Assert.Equal("310000", adapter.ProvinceCode);
        Assert.Equal(SlowWorkCompletion.Callback, adapter.SlowWork);
        Assert.True((await adapter.VerifyResidentAsync(Someone, CancellationToken.None)).IsOk);
    }
}
