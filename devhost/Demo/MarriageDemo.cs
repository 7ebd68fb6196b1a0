using System.Text.Json.Nodes;
using Tongban.Configuration;

namespace Tongban.DevHost.Demo;

/// <summary>
/// <c>dotnet run --project devhost -- --demo</c>: opens a few marriage cases as Shanghai and Zhejiang
/// through signed calls, plays the officer, and prints how each case ends.
/// </summary>
public sealed class MarriageDemo(Uri hub, TongbanOptions options, TextWriter output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public async Task RunAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = hub };
        var shanghai = new PartnerClient(http, "310000", options.Partners["310000"].Secret);
        var zhejiang = new PartnerClient(http, "330000", options.Partners["330000"].Secret);
        var run = DateTime.UtcNow.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);

        output.WriteLine("Demo: three cross-province marriages (ID numbers are masked in every response).");
        var approved = await OpenAsync(shanghai, $"SH-DEMO-{run}-1", "310115",
            ("330106200006179053", "邓远晨", "330000"), ("310115199608199825", "闫丽红", "310000"), ct);
        var deceased = await OpenAsync(zhejiang, $"ZJ-DEMO-{run}-2", "330106",
            ("330106199112177419", "程凯", "330000"), ("310104199805157983", "崔建艳", "310000"), ct);
        var declined = await OpenAsync(zhejiang, $"ZJ-DEMO-{run}-3", "330106",
            ("330110198402048375", "马伟雪", "330000"), ("310115198704139828", "朱志静", "310000"), ct);

        await DecideWhenWaitingAsync(shanghai, approved, "approve", "SH-OFFICER-007", null, ct);
        await DecideWhenWaitingAsync(zhejiang, declined, "reject", "ZJ-OFFICER-012", "the parties did not appear", ct);

        foreach (var (client, caseId) in new[] { (shanghai, approved), (zhejiang, deceased), (zhejiang, declined) })
        {
            var final = await WaitAsync(client, caseId, c => c["status"]?.ToString() is "Completed" or "Rejected" or "Failed" or "Expired" or "Withdrawn", ct);
            Print(final);
        }
    }

    private async Task<string> OpenAsync(PartnerClient client, string reference, string registry,
        (string Id, string Name, string Hukou) a, (string Id, string Name, string Hukou) b, CancellationToken ct)
    {
        var body = new
        {
            caseType = "marriage-registration",
            reference,
            handlingProvince = client.PartnerCode,
            details = new
            {
                registryCode = registry,
                partyA = new { idNumber = a.Id, name = a.Name, hukouProvince = a.Hukou },
                partyB = new { idNumber = b.Id, name = b.Name, hukouProvince = b.Hukou },
            },
        };
        var response = await client.PostAsync("/api/v1/cases", body, idempotencyKey: reference, ct: ct);
        if (response.Status is not (200 or 202)) throw new InvalidOperationException($"Opening {reference} failed: {response.Status} {response.Body}");
        var caseId = response["caseId"]!;
        output.WriteLine($"{client.PartnerCode} opened {caseId} ({reference}): {response.Status}");
        return caseId;
    }

    private async Task DecideWhenWaitingAsync(PartnerClient client, string caseId, string decision, string officer, string? reason, CancellationToken ct)
    {
        var waiting = await WaitAsync(client, caseId, c => c["status"]?.ToString() is "AwaitingReview" or "Rejected" or "Failed", ct);
        if (waiting["status"]?.ToString() != "AwaitingReview") return;
        var response = await client.PostAsync($"/api/v1/cases/{caseId}/decisions",
            new { step = "officer-review", decision, officer, reason }, ct: ct);
        output.WriteLine($"{client.PartnerCode} officer {officer} decided {decision} on {caseId}: {response.Status}");
    }

    private static async Task<JsonNode> WaitAsync(PartnerClient client, string caseId, Func<JsonNode, bool> until, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var response = await client.GetAsync($"/api/v1/cases/{caseId}", ct);
            var json = response.Json ?? throw new InvalidOperationException($"No body for {caseId}");
            if (until(json) || DateTime.UtcNow > deadline) return json;
            await Task.Delay(250, ct);
        }
    }

    private void Print(JsonNode json)
    {
        output.WriteLine($"- {json["caseId"]} {json["reference"]}: {json["status"]} {json["outcome"]?.ToJsonString() ?? ""}");
        foreach (var step in json["steps"]!.AsArray())
        {
            output.WriteLine($"    {step!["name"],-22} {step["subject"],-7} {step["province"],-7} {step["status"],-10} attempts={step["attempts"]} {step["detail"]}");
        }
    }
}
