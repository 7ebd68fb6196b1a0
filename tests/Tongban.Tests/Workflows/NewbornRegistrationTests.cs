using Tongban.Cases;
using Tongban.Workflows;
using Tongban.Workflows.Orchestration;
using static Tongban.Tests.Workflows.WorkflowTestHost;
using Ops = Tongban.Provinces.CanonicalOperations;

namespace Tongban.Tests.Workflows;

/// <summary>The newborn registration workflow: checks, holding the birth certificate, the police review, withdrawal.</summary>
public class NewbornRegistrationTests(WorkflowTestHost host) : IClassFixture<WorkflowTestHost>
{
    private const string Verified = "dispatch InProgress birth.verify/#1,resident.verify/parent#1";

    private static string NewbornCaseId(string what) => $"nb-{what}-{Guid.NewGuid():N}";

    private IReadOnlyList<ProvinceStep> Dispatched(string caseId, string operation) =>
        host.Recorder.Dispatched(caseId).Where(i => i.Operation == operation).ToList();

    private void AssertNothingMarked(string caseId)
    {
        Assert.Empty(Dispatched(caseId, Ops.BirthMarkUsed));
        Assert.Empty(Dispatched(caseId, Ops.BirthRelease));
        Assert.Empty(Dispatched(caseId, Ops.NewbornRegister));
        Assert.Empty(host.Recorder.Gates(caseId));
    }

    private async Task<(CaseStatus Status, string? Reason)> RunToEndAsync(string caseId)
    {
        var status = await host.FinishedAsync(caseId);
        var (recorded, outcome) = host.Recorder.Final(caseId);
        Assert.Equal(status, recorded);
        return (status, outcome?.Reason);
    }

    [Fact]
    public async Task Completes_with_the_child_id_and_household_number_from_the_police_approval()
    {
        var caseId = await host.StartAsync(Newborn(NewbornCaseId("happy")));

        Assert.Equal(CaseStatus.Completed, await host.FinishedAsync(caseId));
        var (status, outcome) = host.Recorder.Final(caseId);
        Assert.Equal(CaseStatus.Completed, status);
        Assert.Equal(FakeProvinces.ChildIdNumber, outcome!.ChildIdNumber);
        Assert.Equal(FakeProvinces.HouseholdNo, outcome.HouseholdNo);
        Assert.Null(outcome.Reason);
        Assert.Equal(
        [
            Verified,
            "dispatch birth.mark-used/#1",
            "dispatch newborn.register/#1",
            "progress Completed outcome irreversible:register-newborn",
        ], host.Recorder.Trace(caseId));
        var items = host.Recorder.Dispatched(caseId);
        Assert.Equal(Zhejiang, Assert.Single(items, i => i.Operation == Ops.BirthVerify).Province);
        Assert.Equal(Shanghai, Assert.Single(items, i => i.Operation == Ops.ResidentVerify).Province);
        Assert.Equal(Zhejiang, Assert.Single(items, i => i.Operation == Ops.BirthMarkUsed).Province);
        Assert.Equal(Shanghai, Assert.Single(items, i => i.Operation == Ops.NewbornRegister).Province);
        Assert.Empty(Dispatched(caseId, Ops.BirthRelease));
    }

    [Theory]
    [InlineData(false, true, false, "birth-certificate.invalid")]
    [InlineData(true, false, false, "birth-certificate.mismatch")]
    public async Task Rejects_a_bad_certificate_before_anything_is_marked(bool valid, bool matchesChild, bool used, string reason)
    {
        var caseId = NewbornCaseId("certificate");
        host.Provinces.On(caseId, Ops.BirthVerify, null, 1,
            FakeProvinces.Ok(new BirthCertificateCheck(valid, used, matchesChild)));
        await host.StartAsync(Newborn(caseId));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Rejected, status);
        Assert.StartsWith(reason + ":", why, StringComparison.Ordinal);
        AssertNothingMarked(caseId);
        Assert.Equal([Verified, "progress Rejected outcome"], host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task Rejects_when_the_birth_province_has_no_such_certificate()
    {
        var caseId = NewbornCaseId("no-certificate");
        host.Provinces.On(caseId, Ops.BirthVerify, null, 1, new StepResult(StepOutcome.NoRecord, "not found"));
        await host.StartAsync(Newborn(caseId));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Rejected, status);
        Assert.StartsWith("birth-certificate.no-record:", why, StringComparison.Ordinal);
        AssertNothingMarked(caseId);
    }

    [Theory]
    [InlineData(true, "deceased", "parent.deceased:")]
    [InlineData(false, "normal", "parent.name-mismatch:")]
    public async Task Rejects_when_the_registering_parent_does_not_check_out(bool match, string residentStatus, string reason)
    {
        var caseId = NewbornCaseId("parent");
        host.Provinces.On(caseId, Ops.ResidentVerify, NewbornRegistrationOrchestrator.ParentRole, 1,
            FakeProvinces.Ok(new ResidentCheck(match, residentStatus, Shanghai)));
        await host.StartAsync(Newborn(caseId));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Rejected, status);
        Assert.StartsWith(reason, why, StringComparison.Ordinal);
        AssertNothingMarked(caseId);
    }

    [Fact]
    public async Task A_certificate_verified_as_used_is_rejected_when_marking_it_for_this_case_is_refused()
    {
        var caseId = NewbornCaseId("used");
        host.Provinces.On(caseId, Ops.BirthVerify, null, 1, FakeProvinces.Ok(new BirthCertificateCheck(Valid: true, Used: true, MatchesChild: true)));
        host.Provinces.On(caseId, Ops.BirthMarkUsed, null, 1, new StepResult(StepOutcome.Refused, "held by case nb-other"));
        await host.StartAsync(Newborn(caseId));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Rejected, status);
        Assert.Equal("birth-certificate.used: the certificate was used by another registration (held by case nb-other)", why);
        Assert.Empty(Dispatched(caseId, Ops.BirthRelease));
        Assert.Empty(Dispatched(caseId, Ops.NewbornRegister));
        Assert.Equal([Verified, "dispatch birth.mark-used/#1", "progress Rejected outcome"], host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task A_certificate_verified_as_used_by_this_very_case_goes_on_to_registration()
    {
        // A verification delivered again after a crash sees the mark this case already made; the mark, keyed by hubCaseId, is acknowledged again.
        var caseId = NewbornCaseId("own-mark");
        host.Provinces.On(caseId, Ops.BirthVerify, null, 1, FakeProvinces.Ok(new BirthCertificateCheck(Valid: true, Used: true, MatchesChild: true)));
        await host.StartAsync(Newborn(caseId));

        var (status, _) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Completed, status);
        Assert.Single(Dispatched(caseId, Ops.BirthMarkUsed));
        Assert.Single(Dispatched(caseId, Ops.NewbornRegister));
        Assert.Empty(Dispatched(caseId, Ops.BirthRelease));
    }

    [Fact]
    public async Task Rejects_without_releasing_when_another_case_holds_the_certificate()
    {
        var caseId = NewbornCaseId("held");
        host.Provinces.On(caseId, Ops.BirthMarkUsed, null, 1, new StepResult(StepOutcome.Refused, "held by case nb-other"));
        await host.StartAsync(Newborn(caseId));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Rejected, status);
        Assert.Equal("birth-certificate.held: held by case nb-other", why);
        Assert.Empty(Dispatched(caseId, Ops.BirthRelease));
        Assert.Empty(Dispatched(caseId, Ops.NewbornRegister));
        Assert.DoesNotContain(host.Recorder.StepChanges(caseId), c => c.Status == StepStatus.Compensated);
        Assert.Equal([Verified, "dispatch birth.mark-used/#1", "progress Rejected outcome"], host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task Releases_then_fails_when_marking_the_certificate_keeps_failing()
    {
        var caseId = NewbornCaseId("mark-down");
        host.Provinces.OnRounds(caseId, Ops.BirthMarkUsed, null, 3, FakeProvinces.Poisoned(Zhejiang));
        await host.StartAsync(Newborn(caseId));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Failed, status);
        Assert.StartsWith($"province-unavailable: {Zhejiang} did not answer birth.mark-used", why, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], Dispatched(caseId, Ops.BirthMarkUsed).Select(i => i.Round));
        Assert.Empty(Dispatched(caseId, Ops.NewbornRegister));
        Assert.Equal(
        [
            Verified,
            "dispatch birth.mark-used/#1",
            "dispatch birth.mark-used/#2",
            "dispatch birth.mark-used/#3",
            "dispatch birth.release/#1",
            "progress mark-birth-certificate-used:Compensated",
            "progress Failed outcome",
        ], host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task Releases_the_certificate_then_rejects_when_the_police_refuse_the_registration()
    {
        var caseId = NewbornCaseId("refused");
        host.Provinces.On(caseId, Ops.NewbornRegister, null, 1, new StepResult(StepOutcome.Refused, "parent's household not in this division"));
        await host.StartAsync(Newborn(caseId));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Rejected, status);
        Assert.Equal("registration-refused: parent's household not in this division", why);
        Assert.Null(host.Recorder.Final(caseId).Outcome!.ChildIdNumber);
        // The compensation runs after the refusal and before the final record.
        Assert.Equal(
        [
            Verified,
            "dispatch birth.mark-used/#1",
            "dispatch newborn.register/#1",
            "dispatch birth.release/#1",
            "progress mark-birth-certificate-used:Compensated",
            "progress Rejected outcome",
        ], host.Recorder.Trace(caseId));
        var release = Assert.Single(Dispatched(caseId, Ops.BirthRelease));
        Assert.Equal((StepNames.ReleaseBirthCertificate, Zhejiang), (release.StepName, release.Province));
        var compensated = Assert.Single(host.Recorder.StepChanges(caseId), c => c.Status == StepStatus.Compensated);
        Assert.Equal((StepNames.MarkBirthCertificateUsed, Zhejiang), (compensated.Name, compensated.Province));
        Assert.Empty(host.Recorder.Gates(caseId));
    }

    [Fact]
    public async Task Releases_then_fails_when_the_registration_hits_a_defect()
    {
        var caseId = NewbornCaseId("register-defect");
        host.Provinces.On(caseId, Ops.NewbornRegister, null, 1, FakeProvinces.Defect("unparseable answer"));
        await host.StartAsync(Newborn(caseId));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Failed, status);
        Assert.Equal($"province-defect: {Shanghai} could not take newborn.register (defect: unparseable answer)", why);
        Assert.Equal([1], Dispatched(caseId, Ops.NewbornRegister).Select(i => i.Round));
        Assert.Equal(
            ["dispatch birth.release/#1", "progress mark-birth-certificate-used:Compensated", "progress Failed outcome"],
            host.Recorder.Trace(caseId).TakeLast(3));
    }

    [Fact]
    public async Task Withdraws_during_verification_with_nothing_to_release()
    {
        var caseId = NewbornCaseId("withdraw-verify");
        host.Provinces.On(caseId, Ops.BirthVerify, null, 1, null);
        await host.StartAsync(Newborn(caseId));
        await host.DispatchedAsync(caseId, Ops.BirthVerify);
        await host.WithdrawAsync(caseId);

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Withdrawn, status);
        Assert.Equal("withdrawn: applicant request", why);
        AssertNothingMarked(caseId);
        Assert.Equal([Verified, "progress Withdrawn outcome"], host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task Releases_the_certificate_when_withdrawn_during_the_police_review_and_the_police_then_refuse()
    {
        var caseId = NewbornCaseId("withdraw-review");
        host.Provinces.On(caseId, Ops.NewbornRegister, null, 1, null);
        await host.StartAsync(Newborn(caseId));
        await host.DispatchedAsync(caseId, Ops.NewbornRegister);
        await host.WithdrawAsync(caseId, "parents moved");
        // newborn.register cannot be called back: the hub waits for the police's answer before it undoes anything.
        await Task.Delay(300);
        Assert.Empty(Dispatched(caseId, Ops.BirthRelease));
        await host.AnswerAsync(caseId, StepNames.RegisterNewborn, new StepResult(StepOutcome.Refused, "parents withdrew the application"));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Withdrawn, status);
        Assert.Equal("withdrawn: parents moved", why);
        Assert.Empty(host.Recorder.Gates(caseId));
        Assert.Equal(
        [
            Verified,
            "dispatch birth.mark-used/#1",
            "dispatch newborn.register/#1",
            "dispatch birth.release/#1",
            "progress mark-birth-certificate-used:Compensated",
            "progress Withdrawn outcome",
        ], host.Recorder.Trace(caseId));
    }

    [Fact]
    public async Task Completes_and_flags_the_late_withdrawal_when_the_police_approval_was_already_on_its_way()
    {
        var caseId = NewbornCaseId("withdraw-gate");
        host.Provinces.On(caseId, Ops.NewbornRegister, null, 1, null);
        await host.StartAsync(Newborn(caseId));
        await host.DispatchedAsync(caseId, Ops.NewbornRegister);
        // The API marked the row withdrawn; the police approval reaches the hub before the withdrawal event.
        host.Recorder.MarkWithdrawalRequested(caseId);
        await host.AnswerAsync(caseId, StepNames.RegisterNewborn,
            FakeProvinces.Ok(new NewbornRegistered(FakeProvinces.ChildIdNumber, FakeProvinces.HouseholdNo)));

        var (status, why) = await RunToEndAsync(caseId);
        Assert.Equal(CaseStatus.Completed, status);
        Assert.Null(why);
        Assert.Equal(FakeProvinces.HouseholdNo, host.Recorder.Final(caseId).Outcome!.HouseholdNo);
        // The child is registered: the certificate stays used, nothing is released.
        Assert.Empty(Dispatched(caseId, Ops.BirthRelease));
        var flagged = Assert.Single(host.Recorder.StepChanges(caseId), c => c.NeedsAttention == true);
        Assert.Equal((StepNames.RegisterNewborn, Shanghai, StepStatus.Succeeded), (flagged.Name, flagged.Province, flagged.Status));
        Assert.Contains("the registration stands", flagged.Detail, StringComparison.Ordinal);
    }
}
