using System.Diagnostics;
using Tongban.Cases.Divisions;
using Xunit.Abstractions;

namespace Tongban.Tests.Cases;

public class DivisionCatalogTests(ITestOutputHelper output)
{
    private readonly DivisionCatalog catalog = DivisionCatalog.Shared;

    [Theory]
    [InlineData("310115")]
    [InlineData("330106")]
    [InlineData("340102")]
    [InlineData("360102")]
    [InlineData("110101")]
    public void Knows_county_level_codes(string code) => Assert.True(catalog.IsCountyLevel(code));

    [Theory]
    [InlineData("330000")] // a province
    [InlineData("330100")] // a prefecture-level city
    [InlineData("330199")]
    [InlineData("999999")]
    [InlineData("33010")]
    [InlineData("3301066")]
    [InlineData("")]
    [InlineData(null)]
    public void Rejects_codes_that_are_not_county_level(string? code) => Assert.False(catalog.IsCountyLevel(code));

    [Theory]
    [InlineData("310115", "310000")]
    [InlineData("330106", "330000")]
    [InlineData("330000", "330000")]
    [InlineData("340104", "340000")]
    public void Finds_the_six_digit_province_of_a_code(string code, string province) =>
        Assert.Equal(province, catalog.ProvinceOf(code));

    [Theory]
    [InlineData("990101")]
    [InlineData("abcdef")]
    [InlineData("31011")]
    [InlineData(null)]
    public void Has_no_province_for_unknown_or_malformed_codes(string? code) => Assert.Null(catalog.ProvinceOf(code));

    [Fact]
    public void Places_counties_in_their_province_only()
    {
        Assert.True(catalog.IsCountyIn("310115", "310000"));
        Assert.False(catalog.IsCountyIn("310115", "330000"));
        Assert.False(catalog.IsCountyIn("310000", "310000"));
        Assert.False(catalog.IsCountyIn("310115", "31"));
        Assert.False(catalog.IsCountyIn("310115", null));
    }

    [Fact]
    public void Names_provinces()
    {
        Assert.Equal("上海市", catalog.ProvinceName("310000"));
        Assert.Equal("浙江省", catalog.ProvinceName("330106"));
        Assert.Equal("安徽省", catalog.ProvinceName("340000"));
        Assert.Equal("江西省", catalog.ProvinceName("360102"));
        Assert.Null(catalog.ProvinceName("990000"));
        Assert.Equal("浦东新区", catalog.CountyName("310115"));
    }

    [Fact]
    public void Answers_concurrent_first_calls_from_one_load()
    {
        var cold = Stopwatch.StartNew();
        _ = new DivisionCatalog().IsCountyLevel("330106");
        cold.Stop();

        // Once the loading code is compiled, a second catalog shows what reading the tables itself costs.
        var fresh = new DivisionCatalog();
        var warm = Stopwatch.StartNew();
        _ = fresh.IsCountyLevel("330106");
        warm.Stop();
        output.WriteLine($"Division tables: first load {cold.Elapsed.TotalMilliseconds:F1} ms (with JIT), reload {warm.Elapsed.TotalMilliseconds:F1} ms");

        var other = new DivisionCatalog();
        var answers = Enumerable.Range(0, 16).AsParallel().Select(_ => other.IsCountyIn("330106", "330000")).ToArray();
        Assert.All(answers, Assert.True);
    }
}
