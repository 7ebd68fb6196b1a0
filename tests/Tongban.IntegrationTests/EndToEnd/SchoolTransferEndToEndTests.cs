using System.Diagnostics;
using System.Text.Json.Nodes;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Sandbox.State;
using Xunit.Abstractions;
using static Tongban.IntegrationTests.Infrastructure.Students;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>
/// School-record transfer through the hub, signed as the target province signs. Each student of the population can
/// complete one transfer, and there are two transferable students per province, so 8 of the 12 ordered pairs complete.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class SchoolTransferEndToEndTests : IDisposable
{
    private readonly HubFixture hub;
    private readonly ITestOutputHelper output;
    private readonly Dictionary<string, TimeSpan> slowWork;

    public SchoolTransferEndToEndTests(HubFixture hub, ITestOutputHelper output)
    {
        this.hub = hub;
        this.output = output;
        slowWork = Newborns.FastSlowWork(hub.Sandbox, E2eTimings.SlowWorkDelay);
    }

    public void Dispose() => Newborns.RestoreSlowWork(hub.Sandbox, slowWork);

    private static readonly Dictionary<string, Student> Pairs = new(StringComparer.Ordinal)
    {
        ["330000->310000"] = ZjSongMeiqi,
        ["330000->360000"] = ZjWangZi,
        ["360000->330000"] = JxWangXuemei,
        ["360000->340000"] = JxWuQiang,
        ["340000->330000"] = AhJiangQiangyu,
        // Shanghai as the source: the callback tests below (310000->330000, 310000->360000).
        // 340000->310000: the withdrawal test below, after a withdrawn 340000->360000.
    };

    public static TheoryData<string> MatrixPairs() => [.. Pairs.Keys];

    [Theory]
    [MemberData(nameof(MatrixPairs))]
    public async Task Student_transfers_from_one_province_to_another(string pair)
    {
        await TransferAndAssertCompletedAsync(Pairs[pair], pair[^6..]);
    }

    [Fact]
    public async Task Shanghai_duplicate_transfer_out_callbacks_complete_the_transfer_once()
    {
        var knobs = hub.Sandbox.Knobs.Shanghai;
        knobs.DuplicateCallbacks = true;
        try
        {
            var caseId = await TransferAndAssertCompletedAsync(ShDongQiang, "330000");
            var ticket = Assert.Single(hub.Sandbox.State.Tickets, t => t.HubCaseId == caseId);
            await SandboxCallbacks.DuplicateTakenAsync(hub.Sandbox, ticket.Ticket);
            var deliveries = hub.Sandbox.State.CallbackDeliveries.Where(d => d.Ticket == ticket.Ticket).ToList();
            output.WriteLine(string.Join("\n", deliveries));
            Assert.Equal([1, 2], deliveries.Select(d => d.Delivery).Distinct().Order());
            Assert.All(deliveries.GroupBy(d => d.Delivery), g => Assert.Equal(204, g.OrderBy(d => d.Attempt).Last().StatusCode));
        }
        finally
        {
            knobs.DuplicateCallbacks = false;
        }
    }

    [Fact]
    public async Task Shanghai_transfer_out_callback_before_the_ticket_is_recorded_still_completes()
    {
        var knobs = hub.Sandbox.Knobs.Shanghai;
        knobs.EarlyCallbacks = true;
        try
        {
            var caseId = await TransferAndAssertCompletedAsync(ShXueXia, "360000");
            var ticket = Assert.Single(hub.Sandbox.State.Tickets, t => t.HubCaseId == caseId);
            Assert.Contains(hub.Sandbox.State.CallbackDeliveries, d => d.Ticket == ticket.Ticket && d.StatusCode == 204);
        }
        finally
        {
            knobs.EarlyCallbacks = false;
        }
    }

    [Fact]
    public async Task A_transfer_the_source_school_declines_is_rejected_and_nothing_is_enrolled()
    {
        var (caseId, done) = await OpenAndWaitAsync(ZjMaJunRefused, "340000");
        Assert.Equal("Rejected", done["status"]!.ToString());
        Assert.StartsWith("transfer-refused", done["outcome"]!["reason"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal(["check-student-record|330000|Succeeded", "request-transfer-out|330000|Failed"], Steps(done));
        AssertNothingTransferred(caseId, ZjMaJunRefused);
    }

    [Fact]
    public async Task A_graduated_student_is_rejected_before_any_transfer_is_asked_for()
    {
        var (caseId, done) = await OpenAndWaitAsync(ZjMengXuanjieGraduated, "360000");
        Assert.Equal("Rejected", done["status"]!.ToString());
        Assert.StartsWith("student.graduated", done["outcome"]!["reason"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal(["check-student-record|330000|Succeeded"], Steps(done));
        Assert.DoesNotContain(hub.Sandbox.State.Tickets, t => t.HubCaseId == caseId);
        AssertNothingTransferred(caseId, ZjMengXuanjieGraduated, "graduated");
    }

    [Fact]
    public async Task Withdrawal_during_the_transfer_out_review_cancels_it_and_once_enrolment_succeeded_withdrawal_is_refused()
    {
        var student = AhYeMeisi;
        var anhui = hub.Sandbox.Knobs.Anhui;
        var jiangxi = hub.Partner("360000");
        anhui.SlowWorkDelay = TimeSpan.FromSeconds(6);
        string caseId;
        try
        {
            caseId = (await jiangxi.PostAsync("/api/v1/cases", Body(student, "360000"), Marriages.Key()))["caseId"]!;
            await HubFixture.WaitForCaseAsync(jiangxi, caseId, c => Steps(c).Contains("request-transfer-out|340000|Waiting"));
            var withdrawn = await jiangxi.PostAsync($"/api/v1/cases/{caseId}/withdrawal", new { reason = "staying after all" });
            Assert.Equal(202, withdrawn.Status);

            // The hub waits for the review's answer (approve) and then cancels the transfer-out at Anhui.
            var done = await HubFixture.WaitForStatusAsync(jiangxi, caseId, "Withdrawn", "Completed", "Rejected", "Failed");
            output.WriteLine(done.ToJsonString());
            Assert.Equal("Withdrawn", done["status"]!.ToString());
            Assert.Equal("withdrawn: staying after all", done["outcome"]!["reason"]!.ToString());
            Assert.Contains("cancel-transfer-out|340000|Succeeded", Steps(done));
            Assert.DoesNotContain(Steps(done), s => s.StartsWith("enroll-student", StringComparison.Ordinal));
        }
        finally
        {
            anhui.SlowWorkDelay = E2eTimings.SlowWorkDelay;
        }

        var state = hub.Sandbox.State;
        var transfer = Assert.Single(state.Transfers, t => t.HubCaseId == caseId);
        Assert.Equal(TransferStatuses.Cancelled, transfer.Status);
        Assert.Equal("enrolled", state.StudentStatus(student.StudentNo));
        Assert.DoesNotContain(state.Enrollments, e => e.HubCaseId == caseId || e.StudentNo == student.StudentNo);

        // Still enrolled at Anhui, the student can transfer to Shanghai; once enrolment has succeeded, withdrawal is refused
        // (Anhui slow, so the case is still confirming the transfer-out there).
        var shanghai = hub.Partner("310000");
        anhui.Latency = TimeSpan.FromSeconds(3);
        string second;
        try
        {
            second = (await shanghai.PostAsync("/api/v1/cases", Body(student, "310000"), Marriages.Key()))["caseId"]!;
            await HubFixture.WaitForCaseAsync(shanghai, second, c => Steps(c).Contains("enroll-student|310000|Succeeded"));
            var late = await shanghai.PostAsync($"/api/v1/cases/{second}/withdrawal", new { reason = "too late" });
            Assert.Equal(409, late.Status);
        }
        finally
        {
            anhui.Latency = TimeSpan.Zero;
        }
        var final = await HubFixture.WaitForStatusAsync(shanghai, second, "Completed", "Withdrawn", "Rejected", "Failed");
        output.WriteLine(final.ToJsonString());
        AssertCompleted(second, final, student, "310000");
    }

    private async Task<(string CaseId, JsonNode Done)> OpenAndWaitAsync(Student student, string target)
    {
        var partner = hub.Partner(target);
        var opened = await partner.PostAsync("/api/v1/cases", Body(student, target), Marriages.Key());
        Assert.Equal(202, opened.Status);
        var caseId = opened["caseId"]!;
        var done = await HubFixture.WaitForStatusAsync(partner, caseId, "Completed", "Rejected", "Failed", "Withdrawn");
        output.WriteLine(done.ToJsonString());
        return (caseId, done);
    }

    private async Task<string> TransferAndAssertCompletedAsync(Student student, string target)
    {
        var clock = Stopwatch.StartNew();
        var (caseId, done) = await OpenAndWaitAsync(student, target);
        clock.Stop();
        AssertCompleted(caseId, done, student, target);
        output.WriteLine($"{student.Province} -> {target}: {E2eTimings.Record("school-transfer", clock.Elapsed)}");
        return caseId;
    }

    private void AssertCompleted(string caseId, JsonNode done, Student student, string target)
    {
        var source = student.Province;
        Assert.True(done["status"]!.ToString() == "Completed", done.ToJsonString());
        var transferId = done["outcome"]!["transferId"]!.ToString();
        Assert.False(string.IsNullOrEmpty(transferId));
        Assert.Equal(new[] { source, target }.Order(StringComparer.Ordinal),
            done["involvedProvinces"]!.AsArray().Select(p => p!.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(
            [
                $"check-student-record|{source}|Succeeded", $"request-transfer-out|{source}|Succeeded",
                $"enroll-student|{target}|Succeeded", $"confirm-transfer-out|{source}|Succeeded",
            ],
            Steps(done));
        Assert.DoesNotContain(student.IdNumber, done.ToJsonString());

        // The provinces' side: enrolled once at the target, the transfer-out confirmed at the source.
        var state = hub.Sandbox.State;
        var enrollment = Assert.Single(state.Enrollments, e => e.HubCaseId == caseId);
        Assert.Equal((target, student.StudentNo, TargetSchool(target), student.Grade), (enrollment.ProvinceCode, enrollment.StudentNo, enrollment.SchoolCode, enrollment.Grade));
        var transfer = Assert.Single(state.Transfers, t => t.HubCaseId == caseId);
        Assert.Equal((transferId, source, TransferStatuses.Confirmed), (transfer.TransferId, transfer.ProvinceCode, transfer.Status));
        Assert.Equal("transferred", state.StudentStatus(student.StudentNo));
    }

    private void AssertNothingTransferred(string caseId, Student student, string status = "enrolled")
    {
        var state = hub.Sandbox.State;
        Assert.DoesNotContain(state.Enrollments, e => e.HubCaseId == caseId || e.StudentNo == student.StudentNo);
        Assert.DoesNotContain(state.Transfers, t => t.HubCaseId == caseId || t.StudentNo == student.StudentNo);
        Assert.Equal(status, state.StudentStatus(student.StudentNo));
    }

    private static List<string> Steps(JsonNode c) =>
        [.. c["steps"]!.AsArray().Select(s => $"{s!["name"]}|{s["province"]}|{s["status"]}")];
}
