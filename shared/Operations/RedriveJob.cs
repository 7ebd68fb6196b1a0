using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tongban.Configuration;
using Tongban.Provinces;
using Tongban.Storage;
using Tongban.Workflows.Dispatch;

namespace Tongban.Operations;

/// <summary>
/// The redrive timer, on both hosts. For each province with parked steps or poison messages: once the province
/// answers again (its latest word an answer, its circuit not open), its poison messages go back on its queue and
/// every parked step is re-driven; until then, one parked step is re-driven every probe interval to find out.
/// Steps held failed wait for an operator: their province answered, wrongly.
/// </summary>
public sealed partial class RedriveJob(
    ProvinceRegistry provinces, AttentionIndex attention, ProvinceHealthStore health, ProvinceStepQueue queue, CaseRedriver redriver,
    IOptions<TongbanOptions> options, TimeProvider time, ILogger<RedriveJob> logger, Telemetry.TongbanMetrics? metrics = null)
{
    public const string Actor = "redrive-timer";

    public async Task RunAsync(CancellationToken ct)
    {
        foreach (var province in provinces.Codes)
        {
            await RunAsync(province, ct);
        }
    }

    /// <summary>One province's pass; returns what it did.</summary>
    public async Task<RedrivePass> RunAsync(string province, CancellationToken ct)
    {
        var listed = await attention.ListAsync(province, ct);
        var parked = listed.Where(i => i.Parked).ToList();
        var depth = await queue.DepthAsync(province, ct);
        // What this pass reads anyway is what the gauges report: no storage request of their own.
        metrics?.ProvinceSampled(province, depth.Queued, depth.Poisoned, parked.Count,
            listed.Count(i => i.AwaitingRedrive && !i.Parked), listed.Count(i => i.Reason == "callbacks"));
        if (parked.Count == 0 && depth.Poisoned == 0) return new RedrivePass(province, 0, 0, Probe: false);

        var seen = await health.GetAsync(province, ct);
        if (seen.Answering)
        {
            var moved = depth.Poisoned > 0 ? await queue.RequeuePoisonAsync(province, options.Value.Redrive.MaxRequeue, ct) : 0;
            var redriven = 0;
            foreach (var item in parked)
            {
                var done = await redriver.RedriveAsync(item.CaseId, Actor, $"{province} answers again", s => s.Key == item.Step && s.Status == Cases.StepStatus.Waiting, ct);
                redriven += done?.Steps.Count ?? 0;
            }

            ProvinceAnswersAgain(logger, province, moved, redriven);
            return new RedrivePass(province, moved, redriven, Probe: false);
        }

        if (parked.Count == 0 || (seen.LastProbeAt is { } probed && time.GetUtcNow() - probed < options.Value.Redrive.ProbeInterval))
        {
            return new RedrivePass(province, 0, 0, Probe: false);
        }

        await health.RecordProbeAsync(province, ct);
        var oldest = parked[0];
        var probe = await redriver.RedriveAsync(oldest.CaseId, Actor, $"probe: is {province} answering again?", s => s.Key == oldest.Step && s.Status == Cases.StepStatus.Waiting, ct);
        ProvinceProbed(logger, province, oldest.CaseId, oldest.Step);
        return new RedrivePass(province, 0, probe?.Steps.Count ?? 0, Probe: true);
    }

    [LoggerMessage(EventId = 5030, Level = LogLevel.Information, Message = "Province {Province} answers again: {Moved} poison message(s) moved back, {Redriven} parked step(s) re-driven")]
    private static partial void ProvinceAnswersAgain(ILogger logger, string province, int moved, int redriven);

    [LoggerMessage(EventId = 5031, Level = LogLevel.Information, Message = "Province {Province} still not answering: probing with case {CaseId} step {Step}")]
    private static partial void ProvinceProbed(ILogger logger, string province, string caseId, string step);
}

/// <summary>What one province's redrive pass did.</summary>
public sealed record RedrivePass(string Province, int PoisonMoved, int Redriven, bool Probe);
