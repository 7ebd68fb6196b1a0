using System.Net;
using Tongban.Sandbox;
using Tongban.Sandbox.Population;

namespace Tongban.Tests.Sandbox;

public sealed class SandboxPopulationTests
{
    [Fact]
    public void Embedded_population_is_the_shared_data_set()
    {
        var population = SandboxPopulation.Load(path: null);
        Assert.Equal(76, population.Citizens.Count);
        Assert.Equal(16, population.BirthCertificates.Count);
        Assert.Equal(16, population.Students.Count);
    }

    [Fact]
    public void Issued_id_numbers_carry_division_birth_date_sex_and_checksum()
    {
        var male = ResidentIdNumber.Issue("310104", new DateOnly(2026, 11, 11), male: true, ordinal: 0);
        var female = ResidentIdNumber.Issue("310104", new DateOnly(2026, 11, 11), male: false, ordinal: 0);
        Assert.Equal("31010420261111001", male[..17]);
        Assert.Equal("31010420261111002", female[..17]);
        Assert.True(ResidentIdNumber.HasValidChecksum(male));
        Assert.True(ResidentIdNumber.HasValidChecksum(female));
        Assert.True(ResidentIdNumber.HasValidChecksum("11010519491231002X")); // the standard's own example
    }

    [Fact]
    public async Task Population_can_come_from_a_file_instead_of_the_embedded_copy()
    {
        var path = Path.Combine(Path.GetTempPath(), $"population-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """
            {"seed":1,"citizens":[{"idNumber":"310104199901117076","name":"测试","sex":"male","birthDate":"1999-01-11",
            "hukouProvince":"310000","hukouDivision":"310104","residentStatus":"normal","maritalStatus":"divorced"}],
            "birthCertificates":[],"students":[]}
            """);
        try
        {
            await using var sandbox = await ProvinceSandbox.StartAsync(new SandboxOptions { PopulationPath = path }, CancellationToken.None);
            using var http = new HttpClient { BaseAddress = sandbox.BaseUrl };
            var sh = new ShanghaiCaller(http);
            using var known = await sh.SendAsync(HttpMethod.Get, $"sh/api/v2/marital-status/310104199901117076?name={Uri.EscapeDataString("测试")}");
            Assert.Equal("divorced", (await ShanghaiCaller.Json(known)).GetProperty("status").GetString());
            using var absent = await sh.SendAsync(HttpMethod.Get, $"sh/api/v2/students/G310104201612075770");
            Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
