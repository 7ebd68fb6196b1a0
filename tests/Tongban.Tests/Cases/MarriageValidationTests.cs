using System.Text.Json.Nodes;
using Tongban.Cases;
using static Tongban.Tests.Cases.CaseBodies;

namespace Tongban.Tests.Cases;

public class MarriageValidationTests
{
    private static JsonObject PartyA(JsonObject body) => body.Details()["partyA"]!.AsObject();

    private static JsonObject PartyB(JsonObject body) => body.Details()["partyB"]!.AsObject();

    [Fact]
    public void Accepts_a_valid_request_and_produces_the_typed_command()
    {
        var command = AssertValid(Validate(Marriage()));

        Assert.Equal(CaseType.MarriageRegistration, command.CaseType);
        Assert.Equal("SH-2026-000123", command.Reference);
        Assert.Equal("310000", command.HandlingProvince);
        Assert.Equal(new Uri("https://partner.example/hooks/tongban"), command.CallbackUrl);
        Assert.Null(command.Newborn);
        Assert.Null(command.SchoolTransfer);
        var details = Assert.IsType<MarriageDetails>(command.Marriage);
        Assert.Equal("310115", details.RegistryCode);
        Assert.Equal(new Party(ZhejiangMan2000, "张三", "330000"), details.PartyA);
        Assert.Equal(new Party(ShanghaiWomanX1999, "李四", "310000"), details.PartyB);
        Assert.Equal(["310000", "330000"], command.InvolvedProvinces());
    }

    [Fact]
    public void Normalises_a_lowercase_x_check_character_in_the_command()
    {
        var body = Marriage();
        PartyB(body)["idNumber"] = ShanghaiWomanX1999.ToLowerInvariant();
        Assert.Equal(ShanghaiWomanX1999, AssertValid(Validate(body)).Marriage!.PartyB.IdNumber);
    }

    [Fact]
    public void Accepts_a_groom_exactly_22_today()
    {
        // The groom was born 2000-06-17; the bride (1999-11-17) is 22 too.
        AssertValid(Validate(Marriage(), new DateOnly(2022, 6, 17)));
    }

    [Fact]
    public void Rejects_groom_one_day_short_of_22() =>
        AssertErrorsAt(Validate(Marriage(), new DateOnly(2022, 6, 16)), "details.partyA.idNumber");

    [Fact]
    public void Accepts_a_bride_exactly_20_today()
    {
        var body = Marriage();
        PartyA(body)["idNumber"] = JiangxiMan1984;
        PartyB(body)["idNumber"] = AnhuiWoman2000; // born 2000-09-22
        AssertValid(Validate(body, new DateOnly(2020, 9, 22)));
    }

    [Fact]
    public void Rejects_bride_one_day_short_of_20()
    {
        var body = Marriage();
        PartyA(body)["idNumber"] = JiangxiMan1984;
        PartyB(body)["idNumber"] = AnhuiWoman2000;
        AssertErrorsAt(Validate(body, new DateOnly(2020, 9, 21)), "details.partyB.idNumber");
    }

    [Fact]
    public void Rejects_a_man_of_21_even_though_a_woman_of_21_may_marry()
    {
        var body = Marriage();
        PartyA(body)["idNumber"] = ShanghaiMan1999; // 21 on 2020-09-22
        PartyB(body)["idNumber"] = AnhuiWoman2000;
        AssertErrorsAt(Validate(body, new DateOnly(2020, 9, 22)), "details.partyA.idNumber");
    }

    [Fact]
    public void Rejects_two_men()
    {
        var body = Marriage();
        PartyB(body)["idNumber"] = JiangxiMan1984;
        AssertErrorsAt(Validate(body), "details.partyB.idNumber");
    }

    [Fact]
    public void Rejects_two_women()
    {
        var body = Marriage();
        PartyA(body)["idNumber"] = ZhejiangWoman1986;
        AssertErrorsAt(Validate(body), "details.partyB.idNumber");
    }

    [Fact]
    public void Rejects_the_same_person_twice()
    {
        var body = Marriage();
        PartyB(body)["idNumber"] = ZhejiangMan2000;
        AssertErrorsAt(Validate(body), "details.partyB.idNumber");
    }

    [Fact]
    public void Rejects_a_wrong_check_character()
    {
        var body = Marriage();
        PartyA(body)["idNumber"] = "330106200006179054";
        AssertErrorsAt(Validate(body), "details.partyA.idNumber");
    }

    [Fact]
    public void Rejects_an_id_number_with_an_impossible_birth_date()
    {
        var body = Marriage();
        PartyA(body)["idNumber"] = "330106200002300012"; // 30 February
        AssertErrorsAt(Validate(body), "details.partyA.idNumber");
    }

    [Fact]
    public void Rejects_an_id_number_given_as_a_number()
    {
        var body = Marriage();
        PartyA(body)["idNumber"] = 330106200006179053;
        AssertErrorsAt(Validate(body), "details.partyA.idNumber");
    }

    [Theory]
    [InlineData("310000")] // a province, not a county
    [InlineData("310100")] // a city
    [InlineData("31011")]
    [InlineData("310199")]
    [InlineData("330106")] // a county, but in Zhejiang
    public void Rejects_a_registry_code_that_is_not_a_county_inside_the_handling_province(string code)
    {
        var body = Marriage();
        body.Details()["registryCode"] = code;
        AssertErrorsAt(Validate(body), "details.registryCode");
    }

    [Fact]
    public void Rejects_a_hukou_province_that_is_not_a_member()
    {
        var body = Marriage();
        PartyA(body)["hukouProvince"] = "110000";
        AssertErrorsAt(Validate(body), "details.partyA.hukouProvince");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一")] // 51
    public void Rejects_a_party_name_empty_blank_or_over_50_characters(string name)
    {
        var body = Marriage();
        PartyB(body)["name"] = name;
        AssertErrorsAt(Validate(body), "details.partyB.name");
    }

    [Fact]
    public void Accepts_a_name_of_50_characters()
    {
        var body = Marriage();
        PartyB(body)["name"] = new string('李', 50);
        AssertValid(Validate(body));
    }

    [Fact]
    public void Rejects_a_case_that_is_not_cross_province_on_details()
    {
        var body = Marriage();
        PartyA(body)["hukouProvince"] = "310000";
        AssertErrorsAt(Validate(body), "details");
    }

    [Fact]
    public void Accepts_both_parties_from_other_provinces()
    {
        var body = Marriage();
        PartyA(body)["hukouProvince"] = "330000";
        PartyB(body)["hukouProvince"] = "360000";
        AssertValid(Validate(body));
    }

    [Fact]
    public void Rejects_a_missing_party()
    {
        var body = Marriage();
        body.Details().Remove("partyB");
        AssertErrorsAt(Validate(body), "details.partyB");
    }

    [Fact]
    public void Rejects_a_party_that_is_not_an_object()
    {
        var body = Marriage();
        body.Details()["partyA"] = "张三";
        AssertErrorsAt(Validate(body), "details.partyA");
    }

    [Fact]
    public void Reports_every_problem_at_once()
    {
        var body = Marriage();
        body["reference"] = "";
        body.Details()["registryCode"] = "999999";
        PartyA(body)["idNumber"] = "330106200006179054";
        PartyA(body).Remove("name");
        PartyB(body)["hukouProvince"] = 310000;
        PartyB(body)["name"] = null;

        var result = Validate(body);

        AssertErrorsAt(
            result,
            "reference", "details.registryCode", "details.partyA.idNumber", "details.partyA.name",
            "details.partyB.hukouProvince", "details.partyB.name");
    }

    [Fact]
    public void Ignores_unknown_fields()
    {
        var body = Marriage();
        body["priority"] = "high";
        body.Details()["witness"] = new JsonObject { ["name"] = "王五" };
        PartyA(body)["phone"] = "13800000000";
        AssertValid(Validate(body));
    }
}
