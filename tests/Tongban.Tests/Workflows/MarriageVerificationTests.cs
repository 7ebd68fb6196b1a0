using Tongban.Cases;
using Tongban.Workflows;
using static Tongban.Tests.Workflows.WorkflowTestHost;
using Ops = Tongban.Provinces.CanonicalOperations;

namespace Tongban.Tests.Workflows;

/// <summary>The marriage workflow's first stage: both parties verified at their hukou provinces.</summary>
public class MarriageVerificationTests(WorkflowTestHost host) : IClassFixture<WorkflowTestHost>
{
    private static readonly string[] Verifications =
        ["resident.verify/partyA#1", "marital.status/partyA#1", "resident.verify/partyB#1", "marital.status/partyB#1"];

    private async Task<(CaseStatus Status, string? Reason)> RunAsync(string caseId, CaseWorkflowInput? input = null)
    {
        await host.StartAsync(input ?? Marriage(caseId));
        var status = await host.FinishedAsync(caseId);
        var (recorded, outcome) = host.Recorder.Final(caseId);
        Assert.Equal(status, recorded);
        return (status, outcome?.Reason);
    }

    /// <summary>A case that ended in verification: no review, no gate, no registration, no update.</summary>
    private void AssertNothingAfterVerification(string caseId)
    {
        Assert.All(host.Recorder.Dispatched(caseId), i => Assert.Contains(i.Operation, new[] { Ops.ResidentVerify, Ops.MaritalStatus }));
        Assert.DoesNotContain(host.Recorder.StepChanges(caseId), c => c.Name == StepNames.OfficerReview);
        Assert.Empty(host.Recorder.Gates(caseId));
        Assert.DoesNotContain(host.Recorder.Progress(caseId), p => p.Status == CaseStatus.AwaitingReview);
    }

    [Fact]
    public async Task Rejects_case_when_party_is_married()
    {
        var caseId = NewCaseId("married");
        host.Provinces.On(caseId, Ops.MaritalStatus, "partyB", 1, FakeProvinces.Ok(new MaritalStatusCheck("married")));

        var (status, reason) = await RunAsync(caseId);

        Assert.Equal(CaseStatus.Rejected, status);
        Assert.Equal("partyB.married: partyB is married", reason);
        AssertNothingAfterVerification(caseId);
        // Version 8: the checks answered in order, the refusal raised on its own with the two silent successes before it told.
        Assert.Equal(["verify-resident.partyA#1: silent", "check-marital-status.partyA#1: silent", "verify-resident.partyB#1: silent",
            "check-marital-status.partyB#1: batch[check-marital-status.partyA,verify-resident.partyA,verify-resident.partyB] own"],
            host.Recorder.Told(caseId));
        Assert.Equal(
        [
            $"dispatch InProgress {string.Join(",", Verifications)}",
            "progress Rejected outcome",
        ], host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task Rejects_case_when_party_is_deceased()
    {
        var caseId = NewCaseId("deceased");
        host.Provinces.On(caseId, Ops.ResidentVerify, "partyA", 1, FakeProvinces.Ok(new ResidentCheck(Match: true, "deceased", "330106")));

        var (status, reason) = await RunAsync(caseId);

        Assert.Equal(CaseStatus.Rejected, status);
        Assert.StartsWith("partyA.deceased", reason, StringComparison.Ordinal);
        AssertNothingAfterVerification(caseId);
    }

    [Fact]
    public async Task Rejects_case_when_name_and_id_number_do_not_match()
    {
        var caseId = NewCaseId("mismatch");
        host.Provinces.On(caseId, Ops.ResidentVerify, "partyB", 1, FakeProvinces.Ok(new ResidentCheck(Match: false, "normal", "310115")));

        var (status, reason) = await RunAsync(caseId);

        Assert.Equal(CaseStatus.Rejected, status);
        Assert.StartsWith("partyB.name-mismatch", reason, StringComparison.Ordinal);
        AssertNothingAfterVerification(caseId);
    }

    [Fact]
    public async Task Rejects_case_when_province_has_no_record_of_party()
    {
        var caseId = NewCaseId("norecord");
        host.Provinces.On(caseId, Ops.MaritalStatus, "partyA", 1, new StepResult(StepOutcome.NoRecord, "not found"));

        var (status, reason) = await RunAsync(caseId);

        Assert.Equal(CaseStatus.Rejected, status);
        Assert.Equal($"partyA.no-record: {Zhejiang} has no record for partyA", reason);
        AssertNothingAfterVerification(caseId);
    }

    [Fact]
    public async Task Fails_as_province_unavailable_when_verification_keeps_failing_beyond_max_rounds()
    {
        var caseId = NewCaseId("unavailable");
        host.Provinces.OnRounds(caseId, Ops.ResidentVerify, "partyB", Policy.MaxRounds, FakeProvinces.Poisoned(Shanghai));

        var (status, reason) = await RunAsync(caseId);

        Assert.Equal(CaseStatus.Failed, status);
        Assert.Equal($"province-unavailable: {Shanghai} did not answer resident.verify ({Shanghai} kept failing; queue retries exhausted)", reason);
        Assert.Equal([1, 2, 3], host.Recorder.Dispatched(caseId).Where(i => i.Operation == Ops.ResidentVerify && i.Subject == "partyB").Select(i => i.Round));
        AssertNothingAfterVerification(caseId);
    }

    [Fact]
    public async Task Fails_without_redispatch_when_verification_hits_a_defect()
    {
        var caseId = NewCaseId("defect");
        host.Provinces.On(caseId, Ops.MaritalStatus, "partyB", 1, FakeProvinces.Defect("unexpected response"));

        var (status, reason) = await RunAsync(caseId);

        Assert.Equal(CaseStatus.Failed, status);
        Assert.Contains("defect: unexpected response", reason, StringComparison.Ordinal);
        Assert.All(host.Recorder.Dispatched(caseId), i => Assert.Equal(1, i.Round));
        Assert.Equal(4, host.Recorder.Dispatched(caseId).Count);
        AssertNothingAfterVerification(caseId);
    }

    [Fact]
    public async Task Withdraws_while_verification_is_still_waiting_for_a_province()
    {
        var caseId = NewCaseId("withdraw-verify");
        host.Provinces.On(caseId, Ops.ResidentVerify, "partyA", 1, null);
        await host.StartAsync(Marriage(caseId, policy: Policy with { StepTimeout = TimeSpan.FromSeconds(20) }));
        await host.Recorder.WaitForAsync(caseId, e => e.OfType<ProvinceStepDispatch>().Any(), WaitLimit);
        await host.Client.RaiseEventAsync(caseId, CaseEvents.Withdrawal, new WithdrawalNotice("the couple changed their minds"));

        Assert.Equal(CaseStatus.Withdrawn, await host.FinishedAsync(caseId));
        Assert.Equal("withdrawn: the couple changed their minds", host.Recorder.Final(caseId).Outcome!.Reason);
        AssertNothingAfterVerification(caseId);
    }
}
