using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tongban.Provinces;
using Tongban.Storage;
using Tongban.Telemetry;
using Tongban.Workflows.Dispatch;

namespace Tongban.Api;

/// <summary>
/// <c>POST /api/v1/provinces/{code}/callbacks</c>: slow-work results pushed by a province's own systems,
/// authenticated with that province's scheme. At least once, possibly twice, possibly before the hub
/// recorded the ticket: the result is stored durably before 204, and a repeat is answered 204 again.
/// </summary>
public sealed partial class ProvinceCallbackApi(
    ProvinceRegistry provinces, IEnumerable<IProvinceCallbackReader> readers, NonceStore nonces, TicketStore tickets,
    ProvinceStepHandler handler, TimeProvider time, ILogger<ProvinceCallbackApi> logger, CitizenIndex citizens)
{
    // Every reader's result is scrubbed of ID numbers before the ticket store, the step or a log sees it.
    private readonly Dictionary<string, IProvinceCallbackReader> readersByScheme =
        readers.ToDictionary(r => r.Scheme, IProvinceCallbackReader (r) => new ScrubbedCallbackReader(r), StringComparer.OrdinalIgnoreCase);

    /// <summary>The nonce partition of a province's callbacks.</summary>
    public static string NonceScope(string province) => "callback-" + province;

    public async Task<IResult> HandleAsync(HttpRequest request, string code)
    {
        var ct = request.HttpContext.RequestAborted;
        if (!provinces.IsMember(code) || !readersByScheme.TryGetValue(provinces.Endpoint(code).Scheme, out var reader))
        {
            return Problems.NotFound("This province does not send callbacks.");
        }

        var body = await RequestBody.ReadAsync(request, ct);
        if (body is null) return Problems.PayloadTooLarge(RequestBody.Limit);
        var (callback, refusal) = reader.Read(provinces.Endpoint(code), request, PartnerAuthenticator.PathAndQuery(request), body, time.GetUtcNow());
        if (callback is null)
        {
            ProvinceCallbackRefused(logger, code, refusal!.Reason);
            return refusal.Unauthenticated ? Problems.Unauthenticated()
                : Problems.Validation(new Dictionary<string, string[]> { ["body"] = [refusal.Reason] });
        }

        if (!await nonces.TryRecordAsync(NonceScope(code), callback.Nonce, ct))
        {
            ProvinceCallbackNonceReused(logger, code);
            return Problems.Unauthenticated();
        }

        // An early result is kept with its new ID number masked: its keyed hash goes beside it, so the child is still indexed.
        var item = await tickets.DeliverAsync(code, callback.Ticket, citizens.WithLookup(callback.Result), ct);
        if (item is null)
        {
            ProvinceCallbackEarly(logger, code, callback.Ticket);
        }
        else
        {
            // The province's request is its own trace: the step's (from the ticket) is this span's parent, the request a link.
            using var scope = Telemetry.CaseLogScope.Begin(logger, item);
            using var span = Telemetry.CaseSpans.SlowWorkEnded(item, "callback");
            span.WithOutcome(callback.Result.State.ToString());
            await handler.CompleteSlowWorkAsync(item, callback.Result, ct);
            await tickets.SettleAsync(code, callback.Ticket, ct);
        }

        return Results.NoContent();
    }

    [LoggerMessage(EventId = 1040, Level = LogLevel.Warning, Message = "Callback from {Province} refused: {Reason}")]
    private static partial void ProvinceCallbackRefused(ILogger logger, string province, string reason);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Warning, Message = "Callback from {Province} refused: the nonce was used before")]
    private static partial void ProvinceCallbackNonceReused(ILogger logger, string province);

    [LoggerMessage(EventId = 1042, Level = LogLevel.Information, Message = "Callback from {Province} for ticket {Ticket} came before the ticket was recorded; kept")]
    private static partial void ProvinceCallbackEarly(ILogger logger, string province, string ticket);
}
