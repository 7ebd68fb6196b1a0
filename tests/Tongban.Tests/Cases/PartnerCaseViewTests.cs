using System.Text.Json.Nodes;
using Tongban.Cases;

namespace Tongban.Tests.Cases;

/// <summary>Issue 11: partners see an audit entry's action, step and time, never the operator or their words; the stored record keeps all.</summary>
public class PartnerCaseViewTests
{
    private static CaseRecord Redriven()
    {
        var at = new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);
        var record = new CaseRecord
        {
            CaseId = CaseIds.New(at), CaseType = CaseTypeNames.Marriage, Reference = "SH-1", HandlingProvince = "310000",
            InvolvedProvinces = ["310000", "330000"], CreatedAt = at, UpdatedAt = at, Status = CaseStatus.InProgress,
        };
        record.Step("verify-resident", "partyA", "330000").Status = StepStatus.Running;
        record.Audit.Add(new CaseAuditEntry(at, "redrive", "operator ops-7", "verify-resident.partyA", "called 王先生 on 13800000000"));
        return record;
    }

    [Fact]
    public void The_partner_view_keeps_action_step_and_time_only()
    {
        var record = Redriven();
        var json = JsonNode.Parse(TongbanJson.Serialize(PartnerCaseView.Of(record, [])))!;

        var entry = Assert.Single(json["audit"]!.AsArray())!;
        Assert.Equal(["at", "action", "step"], entry.AsObject().Select(p => p.Key));
        Assert.Equal(("redrive", "verify-resident.partyA"), (entry["action"]!.ToString(), entry["step"]!.ToString()));
        Assert.DoesNotContain("ops-7", json.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("13800000000", json.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Everything_else_a_partner_saw_before_is_unchanged()
    {
        var record = Redriven();
        var full = JsonNode.Parse(TongbanJson.Serialize(record))!.AsObject();
        var view = JsonNode.Parse(TongbanJson.Serialize(PartnerCaseView.Of(record, [])))!.AsObject();

        // The waits behind the hub's share stay with operators; the view adds the deadlines and the hub's share.
        Assert.Equal([.. full.Select(p => p.Key).Where(k => k != "waits"), "deadlines", "hubShare"], view.Select(p => p.Key));
        foreach (var (name, value) in full.Where(p => p.Key is not "audit" and not "waits")) Assert.True(JsonNode.DeepEquals(value, view[name]), name);
        // The stored record still has who and why, for operators.
        Assert.Equal("operator ops-7", record.Audit[0].Actor);
    }
}
