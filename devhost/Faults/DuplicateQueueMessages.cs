using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Azure;

namespace Tongban.DevHost.Faults;

/// <summary>
/// A devhost-only fault for the fault tests, off unless <c>Tongban:Faults:DuplicateQueueMessages=true</c>: every
/// message the hub puts on a province queue is put there twice, as an at-least-once queue may deliver one twice (in
/// Azure too: a lease lost mid-run, a delete that did not land). The copies are two messages, delivered on their own
/// and possibly at once to two handlers. A message put back for later (a parked step: it has a visibility delay) is
/// not copied, so a parked step is not doubled again on every re-park.
/// </summary>
public sealed partial class DuplicateQueueMessages(IReadOnlySet<string> provinceQueues, ILogger logger) : HttpPipelinePolicy
{
    public const string Setting = "Tongban:Faults:DuplicateQueueMessages";

    /// <summary>Puts the policy on the hub's Azure clients when the setting is on; does nothing otherwise.</summary>
    public static void AddIfConfigured(WebApplicationBuilder builder, IEnumerable<string> provinceQueues)
    {
        if (!builder.Configuration.GetValue(Setting, false)) return;
        var queues = provinceQueues.ToHashSet(StringComparer.Ordinal);
        builder.Services.AddAzureClients(clients => clients.ConfigureDefaults((options, services) => options.AddPolicy(
            new DuplicateQueueMessages(queues, services.GetRequiredService<ILogger<DuplicateQueueMessages>>()), HttpPipelinePosition.PerCall)));
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        if (CopyTarget(message) is not { } queue) return;
        // The same request again (its content is buffered, as for the SDK's own retries): a second message, same text.
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        Log(queue, message);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        if (CopyTarget(message) is not { } queue) return;
        ProcessNext(message, pipeline);
        Log(queue, message);
    }

    /// <summary>The province queue a fresh Put Message (POST {account}/{queue}/messages, 201, no delay) went to; null for anything else.</summary>
    private string? CopyTarget(HttpMessage message)
    {
        if (message.Request.Method != RequestMethod.Post || message.Response.Status != 201) return null;
        var uri = message.Request.Uri;
        if (uri.Query.Contains("visibilitytimeout=", StringComparison.OrdinalIgnoreCase)) return null;
        var segments = uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length >= 2 && segments[^1] == "messages" && provinceQueues.Contains(segments[^2]) ? segments[^2] : null;
    }

    private void Log(string queue, HttpMessage message) =>
        DuplicateInjected(logger, queue, message.Response.Status);

    [LoggerMessage(EventId = 7120, Level = LogLevel.Information, Message = "Fault injected: a message put twice on {Queue} (second put answered {Status})")]
    private static partial void DuplicateInjected(ILogger logger, string queue, int status);
}
