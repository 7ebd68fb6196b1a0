using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tongban.Provinces;
using Tongban.Storage;
using Tongban.Workflows.Steps;

namespace Tongban.Api;

/// <summary>
/// <c>POST /api/v1/provinces/{code}/callbacks</c>: slow-work results pushed by a province's own systems,
/// authenticated with that province's scheme. At least once, possibly twice, possibly before the hub
/// recorded the ticket: the result is stored durably before 204, and a repeat is answered 204 again.
/// </summary>
public sealed class ProvinceCallbackApi(
    ProvinceRegistry provinces, IEnumerable<IProvinceCallbackReader> readers, NonceStore nonces, TicketStore tickets,
    ProvinceWorkHandler handler, TimeProvider time, ILogger<ProvinceCallbackApi> logger)
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
            logger.LogWarning("Callback from {Province} refused: {Reason}", code, refusal!.Reason);
            return refusal.Unauthenticated ? Problems.Unauthenticated()
                : Problems.Validation(new Dictionary<string, string[]> { ["body"] = [refusal.Reason] });
        }

        if (!await nonces.TryRecordAsync(NonceScope(code), callback.Nonce, ct))
        {
            logger.LogWarning("Callback from {Province} refused: the nonce was used before", code);
            return Problems.Unauthenticated();
        }

        var item = await tickets.DeliverAsync(code, callback.Ticket, callback.Result, ct);
        if (item is null)
        {
            logger.LogInformation("Callback from {Province} for ticket {Ticket} came before the ticket was recorded; kept", code, callback.Ticket);
        }
        else
        {
            await handler.CompleteSlowWorkAsync(item, callback.Result, ct);
            await tickets.SettleAsync(code, callback.Ticket, ct);
        }

        return Results.NoContent();
    }
}
