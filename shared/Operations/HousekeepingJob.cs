using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tongban.Configuration;
using Tongban.Storage;

namespace Tongban.Operations;

/// <summary>
/// What the timer trigger runs, on both hosts: purge the replay window's old nonces and slow-work results no ticket was
/// recorded for, and after a PII key rotation re-encrypt a bounded batch of cases under the active key.
/// </summary>
public sealed class HousekeepingJob(NonceStore nonces, IOptions<TongbanOptions> options, ILogger<HousekeepingJob> logger,
    CaseDetailsReencryption reencryption, TicketStore tickets)
{
    /// <summary>Nonces are refused for 10 minutes; older rows serve no purpose.</summary>
    public static readonly TimeSpan NonceWindow = TimeSpan.FromMinutes(10);

    /// <summary>Unclaimed slow-work results deleted per run at most (<see cref="TicketStore.PurgeUnclaimedAsync"/>).</summary>
    public const int MaxUnclaimedTicketsPerRun = 100;

    public async Task RunAsync(CancellationToken ct)
    {
        var callers = options.Value.Partners.Keys.Concat(options.Value.Operators.Keys.Select(id => Api.PartnerAuthenticator.NonceScope + id));
        var purged = await nonces.PurgeAsync(callers, NonceWindow, ct);
        if (purged > 0) logger.LogInformation("Purged {Count} expired nonces", purged);
        await reencryption.RunAsync(ct);
        var unclaimed = await tickets.PurgeUnclaimedAsync(MaxUnclaimedTicketsPerRun, ct);
        if (unclaimed > 0) logger.LogInformation("Purged {Count} slow-work results no ticket was recorded for", unclaimed);
    }
}
