using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tongban.Api;
using Tongban.Configuration;
using Tongban.Provinces;
using Tongban.Storage;
using Tongban.Workflows.Dispatch;

namespace Tongban.Operations;

/// <summary>
/// What the timer trigger runs, on both hosts: purge the replay window's old nonces, partners', operators' and
/// province callbacks' alike, at most <see cref="MaxNoncesPerRun"/> a run (a backlog goes over the next runs), and slow-work
/// results no ticket was recorded for; after a PII key rotation, re-encrypt a bounded batch of cases under the active key; and the
/// audit trail's signing and history retention (<see cref="AuditHousekeeping"/>).
/// </summary>
public sealed partial class HousekeepingJob(NonceStore nonces, ProvinceRegistry provinces, IOptions<TongbanOptions> options, ILogger<HousekeepingJob> logger,
    CaseDetailsReencryption reencryption, TicketStore tickets, AuditHousekeeping audit)
{
    /// <summary>Nonces are refused for 10 minutes; older rows serve no purpose (a timestamp 300 s off either way is refused first).</summary>
    public static readonly TimeSpan NonceWindow = TimeSpan.FromMinutes(10);

    /// <summary>Unclaimed slow-work results deleted per run at most (<see cref="TicketStore.PurgeUnclaimedAsync"/>).</summary>
    public const int MaxUnclaimedTicketsPerRun = 100;

    /// <summary>Keeps one run short whatever the backlog.</summary>
    public const int MaxNoncesPerRun = 5000;

    /// <summary>Every nonce partition the hub writes: one per partner, per operator, per province that calls back.</summary>
    public IEnumerable<string> NonceCallers() =>
        options.Value.Partners.Keys
            .Concat(options.Value.Operators.Keys.Select(id => PartnerAuthenticator.NonceScope + id))
            .Concat(provinces.Codes.Select(ProvinceCallbackApi.NonceScope));

    public async Task RunAsync(CancellationToken ct)
    {
        var purged = await nonces.PurgeAsync(NonceCallers(), NonceWindow, MaxNoncesPerRun, ct);
        if (purged > 0) NoncesPurged(logger, purged);
        await reencryption.RunAsync(ct);
        var unclaimed = await tickets.PurgeUnclaimedAsync(MaxUnclaimedTicketsPerRun, ct);
        if (unclaimed > 0) UnclaimedResultsPurged(logger, unclaimed);
        await audit.RunIfDueAsync(ct);
    }

    [LoggerMessage(EventId = 5020, Level = LogLevel.Information, Message = "Purged {Count} expired nonces")]
    private static partial void NoncesPurged(ILogger logger, int count);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Information, Message = "Purged {Count} slow-work results no ticket was recorded for")]
    private static partial void UnclaimedResultsPurged(ILogger logger, int count);
}
