using Tongban.Cases.Identity;
using Tongban.Provinces;

namespace Tongban.Tests.Cases;

public class ResidentIdNumberTests
{
    private static readonly DateOnly Today = new(2026, 11, 28);

    [Theory]
    [InlineData("330106200006179053", "2000-06-17", Sex.Male, "330106")]
    [InlineData("330212198612257704", "1986-12-25", Sex.Female, "330212")]
    [InlineData("31011519991117804X", "1999-11-17", Sex.Female, "310115")]
    [InlineData("36010219820425187X", "1982-04-25", Sex.Male, "360102")]
    [InlineData("34010219870106553X", "1987-01-06", Sex.Male, "340102")]
    [InlineData("340104199505021668", "1995-05-02", Sex.Female, "340104")]
    [InlineData("360111200004011253", "2000-04-01", Sex.Male, "360111")]
    public void Accepts_sandbox_numbers_and_reads_birth_date_sex_and_address(string value, string birthDate, Sex sex, string address)
    {
        Assert.True(ResidentIdNumber.TryParse(value, Today, out var id));
        Assert.Equal(value, id.Value);
        Assert.Equal(DateOnly.Parse(birthDate, System.Globalization.CultureInfo.InvariantCulture), id.BirthDate);
        Assert.Equal(sex, id.Sex);
        Assert.Equal(address, id.AddressCode);
    }

    [Fact]
    public void Accepts_lowercase_x_and_normalises_it_to_upper_case()
    {
        Assert.True(ResidentIdNumber.TryParse("31011519991117804x", Today, out var id));
        Assert.Equal("31011519991117804X", id.Value);
    }

    [Theory]
    [InlineData("330106200006179054")] // last digit off by one
    [InlineData("330106200006179050")]
    [InlineData("31011519991117804" + "0")] // X expected
    [InlineData("33010620000617905X")] // X where a digit is expected
    [InlineData("330106200006197053")] // two digits swapped
    public void Rejects_wrong_check_character(string value)
    {
        Assert.Equal(ResidentIdProblem.WrongCheckDigit, ResidentIdNumber.Check(value, Today, out var id));
        Assert.Null(id);
    }

    [Theory]
    [InlineData("330106200002300012")] // 30 February, check character correct
    [InlineData("330106200013010010")] // month 13, check character correct
    [InlineData("330106189912310012")] // 1899: before the earliest accepted birth year
    public void Rejects_impossible_birth_dates(string value) =>
        Assert.Equal(ResidentIdProblem.ImpossibleBirthDate, ResidentIdNumber.Check(value, Today, out _));

    [Fact]
    public void Rejects_birth_date_after_today_and_accepts_it_on_the_day()
    {
        const string bornToday = "310101202611280014";
        Assert.Equal(ResidentIdProblem.FutureBirthDate, ResidentIdNumber.Check(bornToday, Today.AddDays(-1), out _));
        Assert.True(ResidentIdNumber.TryParse(bornToday, Today, out _));
    }

    [Theory]
    [InlineData(null, ResidentIdProblem.Missing)]
    [InlineData("", ResidentIdProblem.Missing)]
    [InlineData("33010620000617905", ResidentIdProblem.WrongFormat)]
    [InlineData("3301062000061790533", ResidentIdProblem.WrongFormat)]
    [InlineData("33010620000617905Y", ResidentIdProblem.WrongFormat)]
    [InlineData("3301062000061790X3", ResidentIdProblem.WrongFormat)]
    [InlineData("33010620000617905３", ResidentIdProblem.WrongFormat)] // full-width digit
    [InlineData(" 33010620000617905", ResidentIdProblem.WrongFormat)]
    public void Rejects_malformed_input(string? value, ResidentIdProblem expected) =>
        Assert.Equal(expected, ResidentIdNumber.Check(value, Today, out _));

    [Fact]
    public void Sex_comes_from_the_17th_digit()
    {
        Assert.True(ResidentIdNumber.TryParse("310115200002290013", Today, out var odd));
        Assert.True(ResidentIdNumber.TryParse("310115200002290021", Today, out var even));
        Assert.Equal(Sex.Male, odd.Sex);
        Assert.Equal(Sex.Female, even.Sex);
    }

    [Fact]
    public void Age_turns_on_the_birthday_not_the_day_before()
    {
        Assert.True(ResidentIdNumber.TryParse("330106200006179053", Today, out var id));
        Assert.Equal(21, id.AgeOn(new DateOnly(2022, 6, 16)));
        Assert.Equal(22, id.AgeOn(new DateOnly(2022, 6, 17)));
    }

    [Fact]
    public void Leap_day_birthday_turns_on_first_of_March_in_common_years()
    {
        Assert.True(ResidentIdNumber.TryParse("310115200002290013", Today, out var id));
        Assert.Equal(21, id.AgeOn(new DateOnly(2022, 2, 28)));
        Assert.Equal(22, id.AgeOn(new DateOnly(2022, 3, 1)));
        Assert.Equal(24, id.AgeOn(new DateOnly(2024, 2, 29)));
    }

    [Fact]
    public void ToString_is_masked()
    {
        Assert.True(ResidentIdNumber.TryParse("330106200006179053", Today, out var id));
        Assert.Equal("330106********9053", id.ToString());
    }

    [Fact]
    public void Equal_numbers_are_equal_whatever_the_case_of_x()
    {
        Assert.True(ResidentIdNumber.TryParse("31011519991117804x", Today, out var lower));
        Assert.True(ResidentIdNumber.TryParse("31011519991117804X", Today, out var upper));
        Assert.Equal(upper, lower);
        Assert.Equal(upper.GetHashCode(), lower.GetHashCode());
    }
}
