using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Tongban.Workflows.Dispatch;

namespace Tongban.Functions;

/// <summary>
/// One dispatcher per member province's queue, and one per poison twin. Failures throw (see
/// ExceptionMiddleware) so host.json's maxDequeueCount decides when a message is poisoned. The
/// <c>[DurableClient]</c> parameter feeds the handler's injected Durable client (see BoundDurableTaskClient).
/// </summary>
public sealed class ProvinceQueueFunctions(ProvinceStepHandler handler)
{
    [Function(nameof(ZhejiangWork))]
    public Task ZhejiangWork([QueueTrigger(ProvinceQueueNames.Zhejiang)] string message, long dequeueCount,
        [DurableClient] DurableTaskClient durable, CancellationToken ct) =>
        handler.HandleAsync(message, dequeueCount, ct);

    [Function(nameof(ZhejiangPoison))]
    public Task ZhejiangPoison([QueueTrigger(ProvinceQueueNames.ZhejiangPoison)] string message,
        [DurableClient] DurableTaskClient durable, CancellationToken ct) =>
        handler.HandlePoisonAsync(message, ct);

    [Function(nameof(ShanghaiWork))]
    public Task ShanghaiWork([QueueTrigger(ProvinceQueueNames.Shanghai)] string message, long dequeueCount,
        [DurableClient] DurableTaskClient durable, CancellationToken ct) =>
        handler.HandleAsync(message, dequeueCount, ct);

    [Function(nameof(ShanghaiPoison))]
    public Task ShanghaiPoison([QueueTrigger(ProvinceQueueNames.ShanghaiPoison)] string message,
        [DurableClient] DurableTaskClient durable, CancellationToken ct) =>
        handler.HandlePoisonAsync(message, ct);

    [Function(nameof(JiangxiWork))]
    public Task JiangxiWork([QueueTrigger(ProvinceQueueNames.Jiangxi)] string message, long dequeueCount,
        [DurableClient] DurableTaskClient durable, CancellationToken ct) =>
        handler.HandleAsync(message, dequeueCount, ct);

    [Function(nameof(JiangxiPoison))]
    public Task JiangxiPoison([QueueTrigger(ProvinceQueueNames.JiangxiPoison)] string message,
        [DurableClient] DurableTaskClient durable, CancellationToken ct) =>
        handler.HandlePoisonAsync(message, ct);

    [Function(nameof(AnhuiWork))]
    public Task AnhuiWork([QueueTrigger(ProvinceQueueNames.Anhui)] string message, long dequeueCount,
        [DurableClient] DurableTaskClient durable, CancellationToken ct) =>
        handler.HandleAsync(message, dequeueCount, ct);

    [Function(nameof(AnhuiPoison))]
    public Task AnhuiPoison([QueueTrigger(ProvinceQueueNames.AnhuiPoison)] string message,
        [DurableClient] DurableTaskClient durable, CancellationToken ct) =>
        handler.HandlePoisonAsync(message, ct);
}
