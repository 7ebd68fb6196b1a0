using System.Text.Json.Nodes;
using Tongban.Infra.Tests.Bicep;

namespace Tongban.Infra.Tests;

/// <summary>What CI runs over infra/bicep: every file compiles and passes the linter with nothing to report.</summary>
public sealed class BicepSourcesTests
{
    public static TheoryData<string> BicepFiles => [.. BicepCli.SourceFiles(".bicep")];

    public static TheoryData<string> ParameterFiles => [.. BicepCli.SourceFiles(".bicepparam")];

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public void Bicep_file_compiles_without_warnings(string file)
    {
        var run = BicepCli.Run("build", file, "--stdout");

        Assert.True(run.ExitCode == 0, $"bicep {run.Arguments} exited {run.ExitCode}:\n{run.Diagnostics}");
        Assert.False(run.HasFindings, $"bicep {run.Arguments} reported:\n{run.StandardError}");
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    [MemberData(nameof(ParameterFiles))]
    public void Bicep_file_passes_the_linter_without_findings(string file)
    {
        var run = BicepCli.Run("lint", file);

        Assert.True(run.ExitCode == 0, $"bicep {run.Arguments} exited {run.ExitCode}:\n{run.Diagnostics}");
        Assert.False(run.HasFindings, $"bicep {run.Arguments} reported:\n{run.Diagnostics}");
    }

    [Theory]
    [MemberData(nameof(ParameterFiles))]
    public void Parameter_file_compiles_against_main_without_warnings(string file)
    {
        var run = BicepCli.Run("build-params", file, "--stdout");

        Assert.True(run.ExitCode == 0, $"bicep {run.Arguments} exited {run.ExitCode}:\n{run.Diagnostics}");
        Assert.False(run.HasFindings, $"bicep {run.Arguments} reported:\n{run.StandardError}");
    }

    [Fact]
    public void There_is_a_parameter_file_per_environment()
    {
        Assert.Contains(Path.Combine("environments", "dev.bicepparam"), BicepCli.SourceFiles(".bicepparam"));
        Assert.Contains(Path.Combine("environments", "prod.bicepparam"), BicepCli.SourceFiles(".bicepparam"));
    }

    [Fact]
    public void Linter_treats_every_core_rule_as_an_error()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.BicepRoot, "bicepconfig.json")))!;
        var core = config["analyzers"]!["core"]!;
        var rules = core["rules"]!.AsObject();

        Assert.True((bool)core["enabled"]!);
        Assert.NotEmpty(rules);
        Assert.All(rules, rule => Assert.Equal("error", (string?)rule.Value!["level"]));
        foreach (var rule in new[] { "no-hardcoded-env-urls", "outputs-should-not-contain-secrets", "secure-parameter-default", "use-recent-api-versions", "what-if-short-circuiting" })
        {
            Assert.True(rules.ContainsKey(rule), $"bicepconfig.json does not name {rule}.");
        }
    }
}
