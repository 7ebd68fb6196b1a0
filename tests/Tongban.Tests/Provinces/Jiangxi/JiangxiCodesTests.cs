using Tongban.Provinces;
using Tongban.Provinces.Jiangxi;

namespace Tongban.Tests.Provinces.Jiangxi;

public class JiangxiCodesTests
{
    [Theory]
    [InlineData(Sex.Male, "1")]
    [InlineData(Sex.Female, "2")]
    public void Maps_sex_to_xb_and_back(Sex sex, string xb)
    {
        Assert.Equal(xb, JiangxiCodes.ToXb(sex));
        Assert.Equal(sex, JiangxiCodes.FromXb(xb));
    }

    [Theory]
    [InlineData(ResidentStatus.Normal, "1")]
    [InlineData(ResidentStatus.Deceased, "2")]
    [InlineData(ResidentStatus.Cancelled, "3")]
    public void Maps_resident_status_to_rkzt_and_back(ResidentStatus status, string rkzt)
    {
        Assert.Equal(rkzt, JiangxiCodes.ToRkzt(status));
        Assert.Equal(status, JiangxiCodes.FromRkzt(rkzt));
    }

    [Theory]
    [InlineData(MaritalStatus.Unmarried, "10")]
    [InlineData(MaritalStatus.Married, "20")]
    [InlineData(MaritalStatus.Widowed, "30")]
    [InlineData(MaritalStatus.Divorced, "40")]
    public void Maps_marital_status_to_GB_T_2261_2_hyzk_and_back(MaritalStatus status, string hyzk)
    {
        Assert.Equal(hyzk, JiangxiCodes.ToHyzk(status));
        Assert.Equal(status, JiangxiCodes.FromHyzk(hyzk));
    }

    [Theory]
    [InlineData(StudentStatus.Enrolled, "1")]
    [InlineData(StudentStatus.Graduated, "2")]
    [InlineData(StudentStatus.Transferred, "3")]
    public void Maps_student_status_to_xjzt_and_back(StudentStatus status, string xjzt)
    {
        Assert.Equal(xjzt, JiangxiCodes.ToXjzt(status));
        Assert.Equal(status, JiangxiCodes.FromXjzt(xjzt));
    }

    [Theory]
    [InlineData(SlowWorkState.Processing, "01")]
    [InlineData(SlowWorkState.Approved, "02")]
    [InlineData(SlowWorkState.Rejected, "03")]
    public void Maps_slow_work_state_to_blzt_and_back(SlowWorkState state, string blzt)
    {
        Assert.Equal(blzt, JiangxiCodes.ToBlzt(state));
        Assert.Equal(state, JiangxiCodes.FromBlzt(blzt));
    }

    [Theory]
    [InlineData(true, "1")]
    [InlineData(false, "0")]
    public void Maps_flags_to_1_and_0_and_back(bool value, string flag)
    {
        Assert.Equal(flag, JiangxiCodes.ToFlag(value));
        Assert.Equal(value, JiangxiCodes.FromFlag(flag, "yxbz"));
    }

    [Fact]
    public void Writes_and_reads_dates_as_yyyyMMdd()
    {
        Assert.Equal("20260307", JiangxiCodes.ToDate(new DateOnly(2026, 3, 7)));
        Assert.Equal(new DateOnly(2026, 3, 7), JiangxiCodes.FromDate("20260307", "csrq"));
    }

    [Theory]
    [InlineData("xb", "0")]
    [InlineData("rkzt", "4")]
    [InlineData("hyzk", "21")]
    [InlineData("xjzt", "0")]
    [InlineData("blzt", "1")]
    [InlineData("yxbz", "Y")]
    [InlineData("csrq", "2026-03-07")]
    public void Refuses_a_code_outside_the_contract_naming_the_field(string field, string value)
    {
        Action read = field switch
        {
            "xb" => () => JiangxiCodes.FromXb(value),
            "rkzt" => () => JiangxiCodes.FromRkzt(value),
            "hyzk" => () => JiangxiCodes.FromHyzk(value),
            "xjzt" => () => JiangxiCodes.FromXjzt(value),
            "blzt" => () => JiangxiCodes.FromBlzt(value),
            "yxbz" => () => JiangxiCodes.FromFlag(value, field),
            _ => () => JiangxiCodes.FromDate(value, field),
        };

        var error = Assert.Throws<FormatException>(read);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("360102199001011211", Sex.Male)]
    [InlineData("360102200307193641", Sex.Female)]
    [InlineData("36010219900101123X", Sex.Male)]
    [InlineData("360102900101122", Sex.Female)]
    public void Reads_sex_from_the_ID_numbers_sex_digit(string idNumber, Sex expected)
    {
        Assert.Equal(expected, JiangxiCodes.SexOfIdNumber(idNumber));
    }

    [Fact]
    public void Names_the_male_party_nf_and_the_female_party_nv_whatever_their_order()
    {
        var wife = new Person("360102200307193641", "张敏");
        var husband = new Person("360102199001011211", "李强");

        var biz = JiangxiCodes.MarriageRegister(new MarriageRegistration("360102", wife, husband, "case-1"));

        Assert.Equal("360102199001011211", biz["nfsfzhm"]);
        Assert.Equal("李强", biz["nfxm"]);
        Assert.Equal("360102200307193641", biz["nvsfzhm"]);
        Assert.Equal("张敏", biz["nvxm"]);
        Assert.Equal("360102", biz["djjg"]);
        Assert.Equal("case-1", biz["ywbh"]);
    }

    [Fact]
    public void Refuses_a_marriage_whose_ID_numbers_give_the_same_sex_without_echoing_them()
    {
        var error = Assert.Throws<FormatException>(() => JiangxiCodes.MarriageRegister(new MarriageRegistration(
            "360102", new Person("360102199001011211", "甲"), new Person("360102199202021233", "乙"), "case-1")));

        Assert.DoesNotContain("360102199", error.Message, StringComparison.Ordinal);
    }
}
