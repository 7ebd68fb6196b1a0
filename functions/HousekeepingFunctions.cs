using Microsoft.Azure.Functions.Worker;
using Tongban.Operations;

namespace Tongban.Functions;

/// <summary>The timer triggers: slow-work tickets every 5 s, the housekeeping job every minute.</summary>
public sealed class HousekeepingFunctions(HousekeepingJob job, SlowWorkPoller poller)
{
    [Function(TimerNames.PollSlowWork)]
    public Task PollSlowWork([TimerTrigger("*/5 * * * * *")] TimerInfo timer, CancellationToken ct) => poller.PollAsync(ct);

    [Function(TimerNames.Housekeeping)]
    public Task Housekeeping([TimerTrigger("0 */1 * * * *")] TimerInfo timer, CancellationToken ct) => job.RunAsync(ct);
}
