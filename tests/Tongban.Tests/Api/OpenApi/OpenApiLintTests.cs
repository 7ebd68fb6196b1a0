using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Tongban.Tests.Api.OpenApi;

/// <summary>
/// The document passes an independent OpenAPI linter: Redocly CLI (package.json, installed by <c>npm ci</c>) with its
/// recommended rules and the repository's <c>redocly.yaml</c> (each rule turned off there says why). Any error or
/// warning fails. Offline: telemetry and the update check are off.
/// </summary>
public sealed class OpenApiLintTests
{
    [Fact]
    public async Task The_document_passes_redocly_lint_without_an_error_or_warning()
    {
        var (exit, report) = await LintAsync(Path.Combine("shared", "Api", "OpenApi", "tongban.openapi.json"));

        var problems = report["problems"]!.AsArray().Select(p => $"{p!["severity"]} {p["ruleId"]}: {p["message"]} at {p["location"]?[0]?["pointer"]}").ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(0, report["totals"]!["errors"]!.GetValue<int>());
        Assert.Equal(0, report["totals"]!["warnings"]!.GetValue<int>());
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task The_linter_fails_a_copy_with_a_dangling_reference()
    {
        var root = OpenApiDocumentTests.RepositoryRoot();
        var broken = Path.Combine(Path.GetTempPath(), $"tongban-openapi-{Guid.NewGuid():N}.json");
        var text = await File.ReadAllTextAsync(Path.Combine(root, "shared", "Api", "OpenApi", "tongban.openapi.json"));
        await File.WriteAllTextAsync(broken, text.Replace("#/components/schemas/CaseList", "#/components/schemas/NoSuchList", StringComparison.Ordinal));
        try
        {
            var (exit, report) = await LintAsync(broken);

            Assert.NotEqual(0, exit);
            Assert.Contains(report["problems"]!.AsArray(), p => p!["ruleId"]!.GetValue<string>() == "no-unresolved-refs");
        }
        finally
        {
            File.Delete(broken);
        }
    }

    private static async Task<(int Exit, JsonNode Report)> LintAsync(string document)
    {
        var root = OpenApiDocumentTests.RepositoryRoot();
        var cli = Path.Combine(root, "node_modules", "@redocly", "cli", "bin", "cli.js");
        Assert.True(File.Exists(cli), $"{cli} is missing: run `npm ci` at the repository root (eng/test.sh does).");

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { cli, "lint", document, "--format=json", "--config=redocly.yaml" },
        };
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var lint = Process.Start(start)!;
        var output = lint.StandardOutput.ReadToEndAsync();
        var errors = lint.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await lint.WaitForExitAsync(timeout.Token);

        var json = (await output).Trim();
        Assert.True(json.StartsWith('{'), $"redocly printed no report (exit {lint.ExitCode}): {json}\n{await errors}");
        return (lint.ExitCode, JsonNode.Parse(json)!);
    }
}
