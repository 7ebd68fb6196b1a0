using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Security;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>Status callbacks to a partner's callbackUrl: signed, in order, at least once, retried until a 2xx, never holding the case up.</summary>
[Collection(HubCollection.Name)]
public sealed class PartnerCallbackTests(HubFixture hub)
{
    [Fact]
    public async Task Every_status_change_reaches_the_partner_signed_and_in_order_even_after_failures()
    {
        await using var partner = await PartnerEndpoint.StartAsync(failFirst: 3);
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

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (partner.Accepted.Count(c => c.CaseId == caseId) < 2 && DateTime.UtcNow < deadline) await Task.Delay(200);
        var delivered = partner.Accepted.Where(c => c.CaseId == caseId).ToList();
        Assert.Equal(["InProgress", "Rejected"], delivered.Select(c => c.Status).Distinct());
        Assert.Equal(delivered.Select(c => c.Sequence).OrderBy(s => s), delivered.Select(c => c.Sequence));
        Assert.True(partner.Refused >= 3);
        Assert.All(partner.Received, r =>
        {
            Assert.Equal("330000", r.Partner);
            Assert.True(HmacRequestSignature.Verify(secret, "POST", r.PathAndQuery, r.Timestamp, r.Nonce, r.Body, r.Signature), "signature must verify");
        });
        Assert.DoesNotContain(delivered, c => c.Raw.Contains(ZjMan3.IdNumber, StringComparison.Ordinal));
    }

    private sealed record Delivery(string Partner, string PathAndQuery, string Timestamp, string Nonce, string Signature, byte[] Body);

    private sealed record Accepted(string CaseId, string Status, int Sequence, string Raw);

    /// <summary>A partner platform's webhook: refuses the first N deliveries with 500, then records and answers 204.</summary>
    private sealed class PartnerEndpoint : IAsyncDisposable
    {
        private readonly WebApplication app;
        private int remainingFailures;

        private PartnerEndpoint(WebApplication app, int failFirst)
        {
            this.app = app;
            remainingFailures = failFirst;
        }

        public string Url { get; private set; } = "";

        public ConcurrentQueue<Delivery> Received { get; } = new();

        public ConcurrentQueue<Accepted> Accepted { get; } = new();

        public int Refused { get; private set; }

        public static async Task<PartnerEndpoint> StartAsync(int failFirst)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, Hosting.EmbeddedHostLifetime>();
            var app = builder.Build();
            var endpoint = new PartnerEndpoint(app, failFirst);
            app.MapPost("/hooks/tongban", (Delegate)endpoint.HandleAsync);
            await app.StartAsync();
            endpoint.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/";
            return endpoint;
        }

        public ValueTask DisposeAsync() => app.DisposeAsync();

        private async Task<IResult> HandleAsync(HttpContext context)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var headers = context.Request.Headers;
            Received.Enqueue(new Delivery(headers["X-Tongban-Partner"].ToString(), context.Request.Path + context.Request.QueryString,
                headers["X-Tongban-Timestamp"].ToString(), headers["X-Tongban-Nonce"].ToString(), headers["X-Tongban-Signature"].ToString(), body));
            if (Interlocked.Decrement(ref remainingFailures) >= 0)
            {
                Refused++;
                return Results.StatusCode(500);
            }

            var json = JsonNode.Parse(body)!;
            Accepted.Enqueue(new Accepted(json["caseId"]!.ToString(), json["status"]!.ToString(),
                int.Parse(headers["X-Tongban-Sequence"].ToString(), System.Globalization.CultureInfo.InvariantCulture), System.Text.Encoding.UTF8.GetString(body)));
            return Results.NoContent();
        }
    }
}
