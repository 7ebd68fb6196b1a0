using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Tongban.Cases.Deadlines;
using Tongban.Storage;

namespace Tongban.Api;

/// <summary>
/// <c>GET /api/v1/health</c>: 200 when storage and the orchestration engine answer, else 503. It also shows the working
/// calendar's covered years, with a warning (which leaves the hub healthy) when the coming 30 days reach a year it lacks.
/// </summary>
public sealed partial class HealthApi(TableServiceClient tables, DurableTaskClient durable, WorkingCalendar calendar, TimeProvider time, ILogger<HealthApi> logger)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    /// <summary>How far ahead a missing calendar year is reported: deadlines of cases opened now reach that far.</summary>
    public static readonly TimeSpan CalendarLookAhead = TimeSpan.FromDays(30);

    private int calendarWarned;

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
            return Results.Json(new { status = "ok", calendar = CalendarDetail() }, TongbanJson.Options);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            HealthCheckFailed(logger, e);
            return Problems.Unavailable("Storage or the orchestration engine does not answer.");
        }
    }

    private object CalendarDetail()
    {
        var today = BeijingTime.Today(time);
        var horizon = BeijingTime.DateOf(time.GetUtcNow() + CalendarLookAhead);
        if (calendar.Covers(today, horizon)) return new { coveredYears = calendar.CoveredYears };
        var missing = Enumerable.Range(today.Year, horizon.Year - today.Year + 1).Where(y => !calendar.CoveredYears.Contains(y)).ToList();
        // Once per process: the probe runs every few seconds.
        if (Interlocked.Exchange(ref calendarWarned, 1) == 0)
            CalendarLacksYears(logger, missing);
        return new
        {
            coveredYears = calendar.CoveredYears,
            warning = $"No official calendar for {string.Join(", ", missing)}: deadlines there count weekends only (calendarCovered: false). Add Tongban:Calendar:Days.",
        };
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Health check failed")]
    private static partial void HealthCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "The working calendar lacks {MissingYears}: deadlines there count weekends only; add Tongban:Calendar:Days")]
    private static partial void CalendarLacksYears(ILogger logger, IEnumerable<int> missingYears);
}
