using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tongban.Configuration;
using Tongban.Security;
using Tongban.Storage;

namespace Tongban.Callbacks;

/// <summary>
/// Tells partners about their cases' status changes (partner-api.md): POSTs the case JSON to the
/// callbackUrl, signed like a partner request with the partner's secret and the hub's own code, in
/// order per case, at least once, retried with back-off until a 2xx. It runs off its own queue, so a
/// partner that is down never holds a case up.
/// </summary>
public sealed class PartnerCallbackSender(
    PartnerCallbackOutbox outbox, CaseStore cases, IHttpClientFactory http, IOptions<TongbanOptions> options, TimeProvider time,
    ILogger<PartnerCallbackSender> logger) : IQueueMessageHandler
{
    public const string HttpClientName = "partner-callbacks";

    /// <summary>After the queue's own retries, try again this much later, for as long as it takes.</summary>
    public static readonly TimeSpan PoisonRetryDelay = TimeSpan.FromMinutes(5);

    public async Task HandleAsync(string message, long dequeueCount, CancellationToken ct)
    {
        var poke = TongbanJson.Deserialize<CallbackPoke>(message);
        var stored = await cases.GetAsync(poke.CaseId, ct);
        if (stored?.Record.CallbackUrl is not { } url) return;
        foreach (var callback in await outbox.PendingAsync(poke.CaseId, ct))
        {
            // In order: a failure stops here, and the retry starts again from the oldest pending change.
            await SendAsync(url, callback, ct);
            await outbox.DeliveredAsync(callback, ct);
        }
    }

    public Task HandlePoisonAsync(string message, CancellationToken ct)
    {
        var poke = TongbanJson.Deserialize<CallbackPoke>(message);
        logger.LogWarning("Callbacks of case {CaseId} keep failing; trying again in {Delay}", poke.CaseId, PoisonRetryDelay);
        return outbox.PokeAsync(poke.CaseId, ct, PoisonRetryDelay);
    }

    private async Task SendAsync(Uri url, PendingCallback callback, CancellationToken ct)
    {
        var secret = options.Value.Partners.TryGetValue(callback.Partner, out var partner) ? partner.Secret
            : throw new InvalidOperationException($"No secret for partner {callback.Partner}.");
        var body = Encoding.UTF8.GetBytes(callback.Snapshot);
        var timestamp = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Tongban-Partner", options.Value.HubCode);
        request.Headers.Add("X-Tongban-Timestamp", timestamp);
        request.Headers.Add("X-Tongban-Nonce", nonce);
        request.Headers.Add("X-Tongban-Signature", HmacRequestSignature.Compute(secret, "POST", url.PathAndQuery, timestamp, nonce, body));
        request.Headers.Add("X-Tongban-Sequence", callback.Sequence.ToString(CultureInfo.InvariantCulture));
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Callback {callback.Sequence} of case {callback.CaseId} answered {(int)response.StatusCode}.");
        }

        logger.LogInformation("Case {CaseId} callback {Sequence} delivered", callback.CaseId, callback.Sequence);
    }
}
