using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Tongban.Storage;

namespace Tongban.Api;

/// <summary><c>GET /api/v1/health</c>: 200 when storage and the orchestration engine answer, else 503.</summary>
public sealed class HealthApi(TableServiceClient tables, DurableTaskClient durable, ILogger<HealthApi> logger)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    public async Task<IResult> CheckAsync(HttpRequest request)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        cts.CancelAfter(Budget);
        try
        {
            var table = tables.GetTableClient(StorageNames.CasesTable);
            await foreach (var _ in table.QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cts.Token).AsPages(pageSizeHint: 1))
            {
                break;
            }

            await durable.GetInstanceAsync("health-probe", getInputsAndOutputs: false, cts.Token);
            return Results.Json(new { status = "ok" }, TongbanJson.Options);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Health check failed");
            return Problems.Unavailable("Storage or the orchestration engine does not answer.");
        }
    }
}
