using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tongban.Client;

namespace Tongban.DevHost.Demo;

/// <summary>
/// Raw signed calls for the tests and the bench, which need every answer as it came (status, body, headers), requests
/// the typed client would never send, and no retries. The signing is Tongban.Client's (<see cref="TongbanSignature"/>),
/// the one signer on the client side; partners and the demo use <see cref="TongbanClient"/> itself. An operator signs
/// the same way, named by <c>X-Tongban-Operator</c> (<see cref="ForOperator"/>).
/// </summary>
public sealed class PartnerClient(HttpClient http, string partnerCode, string secret, TimeProvider? time = null, string callerHeader = TongbanSignature.PartnerHeader)
{
    private readonly TongbanCredentials credentials = callerHeader == TongbanSignature.OperatorHeader
        ? TongbanCredentials.Operator(partnerCode, secret) : TongbanCredentials.Partner(partnerCode, secret);

    /// <summary>A client for the operator API, signing as operator <paramref name="operatorId"/>.</summary>
    public static PartnerClient ForOperator(HttpClient http, string operatorId, string secret) =>
        new(http, operatorId, secret, callerHeader: TongbanSignature.OperatorHeader);

    public Task<PartnerResponse> GetAsync(string pathAndQuery, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, pathAndQuery, null, ct: ct);

    public Task<PartnerResponse> PostAsync(string path, object body, string? idempotencyKey = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, path, Encoding.UTF8.GetBytes(body as string ?? JsonSerializer.Serialize(body, TongbanJson.Options)),
            idempotencyKey is null ? null : new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey }, ct: ct);

    public async Task<PartnerResponse> SendAsync(HttpMethod method, string pathAndQuery, byte[]? body,
        IReadOnlyDictionary<string, string>? headers = null, string contentType = "application/json", Action<HttpRequestMessage>? tamper = null,
        CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, pathAndQuery);
        foreach (var (name, value) in TongbanSignature.Headers(credentials, method.Method, pathAndQuery, body ?? [], (time ?? TimeProvider.System).GetUtcNow()))
            request.Headers.Add(name, value);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        tamper?.Invoke(request);
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return new PartnerResponse((int)response.StatusCode, text, response.Headers.Location?.ToString(),
            response.Content.Headers.ContentType?.MediaType, response.Headers.RetryAfter?.Delta);
    }
}

/// <summary>A response as a partner sees it.</summary>
public sealed record PartnerResponse(int Status, string Body, string? Location, string? ContentType, TimeSpan? RetryAfter)
{
    public JsonNode? Json => string.IsNullOrEmpty(Body) ? null : JsonNode.Parse(Body);

    public string? this[string property] => Json?[property]?.ToString();
}
