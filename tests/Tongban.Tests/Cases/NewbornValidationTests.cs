using System.Text.Json.Nodes;
using Tongban.Cases;
using Tongban.Provinces;
using static Tongban.Tests.Cases.CaseBodies;

namespace Tongban.Tests.Cases;

public class NewbornValidationTests
{
    private static JsonObject Child(JsonObject body) => body.Details()["child"]!.AsObject();

    [Fact]
    public void Accepts_a_valid_request_and_produces_the_typed_command()
    {
        var command = AssertValid(Validate(Newborn()));

        Assert.Equal(CaseType.NewbornRegistration, command.CaseType);
        Assert.Null(command.CallbackUrl);
        Assert.Null(command.Marriage);
        var details = Assert.IsType<NewbornDetails>(command.Newborn);
        Assert.Equal(new NewbornChild("王小明", Sex.Male, new DateOnly(2026, 10, 2)), details.Child);
        Assert.Equal("Q310123456", details.BirthCertificateNo);
        Assert.Equal("310000", details.BirthProvince);
        Assert.Equal("mother", details.RegisterWith);
        Assert.Equal(new Party(ZhejiangWoman1986, "向明伟", "330000"), details.Mother);
        Assert.Equal(new Party(ZhejiangMan1991, "程凯", "330000"), details.Father);
        Assert.Equal("330106", details.HouseholdDivision);
        Assert.Equal(details.Mother, details.RegisteringParent);
        Assert.Equal(["330000", "310000"], command.InvolvedProvinces());
    }

    [Fact]
    public void Accepts_registering_with_the_father_without_a_mother()
    {
        var body = Newborn();
        body.Details()["registerWith"] = "father";
        body.Details().Remove("mother");
        var details = AssertValid(Validate(body)).Newborn!;
        Assert.Null(details.Mother);
        Assert.Equal(ZhejiangMan1991, details.RegisteringParent.IdNumber);
    }

    [Fact]
    public void Accepts_a_mother_from_another_province_when_registering_with_the_father()
    {
        var body = Newborn();
        body.Details()["registerWith"] = "father";
        body.Details()["mother"]!["hukouProvince"] = "360000";
        AssertValid(Validate(body));
    }

    [Fact]
    public void Rejects_registering_with_a_missing_mother()
    {
        var body = Newborn();
        body.Details().Remove("mother");
        AssertErrorsAt(Validate(body), "details.mother");
    }

    [Fact]
    public void Rejects_registering_with_a_missing_father()
    {
        var body = Newborn();
        body.Details()["registerWith"] = "father";
        body.Details()["father"] = null;
        AssertErrorsAt(Validate(body), "details.father");
    }

    [Fact]
    public void Validates_the_other_parent_when_present()
    {
        var body = Newborn();
        body.Details()["father"]!["idNumber"] = "330106199112177410";
        AssertErrorsAt(Validate(body), "details.father.idNumber");
    }

    [Fact]
    public void Rejects_a_registering_parent_whose_hukou_is_not_the_handling_province()
    {
        var body = Newborn();
        body.Details()["mother"]!["hukouProvince"] = "340000";
        AssertErrorsAt(Validate(body), "details.mother.hukouProvince");
    }

    [Fact]
    public void Rejects_a_mother_whose_id_number_is_a_mans()
    {
        var body = Newborn();
        body.Details()["mother"]!["idNumber"] = ZhejiangMan2000;
        AssertErrorsAt(Validate(body), "details.mother.idNumber");
    }

    [Fact]
    public void Rejects_a_father_whose_id_number_is_a_womans()
    {
        var body = Newborn();
        body.Details()["father"]!["idNumber"] = AnhuiWoman2000;
        AssertErrorsAt(Validate(body), "details.father.idNumber");
    }

    [Theory]
    [InlineData("parent")]
    [InlineData("Mother")]
    [InlineData("")]
    public void Rejects_an_unknown_register_with(string value)
    {
        var body = Newborn();
        body.Details()["registerWith"] = value;
        AssertErrorsAt(Validate(body), "details.registerWith");
    }

    [Theory]
    [InlineData("q310123456")]
    [InlineData("Q31012345")]
    [InlineData("Q3101234567")]
    [InlineData("QQ10123456")]
    [InlineData("3310123456")]
    [InlineData("Ｑ310123456")]
    public void Rejects_a_birth_certificate_number_not_one_capital_and_nine_digits(string value)
    {
        var body = Newborn();
        body.Details()["birthCertificateNo"] = value;
        AssertErrorsAt(Validate(body), "details.birthCertificateNo");
    }

    [Fact]
    public void Rejects_a_birth_province_equal_to_the_handling_province()
    {
        var body = Newborn();
        body.Details()["birthProvince"] = "330000";
        AssertErrorsAt(Validate(body), "details.birthProvince");
    }

    [Fact]
    public void Rejects_a_birth_province_that_is_not_a_member()
    {
        var body = Newborn();
        body.Details()["birthProvince"] = "440000";
        AssertErrorsAt(Validate(body), "details.birthProvince");
    }

    [Theory]
    [InlineData("310115")] // Shanghai county
    [InlineData("330100")] // Hangzhou city, not county-level
    [InlineData("33010")]
    public void Rejects_a_household_division_not_county_level_inside_the_handling_province(string code)
    {
        var body = Newborn();
        body.Details()["householdDivision"] = code;
        AssertErrorsAt(Validate(body), "details.householdDivision");
    }

    [Fact]
    public void Accepts_a_child_born_today()
    {
        var body = Newborn();
        Child(body)["birthDate"] = "2026-11-28";
        AssertValid(Validate(body));
    }

    [Fact]
    public void Rejects_a_child_born_tomorrow()
    {
        var body = Newborn();
        Child(body)["birthDate"] = "2026-11-29";
        AssertErrorsAt(Validate(body), "details.child.birthDate");
    }

    [Fact]
    public void Accepts_a_child_born_exactly_one_year_ago()
    {
        var body = Newborn();
        Child(body)["birthDate"] = "2025-11-28";
        AssertValid(Validate(body));
    }

    [Fact]
    public void Rejects_a_child_born_more_than_one_year_ago()
    {
        var body = Newborn();
        Child(body)["birthDate"] = "2025-11-27";
        AssertErrorsAt(Validate(body), "details.child.birthDate");
    }

    [Theory]
    [InlineData("2026-02-30")]
    [InlineData("2026/10/02")]
    [InlineData("02-10-2026")]
    [InlineData("2026-10-2")]
    [InlineData("2026-10-02T00:00:00")]
    public void Rejects_a_birth_date_that_is_not_a_real_yyyy_MM_dd_date(string value)
    {
        var body = Newborn();
        Child(body)["birthDate"] = value;
        AssertErrorsAt(Validate(body), "details.child.birthDate");
    }

    [Theory]
    [InlineData("boy")]
    [InlineData("Male")]
    [InlineData("m")]
    public void Rejects_a_child_sex_other_than_male_or_female(string value)
    {
        var body = Newborn();
        Child(body)["sex"] = value;
        AssertErrorsAt(Validate(body), "details.child.sex");
    }

    [Fact]
    public void Reads_a_female_child()
    {
        var body = Newborn();
        Child(body)["sex"] = "female";
        Assert.Equal(Sex.Female, AssertValid(Validate(body)).Newborn!.Child.Sex);
    }

    [Fact]
    public void Rejects_a_missing_child_name()
    {
        var body = Newborn();
        Child(body).Remove("name");
        AssertErrorsAt(Validate(body), "details.child.name");
    }

    [Fact]
    public void Rejects_a_missing_child()
    {
        var body = Newborn();
        body.Details().Remove("child");
        AssertErrorsAt(Validate(body), "details.child");
    }

    [Fact]
    public void Reports_every_problem_at_once()
    {
        var body = Newborn();
        Child(body)["sex"] = "x";
        Child(body)["birthDate"] = "2030-01-01";
        body.Details()["birthCertificateNo"] = "123";
        body.Details()["birthProvince"] = "330000";
        body.Details()["mother"]!["idNumber"] = ZhejiangMan2000;
        body.Details()["father"]!["name"] = "";
        body.Details().Remove("householdDivision");

        AssertErrorsAt(
            Validate(body),
            "details.child.sex", "details.child.birthDate", "details.birthCertificateNo", "details.birthProvince",
            "details.mother.idNumber", "details.father.name", "details.householdDivision");
    }
}
