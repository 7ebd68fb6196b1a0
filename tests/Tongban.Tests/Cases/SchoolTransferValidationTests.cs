using System.Text.Json.Nodes;
using Tongban.Cases;
using static Tongban.Tests.Cases.CaseBodies;

namespace Tongban.Tests.Cases;

public class SchoolTransferValidationTests
{
    private static JsonObject Student(JsonObject body) => body.Details()["student"]!.AsObject();

    [Fact]
    public void Accepts_a_valid_request_and_produces_the_typed_command()
    {
        var command = AssertValid(Validate(SchoolTransfer()));

        Assert.Equal(CaseType.SchoolTransfer, command.CaseType);
        var details = Assert.IsType<SchoolTransferDetails>(command.SchoolTransfer);
        Assert.Equal(new Student("G" + AnhuiBoy2015, "汪梓", AnhuiBoy2015), details.Student);
        Assert.Equal("340000", details.SourceProvince);
        Assert.Equal("3401020001", details.SourceSchoolCode);
        Assert.Equal("3301060002", details.TargetSchoolCode);
        Assert.Equal(4, details.TargetGrade);
        Assert.Equal("family-relocation", details.Reason);
        Assert.Equal(["330000", "340000"], command.InvolvedProvinces());
    }

    [Theory]
    [InlineData("J12345678901234567A")]
    [InlineData("LAB1234567890123456")]
    public void Accepts_J_and_L_student_numbers_of_18_characters(string studentNo)
    {
        var body = SchoolTransfer();
        Student(body)["studentNo"] = studentNo;
        Assert.Equal(studentNo, AssertValid(Validate(body)).SchoolTransfer!.Student.StudentNo);
    }

    [Fact]
    public void Normalises_a_lowercase_x_in_a_G_student_number()
    {
        var body = SchoolTransfer();
        body["handlingProvince"] = "310000";
        body.Details()["targetSchoolCode"] = "3101150002";
        Student(body)["idNumber"] = ShanghaiWomanX1999;
        Student(body)["studentNo"] = "G" + ShanghaiWomanX1999.ToLowerInvariant();
        Assert.Equal("G" + ShanghaiWomanX1999, AssertValid(Validate(body)).SchoolTransfer!.Student.StudentNo);
    }

    [Fact]
    public void Rejects_a_G_student_number_that_does_not_match_the_id_number()
    {
        var body = SchoolTransfer();
        Student(body)["studentNo"] = "G" + ZhejiangMan2000;
        AssertErrorsAt(Validate(body), "details.student.studentNo");
    }

    [Theory]
    [InlineData("340102201501186913")] // no prefix
    [InlineData("X340102201501186913")]
    [InlineData("J1234567890123456")] // 17 after J
    [InlineData("L1234567890123456789")] // 19 after L
    [InlineData("J12345678901234567-")]
    [InlineData("g340102201501186913")]
    public void Rejects_malformed_student_numbers(string studentNo)
    {
        var body = SchoolTransfer();
        Student(body)["studentNo"] = studentNo;
        AssertErrorsAt(Validate(body), "details.student.studentNo");
    }

    [Fact]
    public void Rejects_an_invalid_student_id_number()
    {
        var body = SchoolTransfer();
        Student(body)["idNumber"] = "340102201501186910";
        AssertErrorsAt(Validate(body), "details.student.idNumber");
    }

    [Fact]
    public void Rejects_a_missing_student_name()
    {
        var body = SchoolTransfer();
        Student(body)["name"] = "  ";
        AssertErrorsAt(Validate(body), "details.student.name");
    }

    [Fact]
    public void Rejects_a_source_province_equal_to_the_handling_province()
    {
        var body = SchoolTransfer();
        body.Details()["sourceProvince"] = "330000";
        body.Details()["sourceSchoolCode"] = "3302120001";
        AssertErrorsAt(Validate(body), "details.sourceProvince");
    }

    [Fact]
    public void Rejects_a_source_province_that_is_not_a_member()
    {
        var body = SchoolTransfer();
        body.Details()["sourceProvince"] = "320000";
        AssertErrorsAt(Validate(body), "details.sourceProvince");
    }

    [Theory]
    [InlineData("3301060001")] // a Zhejiang county, not in sourceProvince 340000
    [InlineData("3401000001")] // Hefei city prefix, not county-level
    [InlineData("340102000")]
    [InlineData("34010200011")]
    [InlineData("340102000A")]
    public void Rejects_a_source_school_code_not_ten_digits_of_a_county_in_the_source_province(string code)
    {
        var body = SchoolTransfer();
        body.Details()["sourceSchoolCode"] = code;
        AssertErrorsAt(Validate(body), "details.sourceSchoolCode");
    }

    [Theory]
    [InlineData("3401020002")] // an Anhui county: the target must be in the handling province
    [InlineData("9999990002")]
    [InlineData("330106")]
    public void Rejects_a_target_school_code_not_in_a_county_of_the_handling_province(string code)
    {
        var body = SchoolTransfer();
        body.Details()["targetSchoolCode"] = code;
        AssertErrorsAt(Validate(body), "details.targetSchoolCode");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(12)]
    public void Accepts_grades_1_to_12(int grade)
    {
        var body = SchoolTransfer();
        body.Details()["targetGrade"] = grade;
        AssertValid(Validate(body));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("13")]
    [InlineData("-1")]
    [InlineData("4.5")]
    [InlineData("\"4\"")]
    [InlineData("null")]
    [InlineData("true")]
    public void Rejects_a_target_grade_that_is_not_a_whole_number_from_1_to_12(string json)
    {
        var body = SchoolTransfer();
        body.Details()["targetGrade"] = JsonNode.Parse(json);
        AssertErrorsAt(Validate(body), "details.targetGrade");
    }

    [Fact]
    public void Rejects_a_reason_over_200_characters()
    {
        var body = SchoolTransfer();
        body.Details()["reason"] = new string('r', 201);
        AssertErrorsAt(Validate(body), "details.reason");
    }

    [Fact]
    public void Rejects_a_missing_reason()
    {
        var body = SchoolTransfer();
        body.Details().Remove("reason");
        AssertErrorsAt(Validate(body), "details.reason");
    }

    [Fact]
    public void Reports_every_problem_at_once()
    {
        var body = SchoolTransfer();
        Student(body)["studentNo"] = "Z";
        Student(body)["idNumber"] = "340102201502306913";
        body.Details()["sourceProvince"] = "330000";
        body.Details()["targetSchoolCode"] = "abc";
        body.Details()["targetGrade"] = 0;
        body.Details()["reason"] = "";

        AssertErrorsAt(
            Validate(body),
            "details.student.studentNo", "details.student.idNumber", "details.sourceProvince",
            "details.sourceSchoolCode", "details.targetSchoolCode", "details.targetGrade", "details.reason");
    }
}
