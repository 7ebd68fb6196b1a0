using Microsoft.Azure.Functions.Worker;
using Tongban.Callbacks;

namespace Tongban.Functions;

/// <summary>Status callbacks to partners, off their own queue so a partner that is down never holds a case up.</summary>
public sealed class PartnerCallbackFunctions(PartnerCallbackSender sender)
{
    public const string PoisonQueue = PartnerCallbackOutbox.QueueName + "-poison";

    [Function(nameof(PartnerCallbacks))]
    public Task PartnerCallbacks([QueueTrigger(PartnerCallbackOutbox.QueueName)] string message, long dequeueCount, CancellationToken ct) =>
        sender.HandleAsync(message, dequeueCount, ct);

    [Function(nameof(PartnerCallbacksPoison))]
    public Task PartnerCallbacksPoison([QueueTrigger(PoisonQueue)] string message, CancellationToken ct) =>
        sender.HandlePoisonAsync(message, ct);
}
