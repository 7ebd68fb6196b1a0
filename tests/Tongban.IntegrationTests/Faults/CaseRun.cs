using System.Collections.Concurrent;
using System.Globalization;
using Tongban.DevHost.Demo;
using Tongban.Sandbox.State;

namespace Tongban.IntegrationTests.Faults;

/// <summary>
/// Drives a fault run's cases: opens each through whichever hub is up (retrying with the same Idempotency-Key), watches
/// them all in a background loop (playing the officer on a waiting review), waits until every case is final, then checks each
/// case's status and the provinces' side.
/// </summary>
public sealed class CaseRun(FaultRig rig, IReadOnlyList<Func<string, PartnerClient>> hubs)
{
    private static readonly string[] FinalStatuses = ["Completed", "Rejected", "Failed", "Expired", "Withdrawn"];
    private static readonly string[] OpenStepStatuses = ["Pending", "Running", "Waiting"];
    private readonly ConcurrentDictionary<int, PlannedCase> cases = new();
    private readonly ConcurrentDictionary<string, string> vouched = new(StringComparer.Ordinal);
    private DateTime? firstOpen;

    /// <summary>While true the officer only watches: marriages wait at their review.</summary>
    public bool OfficerHolds { get; set; }

    public IReadOnlyList<PlannedCase> Cases => [.. cases.Values.OrderBy(c => c.Number)];

    /// <summary>Cases handed to <see cref="OpenAsync"/> and not yet seen final.</summary>
    public int InFlight => cases.Values.Count(c => c.Final is null);

    public bool AllFinal => cases.Values.All(c => c.Final is not null);

    /// <summary>From the first case's opening to the last one seen final.</summary>
    public TimeSpan TimeToFinal => firstOpen is { } first && cases.Values.Max(c => c.FinalAt) is { } last ? last - first : TimeSpan.Zero;

    /// <summary>How long a partner keeps retrying an open before the run gives up on it.</summary>
    public static readonly TimeSpan OpenWithin = TimeSpan.FromMinutes(3);

    /// <summary>A case the test opened and checks itself, beside the plan: its effects at the sandbox are not strangers.</summary>
    public void Vouch(string caseId, string what) => vouched[caseId] = what;

    /// <summary>Opens the case through hub <paramref name="hubIndex"/> (falling over to the others), retrying until the hub answers 2xx.</summary>
    public async Task OpenAsync(PlannedCase planned, int hubIndex, CancellationToken ct)
    {
        firstOpen ??= DateTime.UtcNow;
        cases[planned.Number] = planned;
        var body = planned.Body();
        var attempt = 0;
        var lastAnswer = 0;
        var deadline = DateTime.UtcNow + OpenWithin;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{planned} not opened within {OpenWithin.TotalMinutes} min ({rig.Broken() ?? "the rig runs"})");
            var partner = hubs[(hubIndex + attempt) % hubs.Count](planned.Handling);
            attempt++;
            try
            {
                var opened = await partner.PostAsync("/api/v1/cases", body, planned.Key, ct);
                if (opened.Status is >= 200 and < 300 && opened["caseId"] is { } id)
                {
                    planned.CaseId = id;
                    rig.Log($"{planned} opened (attempt {attempt}, {opened.Status})");
                    return;
                }

                // Once per answer in a row: a claim left by a killed request answers 409 for up to half a minute.
                if (opened.Status != lastAnswer) rig.Log($"{planned} open answered {opened.Status}: {opened.Body[..Math.Min(200, opened.Body.Length)]}");
                lastAnswer = opened.Status;
                if (opened.Status is >= 400 and < 500 and not 409 and not 429) throw new InvalidOperationException($"open refused: {opened.Status} {opened.Body}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
            }

            await Task.Delay(300, ct);
        }
    }

    /// <summary>
    /// Opens the cases as independent partners would: each on its own (a request cut off by a fault holds up only its own
    /// case), <paramref name="pause"/> apart, alternating between the hubs; returns when all are opened.
    /// </summary>
    public async Task OpenAllAsync(IEnumerable<PlannedCase> plan, Func<TimeSpan> pause, CancellationToken ct)
    {
        var opens = new List<Task>();
        foreach (var planned in plan)
        {
            opens.Add(OpenAsync(planned, opens.Count % hubs.Count, ct));
            await Task.Delay(pause(), ct);
        }

        await Task.WhenAll(opens);
    }

    /// <summary>Polls every open case through the hubs in turn, noting final ones; the officer decides each waiting review as planned.</summary>
    public async Task WatchAsync(CancellationToken ct)
    {
        var turn = 0;
        var lastReport = DateTime.UtcNow;
        while (!ct.IsCancellationRequested)
        {
            if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(15))
            {
                lastReport = DateTime.UtcNow;
                rig.Log($"progress: {Progress()}");
            }

            foreach (var planned in cases.Values.Where(c => c.CaseId is not null && c.Final is null).OrderBy(c => c.Number).ToList())
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
                        planned.FinalAt = DateTime.UtcNow;
                        rig.Log($"{planned} final: {status}");
                        continue;
                    }

                    // The officer decides a review step that waits (the contract's condition); the case should say AwaitingReview then.
                    // A decision whose answer was lost (the hub died mid-request) is sent again, as a partner would, while the
                    // step shows it received but not yet acted on (Running), or, from workflow version 7, an approval written
                    // (Succeeded) whose registration may not have been queued nor its event raised.
                    var review = node["steps"]!.AsArray().FirstOrDefault(s => s!["name"]!.ToString() == "officer-review"
                        && (s["status"]!.ToString() == "Waiting"
                            || (s["status"]!.ToString() is "Running" or "Succeeded" && planned.DecisionSent && !planned.DecisionAnswered)));
                    if (review is null || OfficerHolds || planned.OfficerDecision is not { } decision) continue;
                    if (status != "AwaitingReview" && review["status"]!.ToString() != "Succeeded" && planned.Anomalies.Count == 0)
                    {
                        planned.Anomalies.Add($"case {status} while its officer review waits (waiting since {review["startedAt"]}, case updated {node["updatedAt"]})");
                        rig.Log($"{planned}: {planned.Anomalies[0]}");
                    }

                    planned.DecisionSent = true;
                    var decided = await partner.PostAsync($"/api/v1/cases/{planned.CaseId}/decisions",
                        new { step = "officer-review", decision, officer = "FAULT-OFFICER", reason = "planned by the fault run" }, ct: ct);
                    planned.DecisionAnswered = decided.Status is 202 or 409;
                    if (decided.Status == 202) rig.Log($"{planned}: officer decided {decision}");
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
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

    /// <summary>Waits until every case is final; false when <paramref name="within"/> runs out or the rig breaks (a process gone).</summary>
    public async Task<bool> WaitAllFinalAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!AllFinal)
        {
            if (DateTime.UtcNow > deadline) return false;
            if (rig.Broken() is { } broken)
            {
                rig.Log($"stopped waiting: {broken}");
                return false;
            }

            await Task.Delay(500);
        }

        return true;
    }

    /// <summary>Reads every final case once more: a final status must stay (a late, repeated write must not move it back).</summary>
    public async Task ConfirmFinalAsync()
    {
        var turn = 0;
        foreach (var planned in Cases.Where(c => c.Final is not null))
        {
            string? now;
            try
            {
                var seen = await hubs[turn++ % hubs.Count](planned.Handling).GetAsync($"/api/v1/cases/{planned.CaseId}");
                now = seen.Status == 200 ? FaultRig.Status(seen.Json) : $"answer {seen.Status}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                now = $"unreadable ({e.GetType().Name}; {rig.Broken() ?? "the rig runs"})";
            }

            if (now != FaultRig.Status(planned.Final)) planned.Anomalies.Add($"final {FaultRig.Status(planned.Final)}, later {now}");
        }
    }

    /// <summary>"opened 48 of 50; Completed 20, InProgress 25, AwaitingReview 3": the cases as last seen.</summary>
    public string Progress()
    {
        var seen = cases.Values.GroupBy(c => FaultRig.Status(c.Final ?? c.LastSeen) ?? "not seen").OrderBy(g => g.Key, StringComparer.Ordinal);
        return $"opened {cases.Values.Count(c => c.CaseId is not null)} of {cases.Count}; {string.Join(", ", seen.Select(g => $"{g.Key} {g.Count()}"))}";
    }

    /// <summary>Holds when every case handed over so far is final or resting where nothing moves without outside news.</summary>
    public bool AllResting(Func<PlannedCase, bool> resting) => cases.Values.All(c => c.Final is not null || (c.LastSeen is not null && resting(c)));

    /// <summary>Checks every case's final status and the sandbox's side of all of them.</summary>
    public (int Lost, Findings Findings) Verify()
    {
        var findings = new Findings();
        var lost = 0;
        var state = rig.Sandbox.State;
        var snapshot = state.Snapshot();
        foreach (var planned in Cases)
        {
            foreach (var anomaly in planned.Anomalies) findings.Incorrect(planned, anomaly);
            if (planned.CaseId is null || planned.Final is null)
            {
                lost++;
                var steps = planned.LastSeen?["steps"]?.AsArray()
                    .Select(s => $"{s!["name"]}|{s["subject"]}|{s["province"]}|{s["status"]}|attempts {s["attempts"]}");
                findings.Problems.Add($"{planned}: not final (lost); last seen {planned.LastSeen?["status"]} (updated {planned.LastSeen?["updatedAt"]}), steps: {string.Join("; ", steps ?? [])}");
                continue;
            }

            var final = planned.Final;
            var status = FaultRig.Status(final);
            var reason = final["outcome"]?["reason"]?.ToString() ?? "";
            if (status != planned.Expected) findings.Incorrect(planned, $"{status}, expected {planned.Expected}: {final["outcome"]?.ToJsonString()}");
            else if (planned.ExpectedReasons.Count > 0 && !planned.ExpectedReasons.Any(r => reason.StartsWith(r, StringComparison.Ordinal)))
            {
                findings.Incorrect(planned, $"rejected for '{reason}', expected one of {string.Join(", ", planned.ExpectedReasons)}");
            }

            foreach (var step in final["steps"]!.AsArray().Where(s => OpenStepStatuses.Contains(s!["status"]!.ToString())))
            {
                findings.Held(planned, $"step {step!["name"]} at {step["province"]} left {step["status"]}");
            }

            planned.CheckEffects(snapshot, state.StudentStatus, findings);
        }

        CheckWholeSandbox(snapshot, findings);
        return (lost, findings);
    }

    /// <summary>Effects no planned case owns (a case run twice under another ID), people married or enrolled twice, things left held.</summary>
    private void CheckWholeSandbox(SandboxStateSnapshot snapshot, Findings findings)
    {
        var byId = cases.Values.Where(c => c.CaseId is not null).ToDictionary(c => c.CaseId!, StringComparer.Ordinal);
        void Owned(string what, string hubCaseId)
        {
            if (!byId.ContainsKey(hubCaseId) && !vouched.ContainsKey(hubCaseId)) findings.Duplicate("sandbox", $"{what} for {hubCaseId}, which no planned case opened");
        }

        foreach (var m in snapshot.Marriages) Owned($"marriage {m.CertificateNo} at {m.ProvinceCode}", m.HubCaseId);
        foreach (var t in snapshot.Tickets) Owned($"ticket {t.Ticket} ({t.Type}) at {t.ProvinceCode}", t.HubCaseId);
        foreach (var e in snapshot.Enrollments) Owned($"enrolment of {e.StudentNo[..7]}… at {e.ProvinceCode}", e.HubCaseId);
        foreach (var t in snapshot.Transfers) Owned($"transfer-out {t.TransferId}", t.HubCaseId);
        foreach (var u in snapshot.CertificateUsage.Where(u => u.HeldBy is not null && u.HeldBy != SandboxState.PreexistingHolder))
        {
            Owned($"certificate {u.CertificateNo} held", u.HeldBy!);
            if (byId.TryGetValue(u.HeldBy!, out var holder) && FaultRig.Status(holder.Final) != "Completed")
            {
                findings.Held(holder, $"certificate {u.CertificateNo} held by a case that ended {FaultRig.Status(holder.Final) ?? "not at all"}");
            }
        }

        foreach (var twice in snapshot.MaritalUpdates.Where(u => u.MaritalStatus == "married").GroupBy(u => u.IdNumber).Where(g => g.Count() > 1))
        {
            findings.Duplicate("sandbox", $"{twice.Key[..6]}… married {twice.Count()} times ({string.Join(", ", twice.Select(u => u.CertificateNo))})", twice.Count() - 1);
        }

        foreach (var twice in snapshot.Enrollments.GroupBy(e => e.StudentNo).Where(g => g.Count() > 1))
        {
            findings.Duplicate("sandbox", $"student {twice.Key[..7]}… enrolled {twice.Count()} times", twice.Count() - 1);
        }

        foreach (var t in snapshot.Transfers.Where(t => t.Status == TransferStatuses.Approved))
        {
            findings.Held(byId.GetValueOrDefault(t.HubCaseId) ?? (object)"sandbox", $"transfer-out {t.TransferId} approved but neither confirmed nor cancelled");
        }

        foreach (var t in snapshot.Tickets.Where(t => !t.IsFinal && byId.GetValueOrDefault(t.HubCaseId)?.Final is not null))
        {
            findings.Held(byId[t.HubCaseId], $"ticket {t.Ticket} still processing");
        }
    }

    /// <summary>The run's one-line figures, e.g. "cases=50 (m=18 n=16 s=16) completed=35 rejected=15".</summary>
    public string Figures() => string.Create(CultureInfo.InvariantCulture,
        $"cases={cases.Count} ({CasePlan.Mix(cases.Values)}) completed={cases.Values.Count(c => FaultRig.Status(c.Final) == "Completed")} " +
        $"rejected={cases.Values.Count(c => FaultRig.Status(c.Final) == "Rejected")}");
}

/// <summary>What a run's check found: effects beyond once, things left held, and every problem in words.</summary>
public sealed class Findings
{
    public int Duplicates { get; private set; }

    public int Stuck { get; private set; }

    public int Wrong { get; private set; }

    public List<string> Problems { get; } = [];

    public void Duplicate(object where, string what, int extra = 1)
    {
        Duplicates += extra;
        Problems.Add($"{where}: duplicate: {what}");
    }

    public void Held(object where, string what)
    {
        Stuck++;
        Problems.Add($"{where}: stuck: {what}");
    }

    public void Incorrect(object where, string what)
    {
        Wrong++;
        Problems.Add($"{where}: {what}");
    }
}
