using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Tongban.Callbacks;
using Tongban.DevHost.Demo;
using Tongban.IntegrationTests.Infrastructure;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>
/// A hub whose callbacks time out after 1 s and stop after 20 s of failures, with a second registered loopback port (a
/// redirect's target) and a registered origin named <c>localhost</c> (which resolves to loopback, so is never reached).
/// </summary>
public sealed class CallbackHubFixture : HubFixture
{
    public const string OperatorId = "ops-callbacks";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(20);

    private readonly TcpListener named = new(IPAddress.Loopback, 0);
    private CallbackReceiver? elsewhere;
    private int namedConnections;

    /// <summary>A second registered webhook: where a redirect points.</summary>
    public CallbackReceiver Elsewhere => elsewhere ?? throw new InvalidOperationException("Not started.");

    /// <summary>The port registered as <c>https://localhost:{port}</c>; a listener there counts the connections it gets.</summary>
    public int NamedPort => ((IPEndPoint)named.LocalEndpoint).Port;

    public int NamedConnections => Volatile.Read(ref namedConnections);

    protected override async Task BeforeStartAsync()
    {
        elsewhere = await CallbackReceiver.StartAsync();
        named.Start();
        _ = CountConnectionsAsync();
    }

    protected override async ValueTask AfterStopAsync()
    {
        named.Dispose();
        if (elsewhere is not null) await elsewhere.DisposeAsync();
    }

    private async Task CountConnectionsAsync()
    {
        try
        {
            while (true)
            {
                using var client = await named.AcceptTcpClientAsync();
                Interlocked.Increment(ref namedConnections);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // stopped
        }
    }

    protected override void Configure(Dictionary<string, string?> settings)
    {
        foreach (var code in new[] { "330000", "310000" })
        {
            settings[$"Tongban:Partners:{code}:CallbackOrigins:1"] = $"http://127.0.0.1:{Elsewhere.Url.Port}";
            settings[$"Tongban:Partners:{code}:CallbackOrigins:2"] = $"https://localhost:{NamedPort}";
        }

        settings["Tongban:Callbacks:Timeout"] = Timeout.ToString();
        settings["Tongban:Callbacks:RetryFor"] = RetryFor.ToString();
        settings["Tongban:Marriage:ReviewWindow"] = "00:02:00";
        settings[$"Tongban:Operators:{OperatorId}:Secret"] = "operator-secret-for-callback-tests-0001";
        // Everything the callback path logs, at every level (the console stays at Warning for the rest).
        settings["Logging:LogLevel:Tongban.Callbacks"] = "Trace";
        settings["Logging:LogLevel:System.Net.Http.HttpClient.partner-callbacks"] = "Trace";
        settings["Logging:LogLevel:Tongban.DevHost.Hosting.QueueListener"] = "Trace";
    }

    /// <summary>Every line the hub logs at the levels configured above.</summary>
    public FakeLoggerProvider Logs { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);
}

// Alone, after the parallel collections: the huge-reply test measures the process's allocations, which other tests' would swell.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CallbackHubCollection : ICollectionFixture<CallbackHubFixture>
{
    public const string Name = "callback-hub";
}

/// <summary>
/// Callback delivery against loopback receivers that redirect, answer slowly, answer with a huge body and fail for a
/// while (issue 11 item 4): nothing followed, memory flat, order kept, bounded retry then attention.
/// </summary>
[Collection(CallbackHubCollection.Name)]
public sealed class CallbackDeliveryTests(CallbackHubFixture hub)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(302)]
    [InlineData(307)] // followed, it would re-post the signed case elsewhere
    [InlineData(308)]
    public async Task A_redirect_is_not_followed_and_counts_as_a_failed_delivery(int status)
    {
        var partner = hub.Callbacks;
        var elsewhere = hub.Elsewhere;
        partner.Answer = (_, context) =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.Location = elsewhere.Url + "stolen";
            return Task.CompletedTask;
        };

        var caseId = await OpenRejectedCaseAsync(partner.Url);
        await Until(() => partner.ReceivedFor(caseId).Count(d => d.Sequence == 1) >= 2, "a second attempt of callback 1 after the redirect");

        Assert.Empty(elsewhere.Received);
        Assert.Empty(partner.AcceptedFor(caseId));
        Assert.All(partner.ReceivedFor(caseId), d => Assert.Equal(1, d.Sequence));
        Assert.Contains(await PendingAsync(caseId), c => c.Sequence == 1 && c.LastFailure!.Contains($"answered {status}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reply_slower_than_the_time_out_is_a_failure_and_is_retried()
    {
        var partner = hub.Callbacks;
        var slowReply = CallbackHubFixture.Timeout * 5;
        // For two time-outs after a case's first attempt every reply takes five time-outs (and then the connection is
        // dropped, never answered); after that, 204. Earlier tests' cases may still be retrying here: each case has its own clock.
        var firstSeen = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTime>();
        partner.Answer = async (delivery, context) =>
        {
            if (delivery.ReceivedAt - firstSeen.GetOrAdd(delivery.CaseId, delivery.ReceivedAt) < CallbackHubFixture.Timeout * 2)
            {
                await Task.Delay(slowReply);
                context.Abort();
                return;
            }

            context.Response.StatusCode = 204;
        };

        var caseId = await OpenRejectedCaseAsync(partner.Url);
        await Until(() => partner.AcceptedFor(caseId).Select(d => d.Sequence).Distinct().Count() == 2, "both callbacks delivered");

        var first = partner.ReceivedFor(caseId)[0];
        var delivered = partner.AcceptedFor(caseId);
        Assert.Equal(1, first.Sequence);
        // Callback 1 was tried again after the time-out, and delivered before the first slow reply would have come:
        // the hub gave up on it rather than wait.
        Assert.All(delivered, d => Assert.True(d.ReceivedAt >= first.ReceivedAt + CallbackHubFixture.Timeout * 2));
        Assert.All(delivered, d => Assert.True(d.ReceivedAt < first.ReceivedAt + slowReply, "delivered only after the slow reply: the hub waited for it"));
        Assert.True(partner.ReceivedFor(caseId).Count(d => d.Sequence == 1) >= 2);
    }

    [Fact]
    public async Task A_huge_reply_is_not_read_and_memory_stays_flat()
    {
        const long hugeBytes = 50L * 1024 * 1024;
        var partner = hub.Callbacks;
        partner.Answer = (_, context) =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        var caseId = await OpenRejectedCaseAsync(partner.Url);
        await Until(() => partner.ReceivedFor(caseId).Count >= 1, "a first (failed) attempt");

        // From here every answer is 200 with 50 MiB streamed from one small buffer, so only the hub could allocate in step with it.
        var written = 0L;
        var completed = 0;
        partner.Answer = async (_, context) =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentLength = hugeBytes;
            var chunk = new byte[64 * 1024];
            try
            {
                // Kestrel drops writes once the client has hung up, without failing them; the pipe says so (IsCompleted).
                for (var sent = 0L; sent < hugeBytes; sent += chunk.Length)
                {
                    var flushed = await context.Response.BodyWriter.WriteAsync(chunk, context.RequestAborted);
                    if (flushed.IsCompleted || flushed.IsCanceled) return;
                    Interlocked.Add(ref written, chunk.Length);
                }

                Interlocked.Increment(ref completed);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
                // The hub stopped reading and hung up.
            }
        };
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var workingSetBefore = Environment.WorkingSet;

        await Until(async () => (await PendingAsync(caseId)).Count == 0, "both callbacks delivered");
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var grown = Environment.WorkingSet - workingSetBefore;

        Assert.Equal([1, 2], partner.ReceivedFor(caseId).Select(d => d.Sequence).Distinct().Order());
        Assert.Equal(0, Volatile.Read(ref completed));
        Assert.True(Volatile.Read(ref written) < hugeBytes / 2, $"the hub read on: {Volatile.Read(ref written)} bytes written");
        Assert.True(allocated < 24L * 1024 * 1024, $"allocated {allocated / 1024 / 1024} MiB while delivering");
        Assert.True(grown < 64L * 1024 * 1024, $"working set grew {grown / 1024 / 1024} MiB while delivering");
    }

    [Fact]
    public async Task A_partner_failing_for_a_while_gets_every_callback_in_order_none_skipped()
    {
        var partner = hub.Callbacks;
        var outage = new Outage(503);
        partner.Answer = outage.AnswerAsync;

        // InProgress, AwaitingReview, then Withdrawn: three status changes pile up behind the failing first one.
        var caseId = await OpenForReviewAsync(partner.Url);
        await WithdrawAsync(caseId);
        await HubFixture.WaitForStatusAsync(hub.Partner("310000"), caseId, "Withdrawn");
        await Until(async () => (await PendingAsync(caseId)).Count == 3, "three callbacks pending");
        outage.End();

        await Until(() => partner.AcceptedFor(caseId).Select(d => d.Sequence).Distinct().Count() == 3, "all three delivered");
        var attempts = partner.ReceivedFor(caseId);
        var firstSuccess = attempts.ToList().FindIndex(d => partner.AcceptedFor(caseId).Contains(d));
        Assert.All(attempts.Take(firstSuccess), d => Assert.Equal(1, d.Sequence)); // while failing, only the oldest was tried
        var accepted = partner.AcceptedFor(caseId).Select(d => d.Sequence).ToList();
        Assert.Equal([1, 2, 3], accepted.Distinct());
        Assert.Equal(accepted.Order(), accepted);
        Assert.Equal(["InProgress", "AwaitingReview", "Withdrawn"], partner.AcceptedFor(caseId).Select(d => d.Status).Distinct());
    }

    [Fact]
    public async Task Delivery_stops_after_retry_for_shows_for_the_operator_and_a_later_status_change_resumes_it_in_order()
    {
        var partner = hub.Callbacks;
        var outage = new Outage(500);
        partner.Answer = outage.AnswerAsync;
        var caseId = await OpenForReviewAsync(partner.Url);

        var item = await AttentionItemAsync("310000", caseId);
        Assert.Equal("callbacks", item["reason"]!.ToString());
        Assert.Contains("answered 500", item["detail"]!.ToString(), StringComparison.Ordinal);
        var provinces = (await hub.Operator(CallbackHubFixture.OperatorId).GetAsync("/api/v1/operator/provinces")).Json!["items"]!.AsArray();
        Assert.Equal(1, (int)provinces.Single(p => p!["province"]!.ToString() == "310000")!["callbacksStopped"]!);

        // Stopped: no more attempts, and nothing is lost.
        var tried = partner.ReceivedFor(caseId).Count;
        await Task.Delay(CallbackHubFixture.RetryFor / 3);
        Assert.Equal(tried, partner.ReceivedFor(caseId).Count);
        Assert.True((await PendingAsync(caseId)).Single(c => c.Sequence == 1).Stopped);

        // The partner is back; the next status change tries once more and everything pending goes, in order.
        outage.End();
        await WithdrawAsync(caseId);
        await Until(() => partner.AcceptedFor(caseId).Select(d => d.Sequence).Distinct().Count() == 3, "all three delivered");
        Assert.Equal([1, 2, 3], partner.AcceptedFor(caseId).Select(d => d.Sequence).Distinct());
        await Until(async () => !(await AttentionAsync("310000")).Any(i => i["caseId"]!.ToString() == caseId), "the case off the attention list");
    }

    [Fact]
    public async Task A_registered_name_that_resolves_to_loopback_is_refused_at_connect_time()
    {
        var caseId = await OpenRejectedCaseAsync(new Uri($"https://localhost:{hub.NamedPort}/"));
        var item = await AttentionItemAsync("330000", caseId);

        Assert.Contains("public address", item["detail"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, hub.NamedConnections);
    }

    [Fact]
    public async Task No_log_line_holds_the_callback_body_or_the_reply()
    {
        const string reply = "partner-reply-marker-7f3a";
        var partner = hub.Callbacks;
        var failures = 2;
        partner.Answer = async (_, context) =>
        {
            context.Response.StatusCode = Interlocked.Decrement(ref failures) >= 0 ? 500 : 200;
            await context.Response.WriteAsync(reply);
        };
        var reference = "LOGCHECK-" + Guid.NewGuid().ToString("N")[..12];
        var zhejiang = hub.Partner("330000");
        var caseId = await OpenAsync(zhejiang, Body("330000", "330106", ZjMan3, ShDeceasedWoman, reference), partner.Url);
        await Until(() => partner.AcceptedFor(caseId).Select(d => d.Sequence).Distinct().Count() == 2, "both callbacks delivered");

        var lines = hub.Logs.Collector.GetSnapshot().Select(l => l.Message + (l.Exception is null ? "" : " " + l.Exception)).ToList();
        Assert.Contains(lines, l => l.Contains(caseId, StringComparison.Ordinal) && l.Contains("answered 500", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(reference, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(reply, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("\"caseType\"", StringComparison.Ordinal));
    }

    private async Task<string> OpenRejectedCaseAsync(Uri receiver)
    {
        var zhejiang = hub.Partner("330000");
        var caseId = await OpenAsync(zhejiang, Body("330000", "330106", ZjMan3, ShDeceasedWoman), receiver);
        await HubFixture.WaitForStatusAsync(zhejiang, caseId, "Rejected");
        return caseId;
    }

    /// <summary>A Shanghai marriage that waits at the officer's review: status changes InProgress and AwaitingReview, a third on withdrawal.</summary>
    private async Task<string> OpenForReviewAsync(Uri receiver)
    {
        var shanghai = hub.Partner("310000");
        var caseId = await OpenAsync(shanghai, Body("310000", "310115", ZjWidower, ShWoman5), receiver);
        await HubFixture.WaitForStatusAsync(shanghai, caseId, "AwaitingReview");
        return caseId;
    }

    private async Task WithdrawAsync(string caseId) =>
        Assert.Equal(202, (await hub.Partner("310000").PostAsync($"/api/v1/cases/{caseId}/withdrawal", new { reason = "the couple changed their minds" })).Status);

    /// <summary>A partner answering <paramref name="status"/> to everything until the outage ends, then 204.</summary>
    private sealed class Outage(int status)
    {
        private int over;

        public void End() => Volatile.Write(ref over, 1);

        public Task AnswerAsync(CallbackDelivery delivery, HttpContext context)
        {
            context.Response.StatusCode = Volatile.Read(ref over) == 1 ? 204 : status;
            return Task.CompletedTask;
        }
    }

    private static async Task<string> OpenAsync(PartnerClient partner, object body, Uri receiver)
    {
        var json = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(body))!;
        json["callbackUrl"] = receiver + "hooks/tongban";
        var opened = await partner.PostAsync("/api/v1/cases", json.ToJsonString(), Key());
        Assert.Equal(202, opened.Status);
        return opened["caseId"]!;
    }

    private Task<IReadOnlyList<PendingCallback>> PendingAsync(string caseId) =>
        hub.Hub.Services.GetRequiredService<PartnerCallbackOutbox>().PendingAsync(caseId, CancellationToken.None);

    private async Task<IReadOnlyList<JsonNode>> AttentionAsync(string province)
    {
        var response = await hub.Operator(CallbackHubFixture.OperatorId).GetAsync($"/api/v1/operator/attention?province={province}");
        Assert.Equal(200, response.Status);
        return response.Json!["items"]!.AsArray().Select(i => i!).ToList();
    }

    private static Task Until(Func<bool> condition, string what) => Eventually.UntilAsync(() => Task.FromResult(condition()), Within, what);

    private static Task Until(Func<Task<bool>> condition, string what) => Eventually.UntilAsync(condition, Within, what);

    /// <summary>Waits for the case to be listed on the operator's attention list under <paramref name="province"/>, and returns its item.</summary>
    private async Task<JsonNode> AttentionItemAsync(string province, string caseId)
    {
        JsonNode? item = null;
        await Until(async () => (item = (await AttentionAsync(province)).FirstOrDefault(i => i["caseId"]!.ToString() == caseId)) is not null,
            $"case {caseId} on the attention list");
        return item!;
    }
}
