using System.Text.Json.Nodes;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Sandbox.State;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>
/// Issue 16 §3 on the devhost, Azurite and the sandbox: an operator finds a citizen's cases by ID number (as party, parent,
/// the newborn child once the police issue its number), each search and each poison requeue is in the operators' audit
/// log with its reason, and bad input or a partner's credentials change nothing.
/// </summary>
[Collection(RedriveHubCollection.Name)]
public sealed class CitizenSearchEndToEndTests(RedriveHubFixture hub)
{
    private const string SearchPath = "/api/v1/operator/case-search";
    private const string AuditPath = "/api/v1/operator/operator-audit";

    private Tongban.DevHost.Demo.PartnerClient Op => hub.Operator(RedriveHubFixture.OperatorId);

    [Fact]
    public async Task A_search_finds_the_case_of_either_party_and_is_recorded_with_its_reason_never_the_number()
    {
        var opened = await hub.Partner("310000").PostAsync("/api/v1/cases", Body("310000", "310104", ZjMan4, ShWoman5), Key());
        Assert.Equal(202, opened.Status);
        var caseId = opened["caseId"]!;

        foreach (var citizen in new[] { ZjMan4, ShWoman5 })
        {
            // The number as a person may type it: a lower-case x is the same number.
            var found = await Op.PostAsync(SearchPath, new { idNumber = citizen.IdNumber.ToLowerInvariant(), reason = "citizen called the hotline, ticket 4711" });
            Assert.Equal(200, found.Status);
            var item = Assert.Single(found.Json!["items"]!.AsArray(), i => i!["caseId"]!.ToString() == caseId)!;
            Assert.Equal(("marriage-registration", "310000", "party"),
                (item["caseType"]!.ToString(), item["handlingProvince"]!.ToString(), Assert.Single(item["roles"]!.AsArray())!.ToString()));
            Assert.False(string.IsNullOrEmpty(item["status"]?.ToString()));
            Assert.NotNull(item["createdAt"]);
        }

        var stranger = await Op.PostAsync(SearchPath, new { idNumber = ShMan1.IdNumber, reason = "no case expected" });
        Assert.Equal(200, stranger.Status);
        Assert.DoesNotContain(stranger.Json!["items"]!.AsArray(), i => i!["caseId"]!.ToString() == caseId);

        var audit = await Op.GetAsync(AuditPath + "?pageSize=200");
        Assert.Equal(200, audit.Status);
        Assert.DoesNotContain(ZjMan4.IdNumber, audit.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(ShWoman5.IdNumber, audit.Body, StringComparison.OrdinalIgnoreCase);
        var mine = audit.Json!["items"]!.AsArray().Where(e => e!["subject"]!.ToString() == "330106********5898").ToList();
        var entry = Assert.Single(mine)!;
        Assert.Equal((RedriveHubFixture.OperatorId, "case-search", "citizen called the hotline, ticket 4711"),
            (entry["operator"]!.ToString(), entry["action"]!.ToString(), entry["reason"]!.ToString()));
        Assert.True(entry["results"]!.GetValue<int>() >= 1);
        Assert.Matches("^[0-9a-f]{64}$", entry["subjectHash"]!.ToString());
    }

    [Fact]
    public async Task The_newborn_is_found_by_the_id_number_the_police_issued_and_the_mother_as_parent()
    {
        var certificate = Newborns.ZjToAh;
        var partner = hub.Partner(certificate.Mother.Hukou);
        var opened = await partner.PostAsync("/api/v1/cases", Newborns.WithMother(certificate), Key());
        Assert.Equal(202, opened.Status);
        var caseId = opened["caseId"]!;
        var done = await HubFixture.WaitForCaseAsync(partner, caseId, c => c["status"]!.ToString() is "Completed" or "Rejected" or "Failed",
            TimeSpan.FromSeconds(90));
        Assert.Equal("Completed", done["status"]!.ToString());
        // Born more than a month ago: the one-month limit is missed, and the registration completed all the same (never enforced).
        var month = Assert.Single(done["deadlines"]!.AsArray(), d => d!["name"]!.ToString() == "newborn-registered-within-month-of-birth")!;
        Assert.Equal(("register-newborn", "missed"), (month["step"]!.ToString(), month["state"]!.ToString()));
        Assert.NotNull(month["missedBy"]);

        var ticket = Assert.Single(hub.Sandbox.State.Tickets, t => t.HubCaseId == caseId && t.Type == TicketTypes.NewbornRegistration);
        var childId = ticket.Data["idNumber"];
        var child = await Op.PostAsync(SearchPath, new { idNumber = childId, reason = "household registration query" });
        Assert.Equal(200, child.Status);
        var asChild = Assert.Single(child.Json!["items"]!.AsArray())!;
        Assert.Equal((caseId, "child", "Completed"),
            (asChild["caseId"]!.ToString(), Assert.Single(asChild["roles"]!.AsArray())!.ToString(), asChild["status"]!.ToString()));

        var mother = await Op.PostAsync(SearchPath, new { idNumber = certificate.Mother.IdNumber, reason = "household registration query" });
        var asParent = Assert.Single(mother.Json!["items"]!.AsArray(), i => i!["caseId"]!.ToString() == caseId)!;
        Assert.Equal("parent", Assert.Single(asParent["roles"]!.AsArray())!.ToString());
    }

    [Fact]
    public async Task Bad_input_and_partner_credentials_are_refused_field_by_field_and_record_nothing()
    {
        var before = await AuditCountAsync();

        var noReason = await Op.PostAsync(SearchPath, new { idNumber = ZjMan4.IdNumber });
        Assert.Equal(400, noReason.Status);
        Assert.Equal("urn:tongban:problem:validation", noReason["type"]);
        Assert.NotNull(noReason.Json!["errors"]!["reason"]);
        Assert.DoesNotContain(ZjMan4.IdNumber, noReason.Body, StringComparison.Ordinal);

        var badChecksum = ZjMan4.IdNumber[..17] + (ZjMan4.IdNumber[17] == '0' ? "1" : "0");
        var badNumber = await Op.PostAsync(SearchPath, new { idNumber = badChecksum, reason = "typo test" });
        Assert.Equal(400, badNumber.Status);
        Assert.Contains("check character", badNumber.Json!["errors"]!["idNumber"]![0]!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(badChecksum, badNumber.Body, StringComparison.Ordinal);

        var tooLong = await Op.PostAsync(SearchPath, new { idNumber = ZjMan4.IdNumber, reason = new string('r', 501) });
        Assert.NotNull(tooLong.Json!["errors"]!["reason"]);
        var numberInReason = await Op.PostAsync(SearchPath, new { idNumber = ZjMan4.IdNumber, reason = "about " + ShWoman5.IdNumber });
        Assert.NotNull(numberInReason.Json!["errors"]!["reason"]);
        Assert.Equal(400, (await Op.PostAsync(SearchPath, new[] { 1 })).Status);
        Assert.Equal(415, (await Op.SendAsync(HttpMethod.Post, SearchPath, "idNumber=1"u8.ToArray(), contentType: "text/plain")).Status);

        Assert.Equal(401, (await hub.Partner("310000").PostAsync(SearchPath, new { idNumber = ZjMan4.IdNumber, reason = "a partner tries" })).Status);
        Assert.Equal(401, (await hub.Operator("nobody", "whatever-secret").PostAsync(SearchPath, new { idNumber = ZjMan4.IdNumber, reason = "x" })).Status);
        Assert.Equal(401, (await hub.Partner("310000").GetAsync(AuditPath)).Status);

        var requeueNoReason = await Op.PostAsync("/api/v1/operator/provinces/330000/poison/requeue", new { });
        Assert.Equal(400, requeueNoReason.Status);
        Assert.NotNull(requeueNoReason.Json!["errors"]!["reason"]);

        var badPage = await Op.GetAsync(AuditPath + "?pageSize=0");
        Assert.Equal(400, badPage.Status);
        Assert.NotNull(badPage.Json!["errors"]!["pageSize"]);
        var forged = await Op.GetAsync(AuditPath + "?continuation=forged.token");
        Assert.Equal(400, forged.Status);
        Assert.NotNull(forged.Json!["errors"]!["continuation"]);

        Assert.Equal(before, await AuditCountAsync());
    }

    [Fact]
    public async Task A_poison_requeue_is_recorded_with_its_reason_and_the_log_pages_newest_first()
    {
        var requeued = await Op.PostAsync("/api/v1/operator/provinces/360000/poison/requeue", new { reason = "Jiangxi is back after the outage" });
        Assert.Equal(200, requeued.Status);
        Assert.Equal("360000", requeued["province"]);

        var first = await Op.GetAsync(AuditPath + "?pageSize=1");
        Assert.Equal(200, first.Status);
        var newest = Assert.Single(first.Json!["items"]!.AsArray())!;
        var continuation = first.Json!["continuation"]?.ToString();
        var all = await AllAuditAsync();
        var entry = Assert.Single(all, e => e["reason"]!.ToString() == "Jiangxi is back after the outage");
        Assert.Equal(("poison-requeue", "360000", requeued.Json!["moved"]!.GetValue<int>()),
            (entry["action"]!.ToString(), entry["subject"]!.ToString(), entry["results"]!.GetValue<int>()));
        Assert.Equal(all[0]["id"]!.ToString(), newest["id"]!.ToString());
        var times = all.Select(e => e["at"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(times.OrderDescending(), times);
        if (all.Count > 1) Assert.NotNull(continuation);

        // A token is sealed to the operator it was given to: changed, it is refused.
        if (continuation is not null)
        {
            Assert.Equal(200, (await Op.GetAsync(AuditPath + "?pageSize=1&continuation=" + Uri.EscapeDataString(continuation))).Status);
            Assert.Equal(400, (await Op.GetAsync(AuditPath + "?continuation=" + Uri.EscapeDataString(continuation + "x"))).Status);
        }
    }

    private async Task<int> AuditCountAsync() => (await AllAuditAsync()).Count;

    /// <summary>Every entry of the operators' audit log, following continuation tokens.</summary>
    private async Task<List<JsonNode>> AllAuditAsync()
    {
        var all = new List<JsonNode>();
        string? continuation = null;
        do
        {
            var page = await Op.GetAsync(AuditPath + "?pageSize=2" + (continuation is null ? "" : "&continuation=" + Uri.EscapeDataString(continuation)));
            Assert.Equal(200, page.Status);
            all.AddRange(page.Json!["items"]!.AsArray().Select(e => e!));
            continuation = page.Json!["continuation"]?.ToString();
        }
        while (continuation is not null);
        return all;
    }
}
