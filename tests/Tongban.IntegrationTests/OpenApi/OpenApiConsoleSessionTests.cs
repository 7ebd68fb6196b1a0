using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tongban.IntegrationTests.EndToEnd;
using Tongban.IntegrationTests.Infrastructure;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.OpenApi;

/// <summary>
/// The console's session and the operator case views held to the document: sign-in, the session's view, the case list and a
/// case's detail with the session cookie, a console page, sign-out with and without the CSRF token. The cookie goes in a
/// header of its own (no cookie container), so the conformance handler sees what the hub sees.
/// </summary>
[Collection(RedriveHubCollection.Name)]
public sealed class OpenApiConsoleSessionTests(RedriveHubFixture hub)
{
    [Fact]
    public async Task A_console_session_reads_the_operator_cases_as_the_document_says()
    {
        var opened = await hub.Partner("310000").PostAsync("/api/v1/cases", Body("310000", "310115", ZjMan5, ShWoman4), Key());
        Assert.Equal(202, opened.Status);
        var caseId = opened["caseId"]!;
        var conformance = new OpenApiConformance { InnerHandler = new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false } };
        using var http = new HttpClient(conformance) { BaseAddress = hub.Hub.Url };
        var secret = hub.Hub.Services.GetRequiredService<IConfiguration>()[$"Tongban:Operators:{RedriveHubFixture.OperatorId}:Secret"]!;

        using var wrong = await http.PostAsJsonAsync("/api/v1/operator/session", new { operatorId = RedriveHubFixture.OperatorId, secret = secret + "x" });
        Assert.Equal(401, (int)wrong.StatusCode);
        using var signIn = await http.PostAsJsonAsync("/api/v1/operator/session", new { operatorId = RedriveHubFixture.OperatorId, secret });
        Assert.Equal(200, (int)signIn.StatusCode);
        var session = (await signIn.Content.ReadFromJsonAsync<JsonNode>())!;
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("tongban_session=", StringComparison.Ordinal)).Split(';')[0];

        using var current = await http.SendAsync(WithCookie(HttpMethod.Get, "/api/v1/operator/session", cookie));
        Assert.Equal(200, (int)current.StatusCode);
        Assert.Equal(RedriveHubFixture.OperatorId, (await current.Content.ReadFromJsonAsync<JsonNode>())!["operatorId"]!.GetValue<string>());

        using var list = await http.SendAsync(WithCookie(HttpMethod.Get, "/api/v1/operator/cases?province=310000&pageSize=200", cookie));
        Assert.Equal(200, (int)list.StatusCode);
        Assert.Contains((await list.Content.ReadFromJsonAsync<JsonNode>())!["items"]!.AsArray(), c => c!["caseId"]!.GetValue<string>() == caseId);
        using var badList = await http.SendAsync(WithCookie(HttpMethod.Get, "/api/v1/operator/cases?province=999999", cookie));
        Assert.Equal(400, (int)badList.StatusCode);

        using var detail = await http.SendAsync(WithCookie(HttpMethod.Get, $"/api/v1/operator/cases/{caseId}", cookie));
        Assert.Equal(200, (int)detail.StatusCode);
        Assert.Equal(caseId, (await detail.Content.ReadFromJsonAsync<JsonNode>())!["caseId"]!.GetValue<string>());
        using var missing = await http.SendAsync(WithCookie(HttpMethod.Get, "/api/v1/operator/cases/c-0123456789abcdef0123456789abcdef", cookie));
        Assert.Equal(404, (int)missing.StatusCode);

        using var page = await http.GetAsync("/api/console/app.js");
        Assert.Equal(200, (int)page.StatusCode);
        using var noPage = await http.GetAsync("/api/console/no-such-page.html");
        Assert.Equal(404, (int)noPage.StatusCode);

        using var noCsrf = await http.SendAsync(WithCookie(HttpMethod.Delete, "/api/v1/operator/session", cookie));
        Assert.Equal(401, (int)noCsrf.StatusCode);
        var signOut = WithCookie(HttpMethod.Delete, "/api/v1/operator/session", cookie);
        signOut.Headers.Add("X-Tongban-Csrf", session["csrf"]!.GetValue<string>());
        using var signedOut = await http.SendAsync(signOut);
        Assert.Equal(204, (int)signedOut.StatusCode);
        Assert.Equal(11, conformance.Responses); // every answer above held to the document
    }

    private static HttpRequestMessage WithCookie(HttpMethod method, string path, string cookie)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", cookie);
        return request;
    }
}
