using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DurableTask.Converters;
using Tongban.Workflows;

namespace Tongban.Tests.Workflows;

/// <summary>Step results as the engine stores them in its history: each typed answer with its discriminator, and the pre-upgrade dictionary shape.</summary>
public class StepDataJsonTests
{
    public static TheoryData<StepData, string> Kinds => new()
    {
        { new ResidentCheck(Match: true, "normal", "330106"), "resident-check" },
        { new MaritalStatusCheck("unmarried"), "marital-status-check" },
        { new MarriageRegistered("J310115-2026-000042"), "marriage-registered" },
        { new BirthCertificateCheck(Valid: true, Used: false, MatchesChild: true), "birth-certificate-check" },
        { new StudentRecordCheck("enrolled", Match: true, SchoolMatch: false), "student-record-check" },
        { new SlowWorkAccepted("T-1"), "slow-work-accepted" },
        { new NewbornRegistered("310115********0021", "H310115-0042"), "newborn-registered" },
        { new TransferOutApproved("TR330000-000007"), "transfer-out-approved" },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_typed_result_round_trips_through_TongbanJson_with_its_kind(StepData data, string kind)
    {
        var result = new StepResult(StepOutcome.Succeeded, null, data);

        var json = TongbanJson.Serialize(result);

        Assert.Equal(kind, JsonNode.Parse(json)!["data"]![StepData.KindProperty]!.GetValue<string>());
        Assert.Equal(result, TongbanJson.Deserialize<StepResult>(json));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_typed_result_round_trips_through_the_engines_default_converter(StepData data, string kind)
    {
        var result = new StepResult(StepOutcome.Succeeded, null, data);

        var json = JsonDataConverter.Default.Serialize(result)!;

        Assert.Contains($"\"{StepData.KindProperty}\":\"{kind}\"", json, StringComparison.Ordinal);
        Assert.Equal(result, JsonDataConverter.Default.Deserialize<StepResult>(json));
    }

    [Fact]
    public void An_acknowledgement_round_trips_without_data()
    {
        var result = new StepResult(StepOutcome.Failed, "busy", Transient: true);

        Assert.Equal(result, TongbanJson.Deserialize<StepResult>(TongbanJson.Serialize(result)));
    }

    public static TheoryData<string, StepData?> LegacyPayloads => new()
    {
        { """{"match":"true","residentStatus":"normal","hukouDivision":"330106"}""", new ResidentCheck(true, "normal", "330106") },
        { """{"residentStatus":"deceased"}""", new ResidentCheck(false, "deceased", "") },
        { """{"maritalStatus":"married"}""", new MaritalStatusCheck("married") },
        { """{"certificateNo":"J310115-2026-000042"}""", new MarriageRegistered("J310115-2026-000042") },
        { """{"valid":"true","used":"true","matchesChild":"false"}""", new BirthCertificateCheck(true, true, false) },
        { """{"studentStatus":"graduated","match":"true","schoolMatch":"true"}""", new StudentRecordCheck("graduated", true, true) },
        { """{"ticket":"T-1"}""", new SlowWorkAccepted("T-1") },
        { """{"childIdNumber":"310115********0021","householdNo":"H310115-0042","transferId":""}""", new NewbornRegistered("310115********0021", "H310115-0042") },
        { """{"childIdNumber":"","householdNo":"","transferId":"TR330000-000007"}""", new TransferOutApproved("TR330000-000007") },
        { "{}", null },
    };

    /// <summary>An orchestration in flight across the upgrade replays the results its history holds in the old shape.</summary>
    [Theory]
    [MemberData(nameof(LegacyPayloads))]
    public void A_result_raised_before_the_typed_records_reads_as_its_typed_record(string data, StepData? expected)
    {
        // As each serializer wrote it: TongbanJson in camelCase with enum names, the engine's default in PascalCase with numbers.
        var tongban = $$"""{"outcome":"Succeeded","reason":null,"data":{{data}},"transient":false}""";
        var engine = $$"""{"Outcome":0,"Reason":null,"Data":{{data}},"Transient":false}""";

        Assert.Equal(new StepResult(StepOutcome.Succeeded, null, expected), TongbanJson.Deserialize<StepResult>(tongban));
        Assert.Equal(new StepResult(StepOutcome.Succeeded, null, expected), JsonDataConverter.Default.Deserialize<StepResult>(engine));
    }

    [Fact]
    public void An_unknown_kind_is_refused()
    {
        const string json = """{"outcome":"Succeeded","data":{"kind":"marriage-annulled","certificateNo":"J1"}}""";

        Assert.ThrowsAny<JsonException>(() => TongbanJson.Deserialize<StepResult>(json));
    }
}
