using System.Text.Json.Nodes;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Sandbox.State;
using Xunit.Abstractions;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>
/// A hub whose province circuits open after two failed calls (break 2 s), so a province that is busy for a moment parks
/// the steps queued for it, as a busy province does in production after ten. A fresh sandbox: its people are its own.
/// </summary>
public sealed class BusyProvinceHubFixture : HubFixture
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        foreach (var code in new[] { "330000", "310000" })
        {
            settings[$"Tongban:Provinces:{code}:Resilience:CircuitBreaker:MinimumThroughput"] = "2";
        }

        settings["Logging:LogLevel:Tongban.Workflows.Dispatch.ProvinceStepHandler"] = "Information";
        settings["Logging:LogLevel:Tongban.Provinces.Resilience.ProvinceCircuits"] = "Information";
    }

    /// <summary>Every line the hub logs at the levels configured above.</summary>
    public Microsoft.Extensions.Logging.Testing.FakeLoggerProvider Logs { get; } = new();

    protected override void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services) =>
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(services, Logs);
}

[CollectionDefinition(Name)]
public sealed class BusyProvinceHubCollection : ICollectionFixture<BusyProvinceHubFixture>
{
    public const string Name = "busy-province-hub";
}

/// <summary>
/// Issue 15: a step's attempts count every call the province saw, parked deliveries in between included; a school transfer
/// whose enrolment is being retried can still be withdrawn.
/// </summary>
[Collection(BusyProvinceHubCollection.Name)]
public sealed class ProvinceRetryTests(BusyProvinceHubFixture hub, ITestOutputHelper output)
{
    private const string ZhejiangMaritalUpdate = "/zj/gateway/api/zj.mzt.hyzk.update";

    private static List<string> Steps(JsonNode c) =>
        [.. c["steps"]!.AsArray().Select(s => $"{s!["name"]}|{s["subject"]}|{s["province"]}|{s["status"]}")];

    [Fact]
    public async Task Attempts_count_every_call_the_province_saw_when_its_circuit_parked_the_step_between_them()
    {
        var shanghai = hub.Partner("310000");
        var zhejiang = hub.Sandbox.Knobs.Zhejiang;
        var caseId = (await shanghai.PostAsync("/api/v1/cases", Body("310000", "310115", ZjMan1, ShWoman1), Key()))["caseId"]!;
        await HubFixture.WaitForStatusAsync(shanghai, caseId, "AwaitingReview");

        // Zhejiang busy (code 99) from the approval on: its marital.update fails, the circuit opens, a redelivery is parked
        // and comes back as a new message; busy until that has happened and the province has seen three calls, then it answers.
        var parked = $"Case {caseId} step update-marital-status.partyA parked";
        zhejiang.ErrorRate = 1;
        try
        {
            var decided = await shanghai.PostAsync($"/api/v1/cases/{caseId}/decisions", new { step = "officer-review", decision = "approve", officer = "SH-OFFICER-7" });
            Assert.Equal(202, decided.Status);
            await Eventually.UntilAsync(() => Task.FromResult(zhejiang.CallsTo(ZhejiangMaritalUpdate) >= 3 && hub.Logs.Collector.GetSnapshot().Any(l => l.Message.StartsWith(parked, StringComparison.Ordinal))),
                TimeSpan.FromSeconds(60), "busy marital.update calls at Zhejiang, one delivery parked");
        }
        finally
        {
            zhejiang.ErrorRate = 0;
        }

        var done = await HubFixture.WaitForCaseAsync(shanghai, caseId, c => c["status"]!.ToString() is "Completed" or "Failed", TimeSpan.FromSeconds(120));
        output.WriteLine(done.ToJsonString());
        output.WriteLine(string.Join("\n", hub.Logs.Collector.GetSnapshot().Where(l => l.Message.Contains(caseId, StringComparison.Ordinal) || l.Message.Contains("330000 circuit", StringComparison.Ordinal))
            .Select(l => l.Message)));
        Assert.Equal("Completed", done["status"]!.ToString());
        var update = done["steps"]!.AsArray().Single(s => s!["name"]!.ToString() == "update-marital-status" && s["province"]!.ToString() == "330000")!;
        var calls = zhejiang.CallsTo(ZhejiangMaritalUpdate);
        Assert.True(calls >= 4, $"Zhejiang saw {calls} marital.update calls");
        Assert.Equal(calls, update["attempts"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_withdrawal_while_enrolment_is_retried_stops_it_cancels_the_transfer_out_and_ends_withdrawn()
    {
        var student = Students.ZjSongMeiqi;
        var shanghaiKnobs = hub.Sandbox.Knobs.Shanghai;
        var shanghai = hub.Partner("310000");
        var enrollPath = $"/sh/api/v2/students/{student.StudentNo}/enrollment";
        // Shanghai (the target) busy throughout: student.enroll fails transiently and is retried.
        shanghaiKnobs.ErrorRate = 1;
        string caseId;
        JsonNode done;
        try
        {
            caseId = (await shanghai.PostAsync("/api/v1/cases", Students.Body(student, "310000"), Key()))["caseId"]!;
            await Eventually.UntilAsync(() => Task.FromResult(shanghaiKnobs.CallsTo(enrollPath) >= 2), TimeSpan.FromSeconds(60), "student.enroll retried at Shanghai");
            var withdrawn = await shanghai.PostAsync($"/api/v1/cases/{caseId}/withdrawal", new { reason = "staying after all" });
            Assert.Equal(202, withdrawn.Status);
            done = await HubFixture.WaitForStatusAsync(shanghai, caseId, "Withdrawn", "Completed", "Failed");
            var callsAtEnd = shanghaiKnobs.CallsTo(enrollPath);
            // No more enrolment calls once the case has ended, even with queue redeliveries due.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(callsAtEnd, shanghaiKnobs.CallsTo(enrollPath));
        }
        finally
        {
            shanghaiKnobs.ErrorRate = 0;
        }

        output.WriteLine(done.ToJsonString());
        Assert.Equal("Withdrawn", done["status"]!.ToString());
        Assert.Equal("withdrawn: staying after all", done["outcome"]!["reason"]!.ToString());
        Assert.Contains("cancel-transfer-out||330000|Succeeded", Steps(done));
        Assert.Contains("request-transfer-out||330000|Compensated", Steps(done));
        var state = hub.Sandbox.State;
        Assert.Equal(TransferStatuses.Cancelled, Assert.Single(state.Transfers, t => t.HubCaseId == caseId).Status);
        Assert.DoesNotContain(state.Enrollments, e => e.HubCaseId == caseId);
        Assert.Equal("enrolled", state.StudentStatus(student.StudentNo));
    }
}
