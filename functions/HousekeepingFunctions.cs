using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Tongban.Operations;

namespace Tongban.Functions;

/// <summary>
/// The timer triggers: slow-work tickets every 5 s, parked steps and poison messages every 30 s, housekeeping every minute.
/// The first two complete or re-drive steps through Durable, so they declare the <c>[DurableClient]</c> binding.
/// </summary>
public sealed class HousekeepingFunctions(HousekeepingJob job, SlowWorkPoller poller, RedriveJob redrive)
{
    [Function(TimerNames.PollSlowWork)]
    public Task PollSlowWork([TimerTrigger("*/5 * * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken ct) =>
        poller.PollAsync(ct);

    [Function(TimerNames.RedriveParked)]
    public Task RedriveParked([TimerTrigger("*/30 * * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken ct) =>
        redrive.RunAsync(ct);

    [Function(TimerNames.Housekeeping)]
    public Task Housekeeping([TimerTrigger("0 */1 * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken ct) => job.RunAsync(ct);
}
