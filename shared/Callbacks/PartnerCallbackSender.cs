using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tongban.Cases;
using Tongban.Configuration;
using Tongban.Security;
using Tongban.Storage;
using Tongban.Telemetry;

namespace Tongban.Callbacks;

/// <summary>
/// Tells partners about their cases' status changes (partner-api.md): POSTs the case JSON to the callbackUrl,
/// signed like a partner request with the partner's secret and the hub's own code, in order per case, at least
/// once. A failed delivery (no answer within <c>Tongban:Callbacks:Timeout</c>, a refused address, anything but a
/// 2xx, a redirect included) is retried with doubling back-off until <c>Tongban:Callbacks:RetryFor</c> has passed
/// since the oldest pending callback first failed; then delivery of that case stops and the case shows on the
/// operator's attention list. Later status changes queue behind it; each one tries the stuck callback once more,
/// and a success delivers everything pending, in order. It runs off its own queue, so a partner that is down never
/// holds a case up.
/// </summary>
public sealed partial class PartnerCallbackSender(
    PartnerCallbackOutbox outbox, CaseStore cases, AttentionIndex attention, PartnerCallbackOrigins origins, IHttpClientFactory http,
    IOptions<TongbanOptions> options, TimeProvider time, ILogger<PartnerCallbackSender> logger, Audit.AuditTrail audit, Telemetry.TongbanMetrics? metrics = null) : IQueueMessageHandler
{
    public const string HttpClientName = "partner-callbacks";

    private CallbackOptions Settings => options.Value.Callbacks;

    public async Task HandleAsync(string message, long dequeueCount, CancellationToken ct)
    {
        var poke = TongbanJson.Deserialize<CallbackPoke>(message);
        using var scope = Telemetry.CaseLogScope.Begin(logger, poke.CaseId);
        using var span = Telemetry.CaseSpans.DeliverCallbacks(poke);
        var stored = await cases.GetAsync(poke.CaseId, ct);
        if (stored?.Record.CallbackUrl is not { } url) return;
        var pending = await outbox.PendingAsync(poke.CaseId, ct);
        if (pending.Count == 0) return;
        switch (Judge(poke, pending[0], time.GetUtcNow()))
        {
            case PokeVerdict.Drop:
                return;
            case PokeVerdict.Early:
                // The attempt that queued this retry has not saved its state yet (storage is slow): look again shortly.
                await outbox.PokeAsync(poke, Settings.RetryDelay, ct);
                return;
        }

        while (pending.Count > 0)
        {
            foreach (var listed in pending)
            {
                // One poke sends a callback at a time: two pokes of one case handled at once (two status changes moments
                // apart) would otherwise both send it. The claim lapses, so a poke that died mid-attempt holds nothing for long.
                var now = time.GetUtcNow();
                var callback = listed.HeldByAnother(poke.Sender, now) ? null : await outbox.TryClaimAsync(listed, poke.Sender, now + Settings.Timeout * 2, ct);
                if (callback is null)
                {
                    // Another poke is sending it, has saved a failure of it, or has delivered it: the rest is that poke's.
                    span.WithOutcome("left to another");
                    return;
                }

                // In order: a failure stops here, and the retry starts again from the oldest pending change.
                var failure = await SendAsync(url, callback, ct);
                metrics?.CallbackAttempted(callback.Partner, failure is null, time.GetUtcNow() - ChangedAt(callback));
                if (failure is not null)
                {
                    span.WithOutcome("failed", error: true);
                    await FailedAsync(stored.Record, callback with { SendingBy = null, SendingUntil = null }, failure, ct);
                    return;
                }

                await outbox.DeliveredAsync(callback, ct);
                await audit.AppendAsync(callback.CaseId, Audit.AuditFacts.CallbackDelivered(callback.Sequence, callback.Partner), ct);
                if (callback.Stopped)
                {
                    await attention.ClearCallbacksAsync(callback.Partner, callback.CaseId, ct);
                    CallbacksResumed(logger, callback.CaseId, callback.Sequence);
                }
            }

            // Status changes recorded meanwhile: their pokes found this one sending and left them to it.
            pending = await outbox.PendingAsync(poke.CaseId, ct);
            if (pending.Count > 0 && Judge(poke, pending[0], time.GetUtcNow()) != PokeVerdict.Attempt) return;
        }

        span.WithOutcome("delivered");
    }

    /// <summary>
    /// The queue's own retries could not handle the message (storage, not the partner, failed): delivery of the case
    /// stops and shows on the attention list rather than cycling through the poison queue for ever.
    /// </summary>
    public async Task HandlePoisonAsync(string message, CancellationToken ct)
    {
        var poke = TongbanJson.Deserialize<CallbackPoke>(message);
        using var scope = Telemetry.CaseLogScope.Begin(logger, poke.CaseId);
        var pending = await outbox.PendingAsync(poke.CaseId, ct);
        if (pending.Count == 0 || await cases.GetAsync(poke.CaseId, ct) is not { } stored) return;
        await StopAsync(stored.Record, pending[0] with { FirstFailedAt = pending[0].FirstFailedAt ?? time.GetUtcNow(), LastFailure = "the hub could not handle it" }, ct);
    }

    private enum PokeVerdict { Attempt, Drop, Early }

    /// <summary>
    /// Whether this poke may attempt delivery: a retry only while it is the live one (its token is the head's), a
    /// status change only when no retry is scheduled or delivery has stopped and no other poke is sending the head (that one
    /// delivers what follows too), so concurrent pokes never send one callback twice and concurrent failures never multiply
    /// into parallel retry chains. A retry that finds the head still holding the token it replaces came before its
    /// attempt's state was saved: it is early, not stale.
    /// </summary>
    private static PokeVerdict Judge(CallbackPoke poke, PendingCallback head, DateTimeOffset now)
    {
        if (poke.RetryToken is null || poke.Sequence != head.Sequence)
        {
            return (head.RetryToken is null || head.Stopped) && !head.HeldByAnother(poke.Sender, now) ? PokeVerdict.Attempt : PokeVerdict.Drop;
        }

        if (head.Stopped) return PokeVerdict.Drop;
        if (head.RetryToken == poke.RetryToken) return PokeVerdict.Attempt;
        return head.RetryToken == poke.Replaces ? PokeVerdict.Early : PokeVerdict.Drop;
    }

    private async Task FailedAsync(CaseRecord record, PendingCallback callback, string failure, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var failed = callback with
        {
            FirstFailedAt = callback.FirstFailedAt ?? now, FailedAttempts = callback.FailedAttempts + 1, LastFailure = failure,
        };
        if (callback.Stopped)
        {
            // A later status change's one try at a stopped case: no retry of its own.
            await outbox.TrySaveStateAsync(failed, ct);
            CallbackStillStopped(logger, callback.Sequence, callback.CaseId, failure);
            return;
        }

        if (now - failed.FirstFailedAt >= Settings.RetryFor)
        {
            await StopAsync(record, failed, ct);
            return;
        }

        // The retry is queued before the state that names it is saved: a crash in between leaves this message to be
        // handled again (its token still current), never a case with no retry coming.
        var token = Guid.NewGuid().ToString("N");
        var delay = TimeSpan.FromTicks(Math.Min(Settings.RetryDelay.Ticks * (1L << Math.Min(failed.FailedAttempts - 1, 20)), Settings.MaxRetryDelay.Ticks));
        await outbox.PokeAsync(new CallbackPoke(callback.CaseId, token, callback.Sequence, callback.RetryToken, Telemetry.TongbanTelemetry.CurrentTraceParent), delay, ct);
        if (await outbox.TrySaveStateAsync(failed with { RetryToken = token }, ct))
        {
            CallbackRetrying(logger, callback.Sequence, callback.CaseId, failure, failed.FailedAttempts, delay);
        }
    }

    private async Task StopAsync(CaseRecord record, PendingCallback head, CancellationToken ct)
    {
        var stopped = head with { Stopped = true };
        if (!await outbox.TrySaveStateAsync(stopped, ct)) return;
        await attention.FlagCallbacksAsync(record, stopped, ct);
        CallbacksStopped(logger, head.CaseId, head.Sequence, head.FirstFailedAt, head.FailedAttempts, head.LastFailure);
    }

    /// <summary>When the status change a callback tells of was made: the snapshot's <c>updatedAt</c>, written with it.</summary>
    private DateTimeOffset ChangedAt(PendingCallback callback)
    {
        using var snapshot = System.Text.Json.JsonDocument.Parse(callback.Snapshot);
        return snapshot.RootElement.TryGetProperty("updatedAt", out var at) && at.TryGetDateTimeOffset(out var changed) ? changed : time.GetUtcNow();
    }

    /// <summary>One attempt; null when the partner answered 2xx, else what went wrong (never the body sent or received).</summary>
    private async Task<string?> SendAsync(Uri url, PendingCallback callback, CancellationToken ct)
    {
        // Origins are checked again here: one the partner no longer registers gets nothing more.
        if (!origins.Allows(callback.Partner, url)) return "its origin is not registered for the partner";
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

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Settings.Timeout);
        try
        {
            // Headers only: the body is never buffered, and at most MaxResponseBytes of it is read.
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await DrainAsync(response, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                CallbackDelivered(logger, callback.CaseId, callback.Sequence);
                return null;
            }

            var status = (int)response.StatusCode;
            return status is >= 300 and < 400 ? $"answered {status}, a redirect, which is not followed" : $"answered {status}";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"no answer within {Settings.Timeout}";
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
    }

    /// <summary>Reads at most MaxResponseBytes of the reply, so a small one leaves its connection reusable; the rest is dropped unread.</summary>
    private async Task DrainAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            for (var left = Settings.MaxResponseBytes; left > 0;)
            {
                var read = await body.ReadAsync(buffer.AsMemory(0, Math.Min(left, buffer.Length)), ct);
                if (read == 0) break;
                left -= read;
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            // The status has been answered; what the body does after it changes nothing.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Callbacks of case {CaseId} resumed: callback {Sequence} delivered")]
    private static partial void CallbacksResumed(ILogger logger, string caseId, int sequence);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Callback {Sequence} of case {CaseId} still not delivered ({Failure}); delivery stays stopped")]
    private static partial void CallbackStillStopped(ILogger logger, int sequence, string caseId, string failure);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Callback {Sequence} of case {CaseId} not delivered ({Failure}, attempt {Attempt}); next try in {Delay}")]
    private static partial void CallbackRetrying(ILogger logger, int sequence, string caseId, string failure, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Callbacks of case {CaseId} stopped: callback {Sequence} not delivered since {Since} after {Attempts} attempts ({Failure})")]
    private static partial void CallbacksStopped(ILogger logger, string caseId, int sequence, DateTimeOffset? since, int attempts, string? failure);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Case {CaseId} callback {Sequence} delivered")]
    private static partial void CallbackDelivered(ILogger logger, string caseId, int sequence);
}
