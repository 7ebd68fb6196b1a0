using Tongban.Cases;

namespace Tongban.Tests.Cases;

/// <summary>Issue 11: a case ID path parameter has one shape, c- and 32 lower-case hex digits; anything else never reaches a table key.</summary>
public class CaseIdsTests
{
    [Fact]
    public void New_case_ids_have_the_shape()
    {
        var id = CaseIds.New(DateTimeOffset.UtcNow);
        Assert.Matches("^c-[0-9a-f]{32}$", id);
        Assert.True(CaseIds.IsWellFormed(id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("c-")]
    [InlineData("c-1")]
    [InlineData("c-0123456789abcdef0123456789abcde#")]
    [InlineData("c-0123456789abcdef0123456789abcd/e")]
    [InlineData("c-0123456789abcdef0123456789abcd\\e")]
    [InlineData("c-0123456789abcdef0123456789abcd?e")]
    [InlineData("c-0123456789abcdef0123456789abcd\te")]
    [InlineData("c-0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("c-0123456789abcdef0123456789abcdef0")]
    [InlineData("TB-0123456789abcdef0123456789abcde")]
    [InlineData("c-０123456789abcdef0123456789abcde")]
    public void Anything_else_is_not_a_case_id(string given) => Assert.False(CaseIds.IsWellFormed(given));
}
