using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tongban.DevHost.Demo;
using Tongban.Sandbox;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.Faults;

/// <summary>A planned marriage case: a man (partyA) and a woman (partyB) from different provinces, and how it should end.</summary>
public sealed record PlannedCase(int Number, Citizen Man, Citizen Woman, string Handling, string Registry, string Expected)
{
    public string Key { get; } = Key();

    public string? CaseId { get; set; }

    public JsonNode? Final { get; set; }

    public JsonNode? LastSeen { get; set; }

    public int Approvals { get; set; }
}

/// <summary>
/// Opens marriage cases through whichever hub is up (retrying with the same Idempotency-Key), approves each at
/// AwaitingReview in a background loop, and waits until every case is final; then checks the sandbox's side.
/// </summary>
public sealed class MarriageRun(FaultRig rig, IReadOnlyList<Func<string, PartnerClient>> hubs)
{
    private static readonly string[] FinalStatuses = ["Completed", "Rejected", "Failed", "Expired", "Withdrawn"];
    private readonly ConcurrentDictionary<int, PlannedCase> cases = new();

    /// <summary>While true the officer only watches: cases stay at AwaitingReview.</summary>
    public bool OfficerHolds { get; set; }

    public IReadOnlyCollection<PlannedCase> Cases => cases.Values.OrderBy(c => c.Number).ToList();

    /// <summary>
    /// <paramref name="completing"/> distinct adult unmarried cross-province couples (Zhejiang, Shanghai, Jiangxi, Anhui),
    /// plus <paramref name="rejected"/> cases where the woman is deceased.
    /// </summary>
    public static List<PlannedCase> Plan(int completing, int rejected)
    {
        using var stream = typeof(ProvinceSandbox).Assembly.GetManifestResourceStream("Tongban.Sandbox.Data.sandbox-population.json")
            ?? throw new InvalidOperationException("The sandbox population is not embedded.");
        var citizens = JsonNode.Parse(stream)!["citizens"]!.AsArray().Select(c => c!).ToList();
        bool Adult(JsonNode c) => string.CompareOrdinal(c["birthDate"]!.ToString(), "2003-12-31") <= 0;
        bool Free(JsonNode c) => c["residentStatus"]!.ToString() == "normal" && c["maritalStatus"]!.ToString() is "unmarried" or "divorced" or "widowed";
        var men = citizens.Where(c => c["sex"]!.ToString() == "male" && Adult(c) && Free(c)).ToList();
        var women = citizens.Where(c => c["sex"]!.ToString() == "female" && Adult(c) && Free(c)).ToList();
        var deceased = citizens.Where(c => c["sex"]!.ToString() == "female" && c["residentStatus"]!.ToString() == "deceased").ToList();
        var plan = new List<PlannedCase>();
        var usedMen = new HashSet<string>();

        PlannedCase Pair(JsonNode woman, string expected)
        {
            var man = men.FirstOrDefault(m => !usedMen.Contains(m["idNumber"]!.ToString()) && m["hukouProvince"]!.ToString() != woman["hukouProvince"]!.ToString())
                ?? throw new InvalidOperationException($"Not enough men for {plan.Count + 1} couples.");
            usedMen.Add(man["idNumber"]!.ToString());
            // Alternate the handling province between the man's and the woman's; the registry is a county of it.
            var byMan = plan.Count % 2 == 0;
            var handler = byMan ? man : woman;
            return new PlannedCase(plan.Count + 1, Citizen(man), Citizen(woman), handler["hukouProvince"]!.ToString(), handler["hukouDivision"]!.ToString(), expected);
        }

        // Spread the women over the provinces first, so each province handles and answers some.
        var orderedWomen = women.GroupBy(w => w["hukouProvince"]!.ToString())
            .SelectMany(g => g.Select((w, i) => (w, i))).OrderBy(x => x.i).Select(x => x.w).ToList();
        if (completing > orderedWomen.Count) throw new InvalidOperationException($"Only {orderedWomen.Count} eligible women for {completing} couples.");
        foreach (var woman in orderedWomen.Take(completing)) plan.Add(Pair(woman, "Completed"));
        if (deceased.Count < rejected) throw new InvalidOperationException("Not enough deceased women.");
        // Interleave the rejections among the others.
        for (var i = 0; i < rejected; i++)
        {
            var rejection = Pair(deceased[i], "Rejected");
            plan.Insert(Math.Min(plan.Count, (i + 1) * completing / (rejected + 1) + i), rejection);
        }

        return plan;
    }

    private static Citizen Citizen(JsonNode c) => new(c["idNumber"]!.ToString(), c["name"]!.ToString(), c["hukouProvince"]!.ToString());

    /// <summary>Opens the case through hub <paramref name="hubIndex"/> (falling over to the others), retrying until the hub answers 2xx.</summary>
    public async Task OpenAsync(PlannedCase planned, int hubIndex, CancellationToken ct)
    {
        cases[planned.Number] = planned;
        var body = Body(planned.Handling, planned.Registry, planned.Man, planned.Woman, "FAULT-" + planned.Number);
        var attempt = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var partner = hubs[(hubIndex + attempt) % hubs.Count](planned.Handling);
            attempt++;
            try
            {
                var opened = await partner.PostAsync("/api/v1/cases", body, planned.Key, ct);
                if (opened.Status is >= 200 and < 300 && opened["caseId"] is { } id)
                {
                    planned.CaseId = id;
                    rig.Log($"case {planned.Number} opened as {id} (attempt {attempt}, {opened.Status})");
                    return;
                }

                rig.Log($"case {planned.Number} open answered {opened.Status}: {opened.Body[..Math.Min(200, opened.Body.Length)]}");
                if (opened.Status is >= 400 and < 500 and not 409 and not 429) throw new InvalidOperationException($"open refused: {opened.Status} {opened.Body}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
            }

            await Task.Delay(300, ct);
        }
    }

    /// <summary>The officer: approves every case seen at AwaitingReview, through any hub that answers.</summary>
    public async Task OfficerLoopAsync(CancellationToken ct)
    {
        var turn = 0;
        while (!ct.IsCancellationRequested)
        {
            foreach (var planned in cases.Values.Where(c => c.CaseId is not null && c.Final is null).ToList())
            {
                var partner = hubs[turn++ % hubs.Count](planned.Handling);
                try
                {
                    var seen = await partner.GetAsync($"/api/v1/cases/{planned.CaseId}", ct);
                    if (seen.Status != 200) continue;
                    var node = seen.Json!;
                    planned.LastSeen = node;
                    var status = FaultRig.Status(node);
                    if (FinalStatuses.Contains(status))
                    {
                        planned.Final = node;
                        rig.Log($"case {planned.Number} final: {status}");
                        continue;
                    }

                    if (status != "AwaitingReview" || OfficerHolds) continue;
                    var decided = await partner.PostAsync($"/api/v1/cases/{planned.CaseId}/decisions",
                        new { step = "officer-review", decision = "approve", officer = "FAULT-OFFICER" }, ct: ct);
                    if (decided.Status == 202)
                    {
                        planned.Approvals++;
                        rig.Log($"case {planned.Number} approved");
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                }
            }

            try
            {
                await Task.Delay(250, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public bool AllFinal => cases.Values.All(c => c.Final is not null);

    public async Task<bool> WaitAllFinalAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var lastReport = DateTime.UtcNow;
        while (!AllFinal)
        {
            if (DateTime.UtcNow > deadline) return false;
            if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(15))
            {
                lastReport = DateTime.UtcNow;
                rig.Log($"waiting: {cases.Values.Count(c => c.Final is null)} of {cases.Count} cases not final");
            }

            await Task.Delay(500);
        }

        return true;
    }

    /// <summary>Checks every case against the sandbox; returns (lost, duplicate effects, problems).</summary>
    public (int Lost, int Duplicates, List<string> Problems) Verify()
    {
        var problems = new List<string>();
        int lost = 0, duplicates = 0;
        var state = rig.Sandbox.State;
        foreach (var planned in Cases)
        {
            var tag = $"case {planned.Number} ({planned.CaseId ?? "never opened"}, {planned.Handling})";
            if (planned.CaseId is null || planned.Final is null)
            {
                lost++;
                var steps = planned.LastSeen?["steps"]?.AsArray().Where(s => s!["status"]?.ToString() != "Succeeded")
                    .Select(s => $"{s!["name"]}|{s["subject"]}|{s["province"]}|{s["status"]}|attempts {s["attempts"]}");
                problems.Add($"{tag}: not final (lost); last seen {planned.LastSeen?["status"]}, open steps: {string.Join("; ", steps ?? [])}");
                continue;
            }

            var final = planned.Final;
            var status = FaultRig.Status(final);
            if (status != planned.Expected) problems.Add($"{tag}: {status}, expected {planned.Expected}: {final["outcome"]?.ToJsonString()}");
            var open = final["steps"]!.AsArray().Where(s => s!["status"]!.ToString() is "Running" or "Waiting" or "Pending").ToList();
            if (open.Count > 0) problems.Add($"{tag}: steps left open: {string.Join(", ", open.Select(s => $"{s!["name"]}:{s["status"]}"))}");

            var marriages = state.Marriages.Where(m => m.HubCaseId == planned.CaseId
                || m.PartyAIdNumber == planned.Man.IdNumber || m.PartyBIdNumber == planned.Woman.IdNumber).ToList();
            if (planned.Expected == "Completed")
            {
                var certificate = final["outcome"]?["certificateNo"]?.ToString();
                if (marriages.Count != 1) { duplicates += Math.Max(0, marriages.Count - 1); problems.Add($"{tag}: {marriages.Count} marriages registered"); }
                if (marriages.Count >= 1 && marriages[0].ProvinceCode != planned.Handling) problems.Add($"{tag}: registered at {marriages[0].ProvinceCode}");
                if (certificate is null) { problems.Add($"{tag}: no certificate in the outcome"); continue; }
                if (state.MarriageForCase(planned.Handling, planned.CaseId)?.CertificateNo != certificate) problems.Add($"{tag}: the handling province holds another certificate");
                foreach (var person in new[] { planned.Man, planned.Woman })
                {
                    var update = state.MaritalUpdate(person.IdNumber, certificate);
                    if (update is null) problems.Add($"{tag}: no marital update at {person.Hukou}");
                    else if (update.Effects != 1) { duplicates += update.Effects - 1; problems.Add($"{tag}: marital update effects {update.Effects} at {person.Hukou}"); }
                }
            }
            else if (marriages.Count != 0)
            {
                duplicates += marriages.Count;
                problems.Add($"{tag}: rejected but {marriages.Count} marriages registered");
            }
        }

        return (lost, duplicates, problems);
    }

    public static string Describe(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
