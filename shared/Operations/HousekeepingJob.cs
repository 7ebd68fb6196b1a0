using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tongban.Configuration;
using Tongban.Storage;

namespace Tongban.Operations;

/// <summary>
/// What the timer trigger runs, on both hosts: purge the replay window's old nonces (and, as the
/// workflows grow, poll slow tickets and re-drive parked steps).
/// </summary>
public sealed class HousekeepingJob(NonceStore nonces, IOptions<TongbanOptions> options, ILogger<HousekeepingJob> logger,
    CaseDetailsReencryption reencryption)
{
    /// <summary>Nonces are refused for 10 minutes; older rows serve no purpose.</summary>
    public static readonly TimeSpan NonceWindow = TimeSpan.FromMinutes(10);

    public async Task RunAsync(CancellationToken ct)
    {
        var callers = options.Value.Partners.Keys.Concat(options.Value.Operators.Keys.Select(id => Api.PartnerAuthenticator.NonceScope + id));
        var purged = await nonces.PurgeAsync(callers, NonceWindow, ct);
        if (purged > 0) logger.LogInformation("Purged {Count} expired nonces", purged);
        await reencryption.RunAsync(ct);
    }
}
