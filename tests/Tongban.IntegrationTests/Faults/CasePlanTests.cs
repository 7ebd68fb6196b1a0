namespace Tongban.IntegrationTests.Faults;

/// <summary>The fault runs' plans, without a hub: the mix, and no completing subject planned twice.</summary>
public sealed class CasePlanTests
{
    [Theory]
    [InlineData(50, "m=18 n=16 s=16", 35)]
    [InlineData(100, "m=68 n=16 s=16", 39)]
    [InlineData(12, "m=4 n=4 s=4", 8)]
    public void A_mixed_plan_takes_each_service_as_far_as_the_population_goes(int total, string mix, int completing)
    {
        var plan = CasePlan.Mixed(total);

        Assert.Equal(total, plan.Count);
        Assert.Equal(mix, CasePlan.Mix(plan));
        Assert.Equal(completing, plan.Count(c => c.Expected == "Completed"));
        Assert.Equal(Enumerable.Range(1, total), plan.Select(c => c.Number));
        Assert.All(plan.Where(c => c.Expected == "Rejected"), c => Assert.NotEmpty(c.ExpectedReasons));
    }

    [Fact]
    public void No_one_completes_twice_and_every_couple_is_cross_province()
    {
        var plan = CasePlan.Mixed(100);

        var couples = plan.OfType<PlannedMarriage>().ToList();
        Assert.All(couples, c => Assert.NotEqual(c.Man.Hukou, c.Woman.Hukou));
        var marrying = couples.Where(c => c.Expected == "Completed").SelectMany(c => new[] { c.Man.IdNumber, c.Woman.IdNumber }).ToList();
        Assert.Equal(marrying.Count, marrying.Distinct().Count());
        // A rejection never plans a person who completes unless it accepts that person being married by then.
        Assert.All(couples.Where(c => c.Expected == "Rejected" && marrying.Contains(c.Man.IdNumber)), c => Assert.Contains("partyA.married", c.ExpectedReasons));
        Assert.All(couples.Where(c => c.Expected == "Rejected" && marrying.Contains(c.Woman.IdNumber)), c => Assert.Contains("partyB.married", c.ExpectedReasons));

        var bodies = plan.Where(c => c is not PlannedMarriage).Select(c => System.Text.Json.JsonSerializer.Serialize(c.Body())).ToList();
        Assert.Equal(bodies.Count, bodies.Select(b => b[b.IndexOf("\"details\"", StringComparison.Ordinal)..]).Distinct().Count());
    }
}
