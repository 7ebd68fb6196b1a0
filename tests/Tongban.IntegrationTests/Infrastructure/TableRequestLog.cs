using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>Each table request a client sends, as "VERB table[ status]", the status only when not 2xx (an Azure.Core pipeline policy).</summary>
public sealed class TableRequestLog : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentQueue<string> lines = new();

    public IReadOnlyList<string> Lines => [.. lines];

    public void Clear() => lines.Clear();

    public override void OnReceivedResponse(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var table = message.Request.Uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).FirstOrDefault()?.Split('(')[0];
        var status = message.Response.Status is >= 200 and < 300 ? "" : $" {message.Response.Status}";
        lines.Enqueue($"{message.Request.Method} {table}{status}");
    }
}
