using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Tongban.IntegrationTests.Faults;

/// <summary>
/// "Never lose a case" (issue 4): a province down for a minute in the middle of a run. Its calls fail, its circuit
/// opens and parks them, the cases wait; once it is back, the circuit closes and every case ends as it should, each
/// province effect once.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class OutageTests(ITestOutputHelper output)
{
    /// <summary>Shanghai: of the 20 planned marriages, 12 involve it (10 are registered there).</summary>
    private const string Down = "310000";

    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Cases_ride_out_a_province_down_for_a_minute_and_its_circuit_opens_then_closes()
    {
        var clock = Stopwatch.StartNew();
        await using var rig = await FaultRig.StartAsync(output);
        var log = new HubLog(clock);
        var hub = await rig.StartHubAsync("hub", ResilientHub.Settings(), log.Add);
        rig.Sandbox.Knobs.Shanghai.CallbackBaseUrl = hub.Url;
        var run = new CaseRun(rig, [code => rig.Partner(hub, code)]);
        var plan = CasePlan.MarriageCases(20);
        for (var i = 0; i < plan.Count; i++) plan[i].Number = i + 1;
        var involved = plan.OfType<PlannedMarriage>().Count(c => c.Handling == Down || c.Man.Hukou == Down || c.Woman.Hukou == Down);
        var knobs = rig.Sandbox.Knobs[Down];

        using var stop = new CancellationTokenSource();
        var officer = run.WatchAsync(stop.Token);
        foreach (var planned in plan.Take(plan.Count / 2))
        {
            await run.OpenAsync(planned, 0, stop.Token);
            await Task.Delay(300);
        }

        // The sandbox's timed outage: down from now, up again by itself.
        knobs.DownFor(Outage);
        var downAt = clock.Elapsed;
        rig.Log($"province {Down} down for {Outage.TotalSeconds:0} s, {run.Cases.Count(c => c.Final is null)} cases in flight");
        foreach (var planned in plan.Skip(plan.Count / 2))
        {
            await run.OpenAsync(planned, 0, stop.Token);
            await Task.Delay(1_000);
        }

        while (knobs.IsDown) await Task.Delay(50);
        var upAt = clock.Elapsed;
        var waiting = run.Cases.Count(c => c.Final is null);
        rig.Log($"province {Down} up again; {waiting} cases not final");
        var allFinal = await run.WaitAllFinalAsync(TimeSpan.FromSeconds(90));
        var drain = clock.Elapsed - upAt;
        await stop.CancelAsync();
        await officer;

        var (lost, findings) = run.Verify();
        var (duplicates, problems) = (findings.Duplicates, findings.Problems);
        var failed = run.Cases.Count(c => FaultRig.Status(c.Final ?? new JsonObject()) == "Failed");
        var updates = rig.Sandbox.State.MaritalUpdates;
        rig.Report($"outage: cases={run.Cases.Count} lost={lost} duplicates={duplicates} failed={failed} drain={drain.TotalSeconds:0.0}s " +
            $"(involving {Down}: {involved}; waiting when it came back: {waiting}; marital updates: {updates.Count} with " +
            $"{updates.Sum(u => u.Deliveries)} deliveries; all final: {allFinal}; {clock.Elapsed.TotalSeconds:0} s in all)");
        foreach (var problem in problems) rig.Log("PROBLEM: " + problem);

        // The breaker, from the hub's own log: opened during the outage, probed (half-open), closed once the province was back.
        var circuit = log.Matching($"Province {Down} circuit ");
        foreach (var line in circuit)
        {
            rig.Log($"{(line.At - downAt).TotalSeconds,5:0.0} s into the outage: {line.Text[line.Text.IndexOf("Province", StringComparison.Ordinal)..]}");
        }

        var opened = circuit.Where(l => l.Text.Contains("circuit opened", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(opened);
        Assert.All(opened, l => Assert.InRange(l.At, downAt, upAt + ResilientHub.BreakDuration));
        Assert.Contains(circuit, l => l.Text.Contains("circuit half-open", StringComparison.Ordinal));
        var closed = Assert.Single(circuit, l => l.Text.Contains("circuit closed", StringComparison.Ordinal));
        rig.Log($"the circuit closed {(closed.At - upAt).TotalSeconds:0.0} s after the province was back, the last case ended {drain.TotalSeconds:0.0} s after");
        Assert.True(closed.At >= upAt, $"the circuit closed at {closed.At}, before the province was back at {upAt}");
        Assert.Same(closed, circuit[^1]);
        // One province's outage opens no other province's circuit.
        Assert.DoesNotContain(log.Matching("circuit opened"), l => !l.Text.Contains($"Province {Down} ", StringComparison.Ordinal));

        Assert.Equal(20, run.Cases.Count);
        Assert.True(allFinal, "not every case ended within 90 s of the province's return");
        Assert.Equal(0, lost);
        Assert.Equal(0, duplicates);
        Assert.Equal(0, failed);
        Assert.Empty(problems);
    }
}
