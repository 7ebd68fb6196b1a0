using Tongban.Cases;
using Tongban.Cases.Identity;

namespace Tongban.Tests.Cases;

/// <summary>The names of a case's people come out of a province's text, however they are nested in it.</summary>
public sealed class PersonNameMaskTests
{
    private static OpenCaseCommand Transfer(string student) => new(CaseType.SchoolTransfer, "r", "330000", null,
        SchoolTransfer: new SchoolTransferDetails(new Student("G1", student, "330106201308010012"), "310000", "3101044321", "3301060002", 4, "move"));

    private static OpenCaseCommand Marriage(string a, string b) => new(CaseType.MarriageRegistration, "r", "330000", null,
        Marriage: new MarriageDetails("330106", new Party("330106200006179053", a, "330000"), new Party("31011519991117804X", b, "310000")));

    [Fact]
    public void Masks_every_name_of_the_case_keeping_the_first_character()
    {
        var mask = PersonNameMask.For(Marriage("邓远晨", "闫丽红"));

        Assert.Equal("邓** and 闫** are already married", mask.Apply("邓远晨 and 闫丽红 are already married"));
    }

    [Fact]
    public void A_longer_name_containing_another_is_masked_whole()
    {
        var mask = PersonNameMask.For(Marriage("张敏", "张敏华"));

        Assert.Equal("张** / 张*", mask.Apply("张敏华 / 张敏"));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "")]
    [InlineData("no names here", "no names here")]
    public void Leaves_text_without_the_names_as_it_is(string? text, string? expected) =>
        Assert.Equal(expected, PersonNameMask.For(Transfer("汪梓")).Apply(text));

    [Fact]
    public void A_one_character_name_is_masked_entirely() =>
        Assert.Equal("student * refused", PersonNameMask.For(Transfer("汪")).Apply("student 汪 refused"));
}
