using System.Text.Json.Nodes;
using Tongban.Client;

namespace Tongban.Cli.Hub;

/// <summary>
/// <c>GET /api/v1/operator/audit/verification[?caseId=]</c>: Tongban.Client has no typed call for it yet, so the CLI sends it
/// itself through the client's handler chain (its signer and retries) and reads errors with the client's problem parser.
/// </summary>
public static class AuditVerification
{
    public static async Task<JsonNode> GetAsync(Uri url, TongbanCredentials credentials, string? caseId, TimeProvider time, CancellationToken ct)
    {
        using var http = TongbanApiClient.CreateHttpClient(url, credentials, new TongbanClientOptions { Time = time });
        using var response = await http.GetAsync("api/v1/operator/audit/verification" + (caseId is null ? "" : "?caseId=" + Uri.EscapeDataString(caseId)), ct);
        if (!response.IsSuccessStatusCode) throw await TongbanProblemException.FromResponseAsync(response, time, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct)) ?? new JsonObject();
    }
}
