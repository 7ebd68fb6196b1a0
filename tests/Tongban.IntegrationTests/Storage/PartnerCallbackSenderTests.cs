using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Tongban.Callbacks;
using Tongban.Cases;
using Tongban.Configuration;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Storage;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// Two pokes of one case handled at once (the status changes of a case rejected moments after it started, say) send each
/// callback once: the second finds the first sending and leaves the callbacks, and those recorded meanwhile, to it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PartnerCallbackSenderTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Partner = "330000";
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
    private CallbackReceiver? receiver;

    public async Task InitializeAsync() => receiver = await CallbackReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        if (receiver is not null) await receiver.DisposeAsync();
    }

    private sealed class PlainClients : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new();
    }

    [Fact]
    public async Task A_second_poke_while_the_first_is_sending_sends_nothing_and_the_first_delivers_what_was_recorded_meanwhile()
    {
        var partner = receiver!;
        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([], ct);
        var store = new CaseStore(azurite.Tables, CaseData.NewCipher(), TimeProvider.System);
        var command = CaseData.MarriageCommand(Partner, Partner, Partner) with { CallbackUrl = new Uri(partner.Url, "hooks/tongban") };
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, DateTimeOffset.UtcNow);
        await store.CreateAsync(record, command, ct);
        var options = new TongbanOptions { HubCode = Partner };
        options.Partners[Partner] = new PartnerOptions { Secret = "partner-secret-for-callback-sender-tests-01", CallbackOrigins = [partner.Url.GetLeftPart(UriPartial.Authority)] };
        var outbox = new PartnerCallbackOutbox(azurite.Tables, azurite.Queues);
        var sender = new PartnerCallbackSender(outbox, store, new AttentionIndex(azurite.Tables), PartnerCallbackOrigins.From(options), new PlainClients(),
            Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<PartnerCallbackSender>.Instance, AuditTrails.OnAzurite(azurite));

        // The partner holds its answer to the first attempt until the test lets it go.
        var firstHeld = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        partner.Answer = async (delivery, context) =>
        {
            if (delivery.CaseId == record.CaseId && firstHeld.TrySetResult()) await release.Task;
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        };
        string Poke() => TongbanJson.Serialize(new CallbackPoke(record.CaseId, Id: Guid.NewGuid().ToString("N")));

        await store.UpdateAsync(record.CaseId, r => { r.Status = CaseStatus.InProgress; return true; }, ct);
        var first = sender.HandleAsync(Poke(), 1, ct);
        await firstHeld.Task.WaitAsync(ct);
        await store.UpdateAsync(record.CaseId, r => { r.Status = CaseStatus.Rejected; return true; }, ct);
        // Callback 1 is being sent: this poke sends neither it nor callback 2 behind it.
        await sender.HandleAsync(Poke(), 1, ct);
        Assert.Single(partner.ReceivedFor(record.CaseId));

        release.SetResult();
        await first;
        Assert.Equal([(1, "InProgress"), (2, "Rejected")], partner.ReceivedFor(record.CaseId).Select(d => (d.Sequence, d.Status)));
        Assert.Empty(await outbox.PendingAsync(record.CaseId, ct));
        // A poke that comes late finds nothing left to send.
        await sender.HandleAsync(Poke(), 1, ct);
        Assert.Equal(2, partner.ReceivedFor(record.CaseId).Count);
    }
}
