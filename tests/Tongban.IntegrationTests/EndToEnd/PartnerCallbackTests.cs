using System.Text.Json.Nodes;
using Tongban.Client;
using Tongban.IntegrationTests.Infrastructure;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>Status callbacks to a partner's callbackUrl: signed, in order, at least once, retried until a 2xx, never holding the case up.</summary>
[Collection(HubCollection.Name)]
public sealed class PartnerCallbackTests(HubFixture hub)
{
    [Fact]
    public async Task Every_status_change_reaches_the_partner_signed_and_in_order_even_after_failures()
    {
        var partner = hub.Callbacks;
        var failures = 3;
        partner.Answer = (_, context) =>
        {
            context.Response.StatusCode = Interlocked.Decrement(ref failures) >= 0 ? 500 : 204;
            return Task.CompletedTask;
        };
        var secret = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>(hub.Hub.Services)["Tongban:Partners:330000:Secret"]!;
        var zhejiang = hub.Partner("330000");
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Body("330000", "330106", ZjMan3, ShDeceasedWoman)))!;
        body["callbackUrl"] = partner.Url + "hooks/tongban?tenant=zj";

        var opened = await zhejiang.PostAsync("/api/v1/cases", body.ToJsonString(), Key());
        Assert.Equal(202, opened.Status);
        var caseId = opened["caseId"]!;
        // The partner is failing, and the case goes on regardless.
        await HubFixture.WaitForStatusAsync(zhejiang, caseId, "Rejected");

        // Both status changes accepted (delivery is at least once: a count of deliveries could be met by one change twice).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!partner.AcceptedFor(caseId).Select(c => c.Status).ToHashSet().SetEquals(["InProgress", "Rejected"]) && DateTime.UtcNow < deadline) await Task.Delay(200);
        var delivered = partner.AcceptedFor(caseId);
        Assert.Equal(["InProgress", "Rejected"], delivered.Select(c => c.Status).Distinct());
        Assert.Equal(delivered.Select(c => c.Sequence).OrderBy(s => s), delivered.Select(c => c.Sequence));
        Assert.True(partner.ReceivedFor(caseId).Count - delivered.Count >= 3);
        // The partner's side of it: Tongban.Client's verifier accepts every attempt (each with a nonce of its own) and reads the case from it.
        var verifier = new CallbackVerifier(secret);
        Func<string, string?> Headers(CallbackDelivery r, string? nonce = null) => name => name switch
        {
            TongbanSignature.PartnerHeader => r.Partner,
            TongbanSignature.TimestampHeader => r.Timestamp,
            TongbanSignature.NonceHeader => nonce ?? r.Nonce,
            TongbanSignature.SignatureHeader => r.Signature,
            TongbanSignature.SequenceHeader => r.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        };
        Assert.All(partner.ReceivedFor(caseId), r =>
        {
            Assert.Equal("330000", r.Partner);
            Assert.Equal("/hooks/tongban?tenant=zj", r.PathAndQuery);
            var check = verifier.Verify("POST", r.PathAndQuery, Headers(r), r.Body);
            Assert.True(check.IsValid, check.Failure);
            Assert.Equal((caseId, r.Status, (long)r.Sequence), (check.Case!.CaseId, check.Case.Status, check.Sequence!.Value));
        });
        // The nonce changed (the signature covers it): refused.
        var first = partner.ReceivedFor(caseId)[0];
        Assert.False(verifier.Verify("POST", first.PathAndQuery, Headers(first, nonce: "another-nonce-000001"), first.Body).IsValid);
        Assert.DoesNotContain(delivered, c => System.Text.Encoding.UTF8.GetString(c.Body).Contains(ZjMan3.IdNumber, StringComparison.Ordinal));
    }
}
