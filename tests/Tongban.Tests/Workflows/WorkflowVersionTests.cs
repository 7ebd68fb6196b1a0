using System.Text.Json;
using Tongban.Cases;
using Tongban.Workflows;
using Ops = Tongban.Provinces.CanonicalOperations;
using static Tongban.Tests.Workflows.WorkflowTestHost;

namespace Tongban.Tests.Workflows;

/// <summary>
/// A case keeps the workflow shape it started with: an orchestration replays its history against the code, so a case opened
/// before version 2 must schedule exactly the activities it scheduled then (each record, gate and dispatch its own).
/// </summary>
public class WorkflowVersionTests(WorkflowTestHost host) : IClassFixture<WorkflowTestHost>
{
    private static CaseWorkflowInput First(CaseWorkflowInput input) => input with { Version = WorkflowVersions.First };

    [Fact]
    public void An_input_stored_before_versions_existed_reads_as_the_first_version_and_a_new_one_keeps_its_version()
    {
        var stored = JsonSerializer.Serialize(Marriage("c-old") with { Version = 7 }).Replace(",\"Version\":7", "", StringComparison.Ordinal);
        Assert.DoesNotContain("Version", stored, StringComparison.Ordinal);

        Assert.Equal(WorkflowVersions.First, JsonSerializer.Deserialize<CaseWorkflowInput>(stored)!.Version);
        var current = JsonSerializer.Deserialize<CaseWorkflowInput>(JsonSerializer.Serialize(Marriage("c-new")))!;
        Assert.Equal(WorkflowVersions.Current, current.Version);
        Assert.True(WorkflowVersions.Current > WorkflowVersions.First);
    }

    [Fact]
    public async Task A_first_version_marriage_records_gates_and_dispatches_one_activity_each()
    {
        var caseId = await host.StartAsync(First(Marriage(NewCaseId("v1"))));
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal(
        [
            "dispatch InProgress resident.verify/partyA#1,marital.status/partyA#1,resident.verify/partyB#1,marital.status/partyB#1",
            "progress AwaitingReview officer-review:Waiting",
            "progress InProgress officer-review:Succeeded",
            "irreversible register-marriage",
            "dispatch marriage.register/#1",
            "progress outcome",
            "dispatch marital.update/partyA#1,marital.update/partyB#1",
            "progress Completed outcome",
        ], host.Recorder.Trace(caseId));
        Assert.Equal(FakeProvinces.CertificateNo, host.Recorder.Final(caseId).Outcome!.CertificateNo);
    }

    [Fact]
    public async Task A_first_version_marriage_whose_withdrawal_won_the_gate_ends_withdrawn_through_its_own_gate_activity()
    {
        var caseId = await host.StartAsync(First(Marriage(NewCaseId("v1-gate"))));
        await host.Recorder.WaitForStatusAsync(caseId, CaseStatus.AwaitingReview, WaitLimit);
        host.Recorder.MarkWithdrawalRequested(caseId);
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Withdrawn, await host.FinishedAsync(caseId));
        Assert.Equal(["progress InProgress officer-review:Succeeded", "irreversible register-marriage", "progress Withdrawn outcome"],
            host.Recorder.Trace(caseId).TakeLast(3));
        Assert.DoesNotContain(host.Recorder.Dispatched(caseId), i => i.Operation == Tongban.Provinces.CanonicalOperations.MarriageRegister);
    }

    [Fact]
    public async Task A_first_version_newborn_registration_enters_the_gate_before_it_completes()
    {
        var caseId = await host.StartAsync(First(Newborn($"nb-v1-{Guid.NewGuid():N}")));

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal(["dispatch newborn.register/#1", "irreversible register-newborn", "progress Completed outcome"], host.Recorder.Trace(caseId).TakeLast(3));
    }

    [Fact]
    public async Task A_first_version_school_transfer_enters_the_gate_before_the_confirmation()
    {
        var caseId = await host.StartAsync(First(SchoolTransfer($"st-v1-{Guid.NewGuid():N}")));

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal(["dispatch student.enroll/#1", "irreversible enroll-student", "dispatch transfer-out.confirm/#1", "progress Completed"],
            host.Recorder.Trace(caseId).TakeLast(4));
    }

    [Fact]
    public async Task A_third_version_marriage_completes_with_a_write_of_its_own_after_the_marital_updates()
    {
        var caseId = await host.StartAsync(Marriage(NewCaseId("v3")) with { Version = WorkflowVersions.SharedTimeouts });
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal(["dispatch outcome marital.update/partyA#1,marital.update/partyB#1", "progress Completed outcome"], host.Recorder.Trace(caseId).TakeLast(2));
    }

    [Fact]
    public async Task A_fourth_version_marriage_records_its_review_itself_after_the_checks()
    {
        var caseId = await host.StartAsync(Marriage(NewCaseId("v4")) with { Version = WorkflowVersions.LastStepCompletes });
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal(
        [
            "dispatch InProgress resident.verify/partyA#1,marital.status/partyA#1,resident.verify/partyB#1,marital.status/partyB#1",
            "progress AwaitingReview officer-review:Waiting",
        ], host.Recorder.Trace(caseId).Take(2));
        Assert.DoesNotContain(host.Recorder.Trace(caseId), t => t.StartsWith("moved", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_fifth_version_marriage_dispatches_its_marital_updates_itself_after_the_registration()
    {
        var caseId = await host.StartAsync(Marriage(NewCaseId("v5")) with { Version = WorkflowVersions.ReviewOnLastCheck });
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal(["dispatch InProgress officer-review:Succeeded irreversible:register-marriage marriage.register/#1",
            "dispatch outcome completes marital.update/partyA#1,marital.update/partyB#1", "completed by its last step"], host.Recorder.Trace(caseId).TakeLast(3));
        Assert.All(host.Recorder.Dispatched(caseId), i => Assert.Null(i.Then));
    }

    [Fact]
    public async Task A_sixth_version_marriage_dispatches_its_registration_itself_after_the_approval()
    {
        var caseId = await host.StartAsync(Marriage(NewCaseId("v6")) with { Version = WorkflowVersions.RegisterSendsUpdates });
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal(["dispatch InProgress officer-review:Succeeded irreversible:register-marriage marriage.register/#1",
            "sent after register-marriage: dispatch outcome completes marital.update/partyA#1,marital.update/partyB#1", "completed by its last step"],
            host.Recorder.Trace(caseId).TakeLast(3));
        Assert.Null(host.Recorder.Approving(caseId, "officer-8"));
    }

    [Fact]
    public async Task A_ninth_version_marriage_hears_its_registration_on_its_own_before_the_marital_updates()
    {
        var caseId = await host.StartAsync(Marriage(NewCaseId("v9")) with { Version = WorkflowVersions.OneTimeoutAfterApproval });
        await host.ApproveAsync(caseId);

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        // The registration is no batch's: its answer is raised on its own (the fakes tell only batches' answers).
        Assert.Equal(["update-marital-status.partyA#1: silent", "update-marital-status.partyB#1: batch[update-marital-status.partyA,update-marital-status.partyB]"],
            host.Recorder.Told(caseId).TakeLast(2));
        Assert.DoesNotContain(host.Recorder.Told(caseId), t => t.StartsWith("register-marriage", StringComparison.Ordinal));
        Assert.Null(host.Recorder.Dispatched(caseId).Single(i => i.Operation == Ops.MarriageRegister).Together);
    }

    [Fact]
    public async Task A_third_version_school_transfer_completes_with_a_write_of_its_own_after_the_confirmation()
    {
        var caseId = await host.StartAsync(SchoolTransfer($"st-v3-{Guid.NewGuid():N}") with { Version = WorkflowVersions.SharedTimeouts });

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        Assert.Equal(["dispatch irreversible:enroll-student transfer-out.confirm/#1", "progress Completed"], host.Recorder.Trace(caseId).TakeLast(2));
    }
}
