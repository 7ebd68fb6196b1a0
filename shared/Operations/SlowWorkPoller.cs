using Microsoft.Extensions.Logging;
using Tongban.Provinces;
using Tongban.Telemetry;
using Tongban.Workflows.Dispatch;

namespace Tongban.Operations;

/// <summary>
/// The ticket poller the timer trigger runs: for each province that finishes slow work by polling,
/// query its due tickets (one partition query) and ask the province; a final answer completes the
/// step, a pending one is asked again later with back-off per ticket.
/// </summary>
public sealed partial class SlowWorkPoller(ProvinceRegistry provinces, TicketStore tickets, ProvinceStepHandler handler, ILogger<SlowWorkPoller> logger)
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);
    private const int BatchPerProvince = 50;

    /// <summary>Polls every due ticket once; returns how many steps it completed.</summary>
    public async Task<int> PollAsync(CancellationToken ct)
    {
        var completed = 0;
        foreach (var code in provinces.Codes)
        {
            if (provinces.Adapter(code).SlowWork != SlowWorkCompletion.Polling) continue;
            var due = await tickets.DueAsync(code, BatchPerProvince, ct);
            var results = await Task.WhenAll(due.Select(ticket => PollOneAsync(ticket, ct)));
            completed += results.Count(done => done);
        }

        return completed;
    }

    /// <summary>The back-off before the next poll of a ticket that has been polled <paramref name="polls"/> times.</summary>
    public static TimeSpan NextDelay(int polls) =>
        TimeSpan.FromTicks(Math.Min(FirstDelay.Ticks * (1L << Math.Min(polls, 20)), MaxDelay.Ticks));

    private async Task<bool> PollOneAsync(TicketRecord ticket, CancellationToken ct)
    {
        // A due ticket always has its item (DueAsync skips early results): its lines carry the case, step and province.
        using var scope = ticket.Item is { } waiting ? CaseLogScope.Begin(logger, waiting) : null;
        try
        {
            var answer = await provinces.Adapter(ticket.Province).QueryTicketAsync(new SlowTicket(ticket.Ticket), ct);
            var result = answer.Kind switch
            {
                AnswerKind.Ok => answer.Value!,
                // The province lost the ticket: a business answer that ends the step.
                _ => new SlowWorkResult(SlowWorkState.Rejected, answer.Reason ?? "the province has no record of the ticket"),
            };
            if (result.State == SlowWorkState.Processing)
            {
                await tickets.PostponeAsync(ticket, NextDelay(ticket.Polls), ct);
                return false;
            }

            var item = await tickets.DeliverAsync(ticket.Province, ticket.Ticket, result, ct);
            if (item is null) return false;
            using var span = CaseSpans.SlowWorkEnded(item, "poll");
            span.WithOutcome(result.State.ToString());
            await handler.CompleteSlowWorkAsync(item, result, ct);
            // Only now: a crash before this line leaves the ticket to be polled again.
            await tickets.SettleAsync(ticket.Province, ticket.Ticket, ct);
            return true;
        }
        catch (Exception e) when (e is ProvinceTransientException or ProvinceDefectException or HttpRequestException or OrchestrationNotStartedException)
        {
            TicketPollFailed(logger, ticket.Province, e.Message);
            await tickets.PostponeAsync(ticket, NextDelay(ticket.Polls), ct);
            return false;
        }
    }

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Ticket poll at {Province} failed: {Error}; trying later")]
    private static partial void TicketPollFailed(ILogger logger, string province, string error);
}
