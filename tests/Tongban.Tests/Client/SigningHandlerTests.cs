using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tongban.Client;
using Tongban.Security;

namespace Tongban.Tests.Client;

/// <summary>The signing handler: every request leaves with headers the hub's verifier accepts, over the bytes actually sent.</summary>
public sealed class SigningHandlerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Signs_method_path_and_query_timestamp_nonce_and_body_as_sent()
    {
        using var hub = new StubHub().Answer(200, "{}");
        using var http = new HttpClient(new SigningHandler(TongbanCredentials.Partner("310000", "sh-partner-secret-0001"), hub, new FakeTimeProvider(Now)))
        { BaseAddress = new Uri("http://127.0.0.1:7071/") };
        using var content = new StringContent("{\"name\":\"张三\"}", Encoding.UTF8, "application/json");

        using var response = await http.PostAsync("api/v1/cases?status=Completed", content);

        var sent = Assert.Single(hub.Sent);
        Assert.Equal("310000", sent.Headers["X-Tongban-Partner"]);
        Assert.Equal(Now.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), sent.Headers["X-Tongban-Timestamp"]);
        Assert.Equal("{\"name\":\"张三\"}", Encoding.UTF8.GetString(sent.Body));
        Assert.StartsWith("application/json", sent.ContentType, StringComparison.Ordinal);
        Assert.True(HmacRequestSignature.Verify("sh-partner-secret-0001", "POST", "/api/v1/cases?status=Completed",
            sent.Headers["X-Tongban-Timestamp"], sent.Headers["X-Tongban-Nonce"], sent.Body, sent.Headers["X-Tongban-Signature"]));
    }

    [Fact]
    public async Task Each_pass_is_signed_afresh_with_a_new_nonce_and_the_same_body()
    {
        using var hub = new StubHub().Answer(200, "{}");
        using var invoker = new HttpMessageInvoker(new SigningHandler(TongbanCredentials.Partner("310000", "sh-partner-secret-0001"), hub));
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:7071/api/v1/cases") { Content = new ByteArrayContent([1, 2, 3]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        (await invoker.SendAsync(request, default)).Dispose();
        (await invoker.SendAsync(request, default)).Dispose();

        Assert.Equal(2, hub.Sent.Count);
        Assert.NotEqual(hub.Sent[0].Headers["X-Tongban-Nonce"], hub.Sent[1].Headers["X-Tongban-Nonce"]);
        Assert.All(hub.Sent, s => Assert.Equal(new byte[] { 1, 2, 3 }, s.Body));
        Assert.All(hub.Sent, s => Assert.Single(s.Headers["X-Tongban-Signature"].Split(',')));
    }

    [Fact]
    public async Task A_relative_request_is_refused_before_anything_is_sent()
    {
        using var hub = new StubHub().Answer(200, "{}");
        using var invoker = new HttpMessageInvoker(new SigningHandler(TongbanCredentials.Partner("310000", "s"), hub));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/v1/cases", UriKind.Relative));

        await Assert.ThrowsAsync<InvalidOperationException>(() => invoker.SendAsync(request, default));
        Assert.Empty(hub.Sent);
    }
}
