namespace Tongban.Storage;

/// <summary>What a queue trigger (Functions) or queue loop (devhost) hands each message to.</summary>
public interface IQueueMessageHandler
{
    /// <summary>Handles one delivery; throwing leaves the message for a retry (and finally the poison queue).</summary>
    Task HandleAsync(string message, long dequeueCount, CancellationToken ct);

    /// <summary>Handles a message that exhausted its deliveries.</summary>
    Task HandlePoisonAsync(string message, CancellationToken ct);
}
