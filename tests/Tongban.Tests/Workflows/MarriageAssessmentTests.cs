using Tongban.Cases;
using Tongban.Workflows;
using Tongban.Workflows.Orchestration;
using Ops = Tongban.Provinces.CanonicalOperations;

namespace Tongban.Tests.Workflows;

/// <summary>MarriageRegistrationOrchestrator.Assess: a verification answer to a rejection reason (or none).</summary>
public class MarriageAssessmentTests
{
    private static ProvinceStep Verify(string subject = "partyA") =>
        new("case-1", StepNames.VerifyResident, subject, Ops.ResidentVerify, "330000", 1);

    private static ProvinceStep Marital(string subject = "partyA") =>
        new("case-1", StepNames.CheckMaritalStatus, subject, Ops.MaritalStatus, "330000", 1);

    private static StepResult Ok(StepData? data) => new(StepOutcome.Succeeded, null, data);

    private static ResidentCheck Resident(bool match, string status) => new(match, status, "330106");

    [Fact]
    public void Accepts_a_matching_resident_in_normal_status() =>
        Assert.Null(MarriageRegistrationOrchestrator.Assess(Verify(), Ok(Resident(match: true, "normal"))));

    [Theory]
    [InlineData("unmarried")]
    [InlineData("divorced")]
    [InlineData("widowed")]
    public void Accepts_a_party_free_to_marry(string maritalStatus) =>
        Assert.Null(MarriageRegistrationOrchestrator.Assess(Marital(), Ok(new MaritalStatusCheck(maritalStatus))));

    [Fact]
    public void Rejects_a_married_party() =>
        Assert.Equal("partyB.married: partyB is married", MarriageRegistrationOrchestrator.Assess(Marital("partyB"), Ok(new MaritalStatusCheck("married"))));

    [Theory]
    [InlineData("deceased")]
    [InlineData("cancelled")]
    public void Rejects_a_resident_not_in_normal_status(string residentStatus) =>
        Assert.Equal($"partyA.{residentStatus}: resident status is {residentStatus}",
            MarriageRegistrationOrchestrator.Assess(Verify(), Ok(Resident(match: true, residentStatus))));

    [Fact]
    public void Rejects_a_name_mismatch_before_looking_at_the_resident_status() =>
        Assert.Equal("partyA.name-mismatch: ID number and name do not belong together",
            MarriageRegistrationOrchestrator.Assess(Verify(), Ok(Resident(match: false, "deceased"))));

    [Fact]
    public void Treats_an_answer_without_a_resident_check_as_a_mismatch() =>
        Assert.StartsWith("partyA.name-mismatch", MarriageRegistrationOrchestrator.Assess(Verify(), Ok(null)), StringComparison.Ordinal);

    [Fact]
    public void Rejects_when_the_province_has_no_record()
    {
        Assert.Equal("partyA.no-record: 330000 has no record for partyA",
            MarriageRegistrationOrchestrator.Assess(Verify(), new StepResult(StepOutcome.NoRecord, "not found")));
        Assert.Equal("partyB.no-record: 330000 has no record for partyB",
            MarriageRegistrationOrchestrator.Assess(Marital("partyB"), new StepResult(StepOutcome.NoRecord)));
    }

    [Fact]
    public void Rejects_with_the_province_reason_when_it_refuses() =>
        Assert.Equal("partyA.refused: record sealed",
            MarriageRegistrationOrchestrator.Assess(Marital(), new StepResult(StepOutcome.Refused, "record sealed")));
}

/// <summary>StepPolicy.DelayBefore: back-off before re-driving a step's next round.</summary>
public class StepPolicyTests
{
    private static readonly StepPolicy Policy = new(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(30), 3, 3);

    [Theory]
    [InlineData(2, 30)]
    [InlineData(3, 60)]
    [InlineData(4, 120)]
    [InlineData(5, 240)]
    [InlineData(7, 960)]
    public void Doubles_from_the_retry_delay_for_each_later_round(int round, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Policy.DelayBefore(round));

    [Theory]
    [InlineData(8)]
    [InlineData(40)]
    [InlineData(2000)]
    public void Is_capped_at_the_max_retry_delay(int round) =>
        Assert.Equal(TimeSpan.FromMinutes(30), Policy.DelayBefore(round));

    [Fact]
    public void Never_goes_below_the_retry_delay() =>
        Assert.Equal(TimeSpan.FromSeconds(30), Policy.DelayBefore(1));

    [Fact]
    public void Default_policy_matches_the_documented_settings()
    {
        Assert.Equal(Policy, StepPolicy.Default);
        Assert.Equal(TimeSpan.FromSeconds(30), StepPolicy.Default.DelayBefore(2));
    }
}
