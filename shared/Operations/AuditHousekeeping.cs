using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tongban.Audit;
using Tongban.Configuration;

namespace Tongban.Operations;

/// <summary>
/// The audit trail's share of housekeeping, at most every <see cref="Every"/>: signs the heads of open cases not signed for
/// <c>Tongban:Audit:SignEvery</c> (and of ended cases with entries after their last signature, such as a callback delivered
/// after the end), and purges the Durable orchestration history of cases ended more than
/// <c>Tongban:Retention:OrchestrationHistory</c> ago (<see cref="DurableTaskClient.PurgeInstanceAsync(string, CancellationToken)"/>,
/// which the devhost's engine serves too). The case row and the trail stay.
/// </summary>
public sealed partial class AuditHousekeeping(AuditTrail trail, AuditSigner signer, DurableTaskClient durable, IOptions<TongbanOptions> options, TimeProvider time,
    ILogger<AuditHousekeeping> logger)
{
    /// <summary>How often the pass runs within the housekeeping timer: each reads every case's head.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(10);

    /// <summary>Heads signed and histories purged per pass at most; a backlog goes over the next passes.</summary>
    public const int MaxPerRun = 500;

    private DateTimeOffset nextRun = DateTimeOffset.MinValue;
    private bool warnedUnsigned;

    /// <summary>The pass, when it is due.</summary>
    public async Task RunIfDueAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now < nextRun) return;
        nextRun = now + Every;
        await SignDueHeadsAsync(ct);
        await PurgeHistoryAsync(now - options.Value.Retention.OrchestrationHistory, ct);
    }

    public async Task<int> SignDueHeadsAsync(CancellationToken ct)
    {
        if (!signer.CanSign)
        {
            if (!warnedUnsigned) NoSigningKey(logger);
            warnedUnsigned = true;
            return 0;
        }

        var signedCount = await trail.SignDueHeadsAsync(time.GetUtcNow() - options.Value.Audit.SignEvery, MaxPerRun, ct);
        if (signedCount > 0) HeadsSigned(logger, signedCount);
        return signedCount;
    }

    /// <summary>Purges the orchestration history of cases that ended before <paramref name="endedBefore"/>; returns how many.</summary>
    public async Task<int> PurgeHistoryAsync(DateTimeOffset endedBefore, CancellationToken ct)
    {
        var purged = 0;
        foreach (var caseId in await trail.EndedBeforeAsync(endedBefore, MaxPerRun, ct))
        {
            // Nothing to purge (already gone) counts the same: the case is marked so it is not asked again.
            await durable.PurgeInstanceAsync(caseId, ct);
            await trail.MarkHistoryPurgedAsync(caseId, ct);
            purged++;
        }

        if (purged > 0) HistoryPurged(logger, purged);
        return purged;
    }

    [LoggerMessage(EventId = 5040, Level = LogLevel.Warning, Message = "No audit signing key (Tongban:Audit:SigningKey): case heads are not signed")]
    private static partial void NoSigningKey(ILogger logger);

    [LoggerMessage(EventId = 5041, Level = LogLevel.Information, Message = "Signed {Count} audit head(s)")]
    private static partial void HeadsSigned(ILogger logger, int count);

    [LoggerMessage(EventId = 5042, Level = LogLevel.Information, Message = "Purged the orchestration history of {Count} ended case(s)")]
    private static partial void HistoryPurged(ILogger logger, int count);
}
