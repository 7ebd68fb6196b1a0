using Microsoft.Azure.Functions.Worker;
using Tongban.Operations;

namespace Tongban.Functions;

/// <summary>The timer trigger: the shared housekeeping job, every minute.</summary>
public sealed class HousekeepingFunctions(HousekeepingJob job)
{
    [Function(nameof(Housekeeping))]
    public Task Housekeeping([TimerTrigger("0 */1 * * * *")] TimerInfo timer, CancellationToken ct) => job.RunAsync(ct);
}
