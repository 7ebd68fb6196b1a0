using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Tongban.Provinces;
using Tongban.Provinces.Resilience;
using Xunit.Abstractions;

namespace Tongban.Tests.Provinces.Resilience;

/// <summary>
/// Issue 15: a Zhejiang marital.update that failed three times then succeeded took 95 s right after a busy spell, 18 s alone.
/// The step's deliveries, replayed on a fake clock through a province circuit with the production settings (break 30 s, ten
/// calls, half failing) and the devhost queue's back-off (2 s doubling) and parking (the rest of the break, whole seconds):
/// the difference is the breaker's, not the province's. Each failed half-open probe opens the circuit for a whole break again.
/// </summary>
public sealed class BreakerHoldupTests(ITestOutputHelper output)
{
    private const string Province = "330000";
    private static readonly TimeSpan QueueRetryDelay = TimeSpan.FromSeconds(2);

    private static ProvinceCircuit CircuitOn(FakeTimeProvider clock)
    {
        var monitor = new ServiceCollection().AddOptions().BuildServiceProvider().GetRequiredService<IOptionsMonitor<ProvinceResilienceOptions>>();
        return new ProvinceCircuits(monitor, NullLoggerFactory.Instance, clock).For(Province);
    }

    /// <summary>The step until the province's answer: its first <paramref name="failures"/> calls fail transiently. Returns the time taken and the calls made.</summary>
    private static async Task<(TimeSpan Took, int Calls, int Parked)> RunStepAsync(ProvinceCircuit circuit, FakeTimeProvider clock, int failures)
    {
        var start = clock.GetUtcNow();
        var (calls, parked, delivery) = (0, 0, 1);
        while (true)
        {
            try
            {
                await circuit.ExecuteAsync(CanonicalOperations.MaritalUpdate, _ =>
                    ++calls <= failures ? throw new ProvinceTransientException(Province, "code 99: system busy") : Task.FromResult(true), CancellationToken.None);
                return (clock.GetUtcNow() - start, calls, parked);
            }
            catch (ProvinceParkedException e)
            {
                // Back on the queue as a new message (delivery count from one), visible again after the rest of the break.
                parked++;
                delivery = 1;
                clock.Advance(TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(e.RetryAfter.TotalSeconds))));
            }
            catch (ProvinceTransientException)
            {
                clock.Advance(QueueRetryDelay * Math.Pow(2, delivery - 1));
                delivery++;
            }
        }
    }

    [Fact]
    public async Task After_a_busy_spell_each_failed_probe_costs_a_whole_break_where_alone_a_retry_costs_the_queues_back_off()
    {
        var aloneClock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var alone = await RunStepAsync(CircuitOn(aloneClock), aloneClock, failures: 3);

        // Zhejiang busy for 10 s under other cases' calls (two a second): the circuit opens once ten have failed.
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var circuit = CircuitOn(clock);
        var openedAt = (TimeSpan?)null;
        for (var t = 0; t < 20; t++)
        {
            try
            {
                await circuit.ExecuteAsync<bool>(CanonicalOperations.ResidentVerify, _ => throw new ProvinceTransientException(Province, "code 99: system busy"), CancellationToken.None);
            }
            catch (ProvinceParkedException)
            {
            }
            catch (ProvinceTransientException)
            {
            }

            if (openedAt is null && circuit.IsParked) openedAt = clock.GetUtcNow() - DateTimeOffset.UnixEpoch;
            clock.Advance(TimeSpan.FromMilliseconds(500));
        }

        var afterBusy = await RunStepAsync(circuit, clock, failures: 3);
        var breakDuration = new ProvinceCircuitBreakerOptions().BreakDuration;
        output.WriteLine($"alone: {alone.Took.TotalSeconds:0} s, {alone.Calls} calls, parked {alone.Parked}x");
        output.WriteLine($"after busy: circuit opened at {openedAt?.TotalSeconds:0.0} s of the busy spell; step {afterBusy.Took.TotalSeconds:0} s, {afterBusy.Calls} calls, parked {afterBusy.Parked}x (break {breakDuration.TotalSeconds:0} s)");

        // The province saw the same four calls either way.
        Assert.Equal((4, 4), (alone.Calls, afterBusy.Calls));
        // Alone: three back-offs of the queue (2 + 4 + 8 s), the circuit never opened.
        Assert.Equal((TimeSpan.FromSeconds(14), 0), (alone.Took, alone.Parked));
        // After the busy spell: the rest of the first break, then a whole break per failed probe (three), parked in between.
        Assert.NotNull(openedAt);
        Assert.True(afterBusy.Took >= breakDuration * 3, $"took {afterBusy.Took}");
        Assert.True(afterBusy.Parked >= 4, $"parked {afterBusy.Parked}x");
    }
}
