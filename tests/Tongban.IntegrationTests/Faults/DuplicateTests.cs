using System.Diagnostics;
using System.Text.Json.Nodes;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Sandbox.State;
using Xunit.Abstractions;

namespace Tongban.IntegrationTests.Faults;

/// <summary>
/// "Never lose a case" (issue 4), at-least-once on both sides: every province-queue message is put twice (the devhost's
/// Tongban:Faults:DuplicateQueueMessages) and Shanghai calls every result back twice (its DuplicateCallbacks knob),
/// while marriages, newborn registrations and school transfers run. Each case ends once and right, each effect once.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class DuplicateTests(ITestOutputHelper output)
{
    private static readonly string[] FinalStatuses = ["Completed", "Rejected", "Failed", "Expired", "Withdrawn"];

    /// <summary>A newborn or school-transfer case, slow work at Shanghai: opened by its handling province, checked at the sandbox.</summary>
    private sealed record SlowCase(string Name, string Handling, object Body)
    {
        public string? CaseId { get; set; }

        public JsonNode? Final { get; set; }
    }

    [Fact]
    public async Task Duplicate_queue_messages_and_duplicate_callbacks_have_no_duplicate_effects()
    {
        var clock = Stopwatch.StartNew();
        await using var rig = await FaultRig.StartAsync(output);
        var log = new HubLog(clock);
        var settings = ResilientHub.Settings();
        settings["Tongban__Faults__DuplicateQueueMessages"] = "true";
        settings["Logging__LogLevel__Tongban.DevHost.Faults.DuplicateQueueMessages"] = "Information";
        var hub = await rig.StartHubAsync("hub", settings, log.Add);
        var shanghai = rig.Sandbox.Knobs.Shanghai;
        shanghai.CallbackBaseUrl = hub.Url;
        shanghai.DuplicateCallbacks = true;

        var run = new CaseRun(rig, [code => rig.Partner(hub, code)]);
        var plan = CasePlan.MarriageCases(6);
        for (var i = 0; i < plan.Count; i++) plan[i].Number = i + 1;
        SlowCase[] slow =
        [
            new("newborn ZJ-born, registered in SH", "310000", Newborns.WithFather(Newborns.ZjMotherJx, Newborns.ShFather1)),
            new("newborn JX-born, registered in SH", "310000", Newborns.WithFather(Newborns.JxMotherZj, Newborns.ShFather2)),
            new("transfer SH -> ZJ", "330000", Students.Body(Students.ShDongQiang, "330000")),
            new("transfer SH -> JX", "360000", Students.Body(Students.ShXueXia, "360000")),
        ];

        using var stop = new CancellationTokenSource();
        var officer = run.WatchAsync(stop.Token);
        for (var i = 0; i < Math.Max(plan.Count, slow.Length); i++)
        {
            if (i < plan.Count) await run.OpenAsync(plan[i], 0, stop.Token);
            if (i < slow.Length)
            {
                await OpenAsync(rig, hub, slow[i]);
                run.Vouch(slow[i].CaseId!, slow[i].Name);
            }
            await Task.Delay(200);
        }

        var allFinal = await run.WaitAllFinalAsync(TimeSpan.FromSeconds(90)) & await WaitAllFinalAsync(rig, hub, slow, TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await officer;
        // Shanghai sends the second callback once the first has its 204, which may be just after the case ended.
        var state = rig.Sandbox.State;
        int CallbacksTakenTwice() => state.CallbackDeliveries.Where(d => d.Delivery == 2 && d.StatusCode == 204).Select(d => d.Ticket).Distinct().Count();
        for (var wait = Stopwatch.StartNew(); CallbacksTakenTwice() < slow.Length && wait.Elapsed < TimeSpan.FromSeconds(15);) await Task.Delay(100);

        var (lost, findings) = run.Verify();
        var (duplicates, problems) = (findings.Duplicates, findings.Problems);
        problems.AddRange(slow.SelectMany(c => Verify(rig, c)));
        var copies = log.Matching("Fault injected: a message put twice").Count;
        var callbacks = CallbacksTakenTwice();
        var cases = run.Cases.Count + slow.Length;
        var failed = run.Cases.Select(c => c.Final).Concat(slow.Select(c => c.Final)).Count(f => f is not null && FaultRig.Status(f) == "Failed");
        var (updates, enrolments) = (state.MaritalUpdates, state.Enrollments);
        rig.Report($"duplicates: cases={cases} lost={lost + slow.Count(c => c.Final is null)} duplicate-effects={duplicates} failed={failed} " +
            $"messages-put-twice={copies} callbacks-taken-twice={callbacks} marital-updates={updates.Count} (deliveries {updates.Sum(u => u.Deliveries)}) " +
            $"enrolments={enrolments.Count} (deliveries {enrolments.Sum(e => e.Deliveries)}) {clock.Elapsed.TotalSeconds:0} s");
        foreach (var problem in problems) rig.Log("PROBLEM: " + problem);

        // The faults were there: messages were put twice and reached the provinces twice, and every Shanghai result came twice.
        Assert.True(copies > cases, $"only {copies} messages were put twice");
        Assert.True(updates.Sum(u => u.Deliveries) + enrolments.Sum(e => e.Deliveries) > updates.Count + enrolments.Count,
            "no duplicate message reached a province");
        Assert.Equal(slow.Length, callbacks);

        Assert.True(allFinal, "not every case ended in time");
        Assert.Equal(0, lost);
        Assert.Equal(0, duplicates);
        Assert.Equal(0, failed);
        Assert.Empty(problems);
    }

    private static async Task OpenAsync(FaultRig rig, DevHostProcess hub, SlowCase c)
    {
        var opened = await rig.Partner(hub, c.Handling).PostAsync("/api/v1/cases", c.Body, Marriages.Key());
        Assert.True(opened.Status == 202, $"{c.Name}: open answered {opened.Status} {opened.Body}");
        c.CaseId = opened["caseId"];
        rig.Log($"{c.Name} opened as {c.CaseId}");
    }

    private static async Task<bool> WaitAllFinalAsync(FaultRig rig, DevHostProcess hub, IReadOnlyList<SlowCase> cases, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        foreach (var c in cases)
        {
            var partner = rig.Partner(hub, c.Handling);
            while (c.Final is null && DateTime.UtcNow < deadline)
            {
                var seen = await partner.GetAsync($"/api/v1/cases/{c.CaseId}");
                if (seen.Status == 200 && FinalStatuses.Contains(FaultRig.Status(seen.Json!))) c.Final = seen.Json;
                else await Task.Delay(250);
            }

            rig.Log($"{c.Name}: {(c.Final is null ? "not final" : FaultRig.Status(c.Final))}");
        }

        return cases.All(c => c.Final is not null);
    }

    /// <summary>The case completed, and the provinces did its work once: one ticket, the certificate held or the transfer confirmed, one enrolment.</summary>
    private static IEnumerable<string> Verify(FaultRig rig, SlowCase c)
    {
        var tag = $"{c.Name} ({c.CaseId})";
        if (c.Final is null)
        {
            yield return $"{tag}: not final (lost)";
            yield break;
        }

        if (FaultRig.Status(c.Final) != "Completed") yield return $"{tag}: {FaultRig.Status(c.Final)}: {c.Final["outcome"]?.ToJsonString()}";
        var state = rig.Sandbox.State;
        var tickets = state.Tickets.Where(t => t.HubCaseId == c.CaseId).ToList();
        if (tickets.Count != 1 || tickets[0].State != TicketStates.Approved) yield return $"{tag}: {tickets.Count} tickets ({string.Join(", ", tickets.Select(t => t.State))})";
        var deliveries = state.CallbackDeliveries.Where(d => tickets.Any(t => t.Ticket == d.Ticket)).ToList();
        if (deliveries.Where(d => d.StatusCode == 204).Select(d => d.Delivery).Distinct().Count() != 2) yield return $"{tag}: callbacks {string.Join(", ", deliveries)}";

        if (c.Body is JsonObject newborn)
        {
            var certificate = newborn["details"]!["birthCertificateNo"]!.ToString();
            if (state.CertificateHolder(certificate) != c.CaseId) yield return $"{tag}: certificate {certificate} held by {state.CertificateHolder(certificate)}";
            var releases = state.Snapshot().CertificateUsage.Single(u => u.CertificateNo == certificate).Releases;
            if (releases != 0) yield return $"{tag}: certificate released {releases} times";
        }
        else
        {
            var enrolments = state.Enrollments.Where(e => e.HubCaseId == c.CaseId).ToList();
            var transfers = state.Transfers.Where(t => t.HubCaseId == c.CaseId).ToList();
            if (enrolments.Count != 1) yield return $"{tag}: {enrolments.Count} enrolments";
            if (transfers.Count != 1 || transfers[0].Status != TransferStatuses.Confirmed) yield return $"{tag}: transfers {string.Join(", ", transfers)}";
            if (transfers.Count == 1 && state.StudentStatus(transfers[0].StudentNo) != "transferred") yield return $"{tag}: student {state.StudentStatus(transfers[0].StudentNo)}";
        }
    }
}
