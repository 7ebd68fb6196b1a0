using System.Text.Json.Nodes;
using Tongban.Cases.Divisions;
using Tongban.Cases.Validation;
using static Tongban.Tests.Cases.CaseBodies;

namespace Tongban.Tests.Cases;

public class OpenCaseValidatorTests
{
    [Theory]
    [InlineData("[]")]
    [InlineData("\"marriage\"")]
    [InlineData("42")]
    [InlineData("null")]
    public void Rejects_a_body_that_is_not_an_object_on_body(string json) =>
        AssertErrorsAt(ValidateRaw(json), "body");

    [Fact]
    public void Reports_every_missing_top_level_field()
    {
        AssertErrorsAt(ValidateRaw("{}"), "caseType", "reference", "handlingProvince", "details");
    }

    [Theory]
    [InlineData("marriage")]
    [InlineData("Marriage-Registration")]
    [InlineData("")]
    public void Rejects_an_unknown_case_type_without_judging_details(string caseType)
    {
        var body = Marriage();
        body["caseType"] = caseType;
        body.Details()["registryCode"] = "nonsense";
        AssertErrorsAt(Validate(body), "caseType");
    }

    [Fact]
    public void Judges_details_by_the_case_type_given()
    {
        var body = Marriage();
        body["caseType"] = "school-transfer";
        var errors = Validate(body).Errors;
        Assert.True(errors.Has("details.student"));
        Assert.False(errors.Has("details.partyA"));
    }

    [Fact]
    public void Rejects_a_case_type_given_as_a_number()
    {
        var body = Marriage();
        body["caseType"] = 1;
        AssertErrorsAt(Validate(body), "caseType");
    }

    [Fact]
    public void Accepts_a_reference_of_64_characters()
    {
        var body = Marriage();
        body["reference"] = new string('R', 64);
        AssertValid(Validate(body));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("SH\n001")]
    public void Rejects_a_reference_empty_blank_or_with_control_characters(string reference)
    {
        var body = Marriage();
        body["reference"] = reference;
        AssertErrorsAt(Validate(body), "reference");
    }

    [Fact]
    public void Rejects_a_reference_of_65_characters()
    {
        var body = Marriage();
        body["reference"] = new string('R', 65);
        AssertErrorsAt(Validate(body), "reference");
    }

    [Theory]
    [InlineData("440000")]
    [InlineData("31")]
    [InlineData("310115")]
    public void Rejects_a_handling_province_that_is_not_a_member(string code)
    {
        var body = Marriage();
        body["handlingProvince"] = code;
        AssertErrorsAt(Validate(body), "handlingProvince");
    }

    [Fact]
    public void Takes_the_member_list_from_configuration()
    {
        var fifth = new HashSet<string>(Members, StringComparer.Ordinal) { "320000" };
        var body = Marriage();
        body["handlingProvince"] = "320000";
        body.Details()["registryCode"] = "320102";
        var result = new OpenCaseValidator(DivisionCatalog.Shared, fifth, Origins(fifth, CallbackOrigins)).Validate(body.ToElement(), Today, "320000");
        Assert.True(result.IsValid, Describe(result.Errors));
    }

    [Theory]
    [InlineData("https://partner.example/hooks")]
    [InlineData("https://PARTNER.example:443/hooks")]
    [InlineData("https://partner.example:8443/hooks?x=1")]
    [InlineData("http://127.0.0.1:5000/hooks")]
    [InlineData("http://[::1]:5000/hooks")]
    public void Accepts_callbacks_in_a_registered_origin(string url)
    {
        var body = Marriage();
        body["callbackUrl"] = url;
        Assert.Equal(new Uri(url), AssertValid(Validate(body)).CallbackUrl);
    }

    [Fact]
    public void Accepts_a_missing_or_null_callback()
    {
        var body = Marriage();
        body.Remove("callbackUrl");
        Assert.Null(AssertValid(Validate(body)).CallbackUrl);
        body["callbackUrl"] = null;
        Assert.Null(AssertValid(Validate(body)).CallbackUrl);
    }

    [Theory]
    [InlineData("http://partner.example/hooks")]
    [InlineData("ftp://partner.example/hooks")]
    [InlineData("/hooks/tongban")]
    [InlineData("partner.example/hooks")]
    [InlineData("https://user:secret@partner.example/hooks")]
    [InlineData("")]
    public void Rejects_callbacks_that_are_not_absolute_https(string url)
    {
        var body = Marriage();
        body["callbackUrl"] = url;
        AssertErrorsAt(Validate(body), "callbackUrl");
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"details\"")]
    public void Rejects_missing_or_non_object_details_on_details(string json)
    {
        var body = Marriage();
        body["details"] = JsonNode.Parse(json);
        AssertErrorsAt(Validate(body), "details");
    }

    [Fact]
    public void Rejects_a_field_given_twice()
    {
        const string json = """
            {"caseType":"marriage-registration","reference":"A","reference":"B","handlingProvince":"310000","details":{}}
            """;
        Assert.True(ValidateRaw(json).Errors.Has("reference"));
    }

    [Fact]
    public void Reports_problems_across_top_level_and_details_together()
    {
        var body = Newborn();
        body["reference"] = null;
        body["handlingProvince"] = "999999";
        body["callbackUrl"] = "http://partner.example";
        body.Details()["birthCertificateNo"] = "x";
        body.Details()["child"]!["name"] = 7;

        // With no valid handling province, the rules that compare with it stay silent rather than guess.
        AssertErrorsAt(
            Validate(body),
            "reference", "handlingProvince", "callbackUrl", "details.birthCertificateNo", "details.child.name");
    }

    [Fact]
    public void No_message_ever_contains_an_id_number()
    {
        var body = Marriage();
        body.Details()["partyA"]!["idNumber"] = "330106200006179054";
        body.Details()["partyB"]!["idNumber"] = ZhejiangMan2000 + "1";
        var result = Validate(body, new DateOnly(2010, 1, 1));
        var messages = result.Errors.ToDictionary().SelectMany(e => e.Value).ToList();
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.DoesNotContain("3301062000061790", m, StringComparison.Ordinal));
        AssertNoIdNumberIn(result.Errors);
    }
}
