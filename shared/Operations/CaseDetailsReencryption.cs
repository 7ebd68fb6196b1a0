using Microsoft.Extensions.Logging;
using Tongban.Storage;

namespace Tongban.Operations;

/// <summary>
/// After a key rotation, moves case details sealed under an older key of the ring to the active key, a bounded number of
/// rows per run (the housekeeping timer runs it, on both hosts). Idempotent: a row already under the active key is not
/// read again, and a row changed meanwhile is left for the next run. The ring is fixed for the process's life, so once a
/// run finds nothing left the job stops querying until the next start; with a one-key ring it never queries.
/// </summary>
public sealed partial class CaseDetailsReencryption(CaseStore cases, PiiKeyRing ring, ILogger<CaseDetailsReencryption> logger)
{
    /// <summary>Rows rewritten per run at most: a run stays short, and a large backlog drains over a few minutes.</summary>
    public const int MaxRowsPerRun = 200;

    /// <summary>Pages read per run at most, so rows it cannot open never make a run scan the whole table.</summary>
    public const int MaxPagesPerRun = 10;

    private volatile bool finished;

    public async Task<ReencryptionRun?> RunAsync(CancellationToken ct)
    {
        if (finished || ring.KeyIds.Count() < 2) return null;
        var run = await cases.ReencryptAsync(MaxRowsPerRun, MaxPagesPerRun, ct);
        if (run.Rewritten > 0 || run.Conflicts > 0)
        {
            CasesReencrypted(logger, run.Rewritten, ring.ActiveKeyId, run.Conflicts);
        }

        if (run.Unreadable > 0)
        {
            CasesUnreadable(logger, run.Unreadable);
        }

        if (!run.More)
        {
            finished = true;
            if (run.Unreadable == 0) NoCaseUnderOlderKey(logger, ring.ActiveKeyId);
        }

        return run;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Re-encrypted {Count} cases under PII key {KeyId} ({Conflicts} changed meanwhile, retried next run)")]
    private static partial void CasesReencrypted(ILogger logger, int count, string keyId, int conflicts);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "{Count} cases have details under no key of the ring or untagged: they cannot be re-encrypted")]
    private static partial void CasesUnreadable(ILogger logger, int count);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "No case details left under an older PII key than {KeyId}: older keys may leave the ring once the idempotency window is past")]
    private static partial void NoCaseUnderOlderKey(ILogger logger, string keyId);
}
