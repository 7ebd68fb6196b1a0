using Microsoft.DurableTask;

namespace Tongban.Workflows.Orchestration;

/// <summary>
/// How a case's orchestration calls the hub's activities. They are the hub's own writes (the case row, its audit entries,
/// the steps' queue messages), each safe to run again, so a failure (storage out or timing out, a fault in the process) is
/// tried again with back-off: failed once, the orchestration would end Failed and leave its case open with nothing to drive
/// it. 20 attempts, 5 s after the first failure, doubling to at most 5 min between: about 75 minutes of trying.
/// </summary>
public static class HubActivities
{
    public static readonly RetryPolicy Retry = new(maxNumberOfAttempts: 20, firstRetryInterval: TimeSpan.FromSeconds(5),
        backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(5));

    public static readonly TaskOptions Options = TaskOptions.FromRetryPolicy(Retry);
}
