using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Tongban.Sandbox.Knobs;
using Tongban.Sandbox.State;

namespace Tongban.Sandbox.Shanghai;

/// <summary>
/// Shanghai finishing slow work: POSTs the result to the hub's callback endpoint, signed with the callback key,
/// a fresh nonce per attempt, retried with doubling back-off until the hub answers 204 or the budget is spent.
/// While the wrong-signatures knob is on, each attempt is signed with another secret (the hub should refuse it).
/// </summary>
internal sealed class ShanghaiCallbacks(
    HttpClient http,
    SandboxState state,
    ProvinceKnobs knobs,
    SandboxOptions options,
    ILogger logger,
    CancellationToken stopping)
{
    public const string CallbackPath = "/api/v1/provinces/310000/callbacks";

    private readonly Lock _gate = new();
    private readonly List<Task> _running = [];

    private TimeProvider Time => options.TimeProvider;

    /// <summary>Waits for the ticket's slow-work delay, then delivers its result (twice if the knob says so).</summary>
    public void DeliverWhenDue(string ticketId) => Track(DeliverWhenDueAsync(ticketId));

    /// <summary>Delivers an already decided ticket's first attempt now (before the 202); anything further runs in the background.</summary>
    public async Task DeliverEarlyAsync(string ticketId)
    {
        var ticket = state.Ticket(ticketId)!;
        var duplicate = knobs.DuplicateCallbacks;
        var status = await AttemptAsync(ticket, delivery: 1, attempt: 1);
        Track(ContinueAsync(ticket, firstDelivered: status == 204, duplicate));
    }

    public async Task WhenIdleAsync()
    {
        Task[] running;
        lock (_gate) running = [.. _running];
        try
        {
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: undelivered callbacks are abandoned with the sandbox.
        }
    }

    private void Track(Task task)
    {
        lock (_gate)
        {
            _running.RemoveAll(t => t.IsCompleted);
            _running.Add(task);
        }
    }

    private async Task DeliverWhenDueAsync(string ticketId)
    {
        var ticket = state.Ticket(ticketId)!;
        while (!ticket.IsFinal)
        {
            var wait = ticket.DueAt - Time.GetUtcNow();
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(10), Time, stopping);
            ticket = state.Ticket(ticketId)!;
        }
        var duplicate = knobs.DuplicateCallbacks;
        await DeliverAsync(ticket, delivery: 1, firstAttempt: 1);
        if (duplicate) await DeliverAsync(ticket, delivery: 2, firstAttempt: 1);
    }

    private async Task ContinueAsync(TicketRecord ticket, bool firstDelivered, bool duplicate)
    {
        if (!firstDelivered)
        {
            await Task.Delay(options.CallbackRetryBaseDelay, Time, stopping);
            await DeliverAsync(ticket, delivery: 1, firstAttempt: 2);
        }
        if (duplicate) await DeliverAsync(ticket, delivery: 2, firstAttempt: 1);
    }

    private async Task DeliverAsync(TicketRecord ticket, int delivery, int firstAttempt)
    {
        var started = Time.GetUtcNow();
        var backOff = options.CallbackRetryBaseDelay;
        for (var attempt = firstAttempt; ; attempt++)
        {
            if (await AttemptAsync(ticket, delivery, attempt) == 204) return;
            if (Time.GetUtcNow() - started + backOff > options.CallbackRetryBudget)
            {
                logger.LogWarning("Callback for ticket {Ticket} (delivery {Delivery}) abandoned after {Attempts} attempts", ticket.Ticket, delivery, attempt);
                return;
            }
            await Task.Delay(backOff, Time, stopping);
            backOff = TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, options.CallbackRetryMaxDelay.Ticks));
        }
    }

    /// <summary>One signed POST; the hub's status code, or null when there was no answer.</summary>
    private async Task<int?> AttemptAsync(TicketRecord ticket, int delivery, int attempt)
    {
        int? status = null;
        if (knobs.CallbackBaseUrl is { } baseUrl)
        {
            var target = new Uri(baseUrl, CallbackPath);
            var body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                ticket = ticket.Ticket,
                type = ticket.Type,
                result = ticket.State,
                reason = ticket.Reason ?? "",
                data = ticket.Data,
            });
            var timestamp = Time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            var nonce = Guid.NewGuid().ToString();
            using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
            request.Headers.Add(ShanghaiWire.KeyHeader, options.Shanghai.CallbackKey);
            request.Headers.Add(ShanghaiWire.TimestampHeader, timestamp);
            request.Headers.Add(ShanghaiWire.NonceHeader, nonce);
            request.Headers.Add(ShanghaiWire.SignatureHeader, ShanghaiWire.Sign(
                knobs.ForSigning(options.Shanghai.CallbackSecret), "POST", target.PathAndQuery, timestamp, nonce, body));
            using var timeout = new CancellationTokenSource(options.CallbackAttemptTimeout, Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
            try
            {
                using var response = await http.SendAsync(request, linked.Token);
                status = (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                // No answer: retried like any other failure.
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                // No answer within the attempt timeout.
            }
        }
        state.RecordDelivery(new CallbackDelivery(ticket.Ticket, delivery, attempt, status, Time.GetUtcNow()));
        logger.LogDebug("Callback for ticket {Ticket} delivery {Delivery} attempt {Attempt} answered {Status}", ticket.Ticket, delivery, attempt, status);
        return status;
    }
}
