using System.Text.Json;
using Tongban.Cases.Validation;
using static Tongban.Tests.Cases.CaseBodies;

namespace Tongban.Tests.Cases;

public class DecisionAndWithdrawalValidatorTests
{
    private static Validated<CaseDecision> Decide(string json) => DecisionValidator.Validate(JsonDocument.Parse(json).RootElement.Clone());

    private static Validated<CaseWithdrawal> Withdraw(string json) => WithdrawalValidator.Validate(JsonDocument.Parse(json).RootElement.Clone());

    [Fact]
    public void Accepts_an_approval_without_reason()
    {
        var result = Decide("""{"step":"officer-review","decision":"approve","officer":"sh-0042"}""");
        Assert.True(result.IsValid, Describe(result.Errors));
        Assert.Equal(new CaseDecision("officer-review", OfficerDecision.Approve, "sh-0042", null), result.Value);
    }

    [Fact]
    public void Accepts_a_rejection_with_reason()
    {
        var result = Decide("""{"step":"officer-review","decision":"reject","officer":"sh-0042","reason":"Documents do not match."}""");
        Assert.Equal(new CaseDecision("officer-review", OfficerDecision.Reject, "sh-0042", "Documents do not match."), result.Value);
    }

    [Theory]
    [InlineData("""{"step":"officer-review","decision":"reject","officer":"sh-0042"}""")]
    [InlineData("""{"step":"officer-review","decision":"reject","officer":"sh-0042","reason":""}""")]
    [InlineData("""{"step":"officer-review","decision":"reject","officer":"sh-0042","reason":null}""")]
    public void Rejects_a_rejection_without_reason(string json) => AssertErrorsAt(Decide(json), "reason");

    [Fact]
    public void Rejects_a_reason_over_500_characters()
    {
        var json = $$"""{"step":"officer-review","decision":"approve","officer":"sh-0042","reason":"{{new string('r', 501)}}"}""";
        AssertErrorsAt(Decide(json), "reason");
    }

    [Fact]
    public void Rejects_unknown_step_decision_and_officer_out_of_range_together()
    {
        var json = $$"""{"step":"verify-resident","decision":"maybe","officer":"{{new string('o', 65)}}"}""";
        AssertErrorsAt(Decide(json), "step", "decision", "officer");
    }

    [Fact]
    public void Rejects_a_decision_body_that_is_not_an_object() => AssertErrorsAt(Decide("[]"), "body");

    [Fact]
    public void Accepts_a_withdrawal_with_a_reason_of_500_characters()
    {
        var reason = new string('w', 500);
        Assert.Equal(new CaseWithdrawal(reason), Withdraw($$"""{"reason":"{{reason}}"}""").Value);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"reason":""}""")]
    [InlineData("""{"reason":"   "}""")]
    [InlineData("""{"reason":12}""")]
    public void Rejects_a_withdrawal_without_a_reason(string json) => AssertErrorsAt(Withdraw(json), "reason");

    [Fact]
    public void Rejects_a_withdrawal_reason_over_500_characters() =>
        AssertErrorsAt(Withdraw($$"""{"reason":"{{new string('w', 501)}}"}"""), "reason");

    [Fact]
    public void Rejects_a_withdrawal_body_that_is_not_an_object() => AssertErrorsAt(Withdraw("\"stop\""), "body");
}
