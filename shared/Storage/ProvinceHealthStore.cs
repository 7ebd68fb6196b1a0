using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Tongban.Provinces.Resilience;

namespace Tongban.Storage;

/// <summary>What the hub last saw of a province: when it last answered, when it last failed, its circuit, the last probe.</summary>
public sealed record ProvinceHealth(
    string Province, DateTimeOffset? LastAnsweredAt, DateTimeOffset? LastFailedAt, string Circuit, DateTimeOffset? CircuitChangedAt,
    DateTimeOffset? LastProbeAt)
{
    /// <summary>Answering again: its latest word was an answer, not a fault, and its circuit is not open.</summary>
    public bool Answering => LastAnsweredAt is { } answered && (LastFailedAt is not { } failed || answered > failed) && Circuit != "open";
}

/// <summary>
/// Province health as every hub process sees it (one row per province), for the redrive timer and the operator
/// view. Calls are recorded at most every <see cref="Throttle"/> per process and province unless the answer changes,
/// so a busy province costs a write every few seconds, not one per call.
/// </summary>
public sealed partial class ProvinceHealthStore(TableServiceClient tables, TimeProvider time, ILogger<ProvinceHealthStore> logger) : IProvinceCircuitObserver
{
    public static readonly TimeSpan Throttle = TimeSpan.FromSeconds(5);
    private const string Row = "health";
    private readonly TableClient table = tables.GetTableClient(StorageNames.ProvinceHealthTable);
    private readonly ConcurrentDictionary<string, (bool Answered, DateTimeOffset At)> written = new(StringComparer.Ordinal);

    /// <summary>Records that the province answered (any answer, refusals included) or failed transiently.</summary>
    public async Task RecordCallAsync(string province, bool answered, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (written.TryGetValue(province, out var last) && last.Answered == answered && now - last.At < Throttle) return;
        written[province] = (answered, now);
        try
        {
            await table.UpsertEntityAsync(new TableEntity(province, Row) { [answered ? "LastAnsweredAt" : "LastFailedAt"] = now }, TableUpdateMode.Merge, ct);
        }
        catch (RequestFailedException e)
        {
            // Advisory: the call's own result matters more than this note of it.
            written.TryRemove(province, out _);
            HealthNotRecorded(logger, e, province);
        }
    }

    public async Task RecordProbeAsync(string province, CancellationToken ct) =>
        await table.UpsertEntityAsync(new TableEntity(province, Row) { ["LastProbeAt"] = time.GetUtcNow() }, TableUpdateMode.Merge, ct);

    public async Task<ProvinceHealth> GetAsync(string province, CancellationToken ct)
    {
        var found = await table.GetEntityIfExistsAsync<TableEntity>(province, Row, cancellationToken: ct);
        if (!found.HasValue) return new ProvinceHealth(province, null, null, "closed", null, null);
        var e = found.Value!;
        return new ProvinceHealth(province, e.GetDateTimeOffset("LastAnsweredAt"), e.GetDateTimeOffset("LastFailedAt"),
            e.GetString("Circuit") ?? "closed", e.GetDateTimeOffset("CircuitChangedAt"), e.GetDateTimeOffset("LastProbeAt"));
    }

    /// <summary>A circuit changed state in this process: recorded for the other processes and the operator view, without holding up the call.</summary>
    public void CircuitChanged(string province, string state) => _ = RecordCircuitAsync(province, state);

    private async Task RecordCircuitAsync(string province, string state)
    {
        try
        {
            var now = time.GetUtcNow();
            var row = new TableEntity(province, Row) { ["Circuit"] = state, ["CircuitChangedAt"] = now };
            // A circuit that opens says the province failed; one that closes, that it answered.
            if (state == "open") row["LastFailedAt"] = now;
            if (state == "closed") row["LastAnsweredAt"] = now;
            await table.UpsertEntityAsync(row, TableUpdateMode.Merge);
        }
        catch (RequestFailedException e)
        {
            CircuitNotRecorded(logger, e, province, state);
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Province {Province} health not recorded")]
    private static partial void HealthNotRecorded(ILogger logger, Exception exception, string province);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Province {Province} circuit {State} not recorded")]
    private static partial void CircuitNotRecorded(ILogger logger, Exception exception, string province, string state);
}
