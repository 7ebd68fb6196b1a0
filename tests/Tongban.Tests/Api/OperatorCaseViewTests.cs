using System.Text.Json.Nodes;
using Tongban.Api;
using Tongban.Cases;
using Tongban.Cases.Deadlines;

namespace Tongban.Tests.Api;

/// <summary>The redrive answer maps the stored record to a view of its own, showing what the record showed and nothing the hub keeps to itself.</summary>
public class OperatorCaseViewTests
{
    [Fact]
    public void The_view_shows_the_records_fields_as_the_record_serialised_them()
    {
        var record = Record();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(TongbanJson.Serialize(record)), JsonNode.Parse(TongbanJson.Serialize(OperatorCaseView.Of(record)))));
    }

    [Fact]
    public void The_view_keeps_the_operator_audit_and_the_waits_and_leaves_out_what_the_hub_keeps()
    {
        var view = JsonNode.Parse(TongbanJson.Serialize(OperatorCaseView.Of(Record())))!.AsObject();

        Assert.Equal(["caseId", "caseType", "reference", "status", "handlingProvince", "involvedProvinces", "createdAt", "updatedAt", "steps",
            "outcome", "audit", "waits"], view.Select(p => p.Key));
        Assert.Equal("operator op-1", view["audit"]![0]!["actor"]!.ToString());
        Assert.Equal("officer", view["waits"]![0]!["on"]!.ToString());
    }

    private static CaseRecord Record()
    {
        var at = new DateTimeOffset(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);
        var record = new CaseRecord
        {
            CaseId = "c-" + new string('a', 32), CaseType = CaseTypeNames.Marriage, Reference = "ref-1", HandlingProvince = "330000",
            InvolvedProvinces = ["330000", "310000"], CreatedAt = at, UpdatedAt = at, Status = CaseStatus.InProgress,
            CallbackUrl = new Uri("https://partner.example/callback"), WithdrawalRequested = true, CallbackSequence = 3,
        };
        record.Step("officer-review", null, "330000").Status = StepStatus.Waiting;
        record.Audit.Add(new CaseAuditEntry(at, "redrive", "operator op-1", "officer-review", "province back"));
        record.Waits.Add(new CaseWait("officer-review", CaseWait.Officer, at, at.AddHours(1)));
        return record;
    }
}
