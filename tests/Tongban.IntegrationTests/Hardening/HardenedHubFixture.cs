using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tongban.IntegrationTests.Infrastructure;

namespace Tongban.IntegrationTests.Hardening;

/// <summary>A hub with a tight rate limit for Anhui (1/s, burst 3) and an operator; the other partners keep the defaults.</summary>
public sealed class HardenedHubFixture : HubFixture
{
    public const string OperatorId = "ops-h";
    public const string RateLimitedPartner = "340000";

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings[$"Tongban:Operators:{OperatorId}:Secret"] = "operator-secret-for-hardening-tests-0001";
        settings[$"Tongban:Partners:{RateLimitedPartner}:RateLimit:RequestsPerSecond"] = "1";
        settings[$"Tongban:Partners:{RateLimitedPartner}:RateLimit:Burst"] = "3";
        // The other tests of this class send Shanghai's requests in quick bursts (the case-ID theory alone sends 48): on a quiet
        // machine they outran the default 40-request burst and got 429s meant only for the rate-limit test's own partner above.
        settings["Tongban:Partners:310000:RateLimit:RequestsPerSecond"] = "1000";
        settings["Tongban:Partners:310000:RateLimit:Burst"] = "1000";
    }

    public string Setting(string key) => Hub.Services.GetRequiredService<IConfiguration>()[key]!;

    /// <summary>A request signed by hand, so a test can choose (and repeat) every part of it.</summary>
    public static HttpRequestMessage SignedRequest(string callerHeader, string caller, string secret, HttpMethod method, string pathAndQuery,
        byte[]? body = null, string? nonce = null, long? timestamp = null)
    {
        var ts = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).ToString(CultureInfo.InvariantCulture);
        nonce ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var request = new HttpRequestMessage(method, pathAndQuery);
        request.Headers.TryAddWithoutValidation(callerHeader, caller);
        request.Headers.TryAddWithoutValidation("X-Tongban-Timestamp", ts);
        request.Headers.TryAddWithoutValidation("X-Tongban-Nonce", nonce);
        request.Headers.TryAddWithoutValidation("X-Tongban-Signature", Tongban.Client.TongbanSignature.Sign(secret, method.Method, pathAndQuery, ts, nonce, body ?? []));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        return request;
    }

    public async Task<(int Status, HttpResponseMessage Response, JsonNode? Body, string Text)> SendAsync(HttpRequestMessage request)
    {
        using var http = new HttpClient(OpenApiConformance.Create()) { BaseAddress = Hub.Url, Timeout = TimeSpan.FromSeconds(30) };
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json" && text.Length > 0) json = JsonNode.Parse(text);
        return ((int)response.StatusCode, response, json, text);
    }

    /// <summary>A problem body without its per-request traceId, for comparing two answers.</summary>
    public static string WithoutTrace(JsonNode? problem)
    {
        Assert.NotNull(problem);
        Assert.False(string.IsNullOrEmpty(problem!["traceId"]?.ToString()), "every problem carries a traceId");
        var copy = problem.DeepClone().AsObject();
        copy.Remove("traceId");
        return copy.ToJsonString();
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

[CollectionDefinition(Name)]
public sealed class HardenedHubCollection : ICollectionFixture<HardenedHubFixture>
{
    public const string Name = "hardened-hub";
}
