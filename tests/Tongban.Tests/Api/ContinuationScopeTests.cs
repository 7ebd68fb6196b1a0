using System.Security.Cryptography;
using Tongban.Api;
using Tongban.Cases.Validation;
using Tongban.Storage;

namespace Tongban.Tests.Api;

/// <summary>One caller's continuation tokens: partners' and operators' apart, a foreign token a validation error.</summary>
public class ContinuationScopeTests
{
    private static readonly ContinuationTokens Tokens = new(new PiiKeyRing(new Dictionary<string, byte[]> { ["a"] = RandomNumberGenerator.GetBytes(32) }, "a"));

    [Fact]
    public void A_token_sealed_for_a_caller_opens_for_that_caller()
    {
        var partner = Tokens.ForPartner("330000");
        var errors = new ValidationErrors();

        Assert.Equal("1!8!storage", partner.Open(partner.Seal("1!8!storage"), errors));
        Assert.True(errors.IsEmpty);
    }

    [Fact]
    public void No_token_sent_opens_to_none_and_a_list_that_ended_seals_none()
    {
        var errors = new ValidationErrors();
        Assert.Null(Tokens.ForPartner("330000").Open(null, errors));
        Assert.True(errors.IsEmpty);
        Assert.Null(Tokens.ForOperator("op-1").Seal(null));
    }

    [Theory]
    [InlineData("partner:330000", "partner:310000")]
    [InlineData("operator:op-1", "operator:op-2")]
    [InlineData("operator:330000", "partner:330000")]
    [InlineData("partner:330000", "operator:330000")]
    public void A_token_of_another_caller_does_not_open_and_says_so(string sealedFor, string sentBy)
    {
        var errors = new ValidationErrors();

        Assert.Null(Scope(sentBy).Open(Scope(sealedFor).Seal("storage"), errors));
        Assert.Equal(ContinuationTokens.NotIssued, Assert.Single(errors.ToDictionary()["continuation"]));
    }

    [Fact]
    public void An_operators_scope_is_the_one_the_operator_lists_used_before()
    {
        // Tokens given out before the scope became a type still open: the operator namespace is "operator:" + ID.
        var sealedBefore = Tokens.Seal("operator:op-1", "storage");
        Assert.Equal("storage", Tokens.ForOperator("op-1").Open(sealedBefore, new ValidationErrors()));
        Assert.Equal("storage", Tokens.ForPartner("330000").Open(Tokens.Seal("330000", "storage"), new ValidationErrors()));
    }

    private static ContinuationScope Scope(string caller) =>
        caller.Split(':') is ["operator", var id] ? Tokens.ForOperator(id) : Tokens.ForPartner(caller.Split(':')[1]);
}
