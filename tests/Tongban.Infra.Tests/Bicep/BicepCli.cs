using System.Diagnostics;
using System.Reflection;

namespace Tongban.Infra.Tests.Bicep;

/// <summary>One run of the Bicep CLI: its exit code and both output streams.</summary>
public sealed record BicepRun(string Arguments, int ExitCode, string StandardOutput, string StandardError)
{
    public string Diagnostics => (StandardOutput + Environment.NewLine + StandardError).Trim();

    /// <summary>Linter and compiler findings are written as "file(line,col) : Warning|Error code: text".</summary>
    public bool HasFindings =>
        Diagnostics.Contains(" : Warning ", StringComparison.Ordinal) ||
        Diagnostics.Contains(" : Error ", StringComparison.Ordinal);
}

/// <summary>The Bicep CLI restored from NuGet (Azure.Bicep.CommandLine.linux-x64) and the repository it checks.</summary>
public static class BicepCli
{
    private static readonly Lazy<string> Executable = new(PrepareExecutable);
    private static readonly string ScratchHome = Path.Combine(Path.GetTempPath(), "tongban-bicep-home");

    public static string RepoRoot { get; } = Metadata("RepoRoot");

    public static string BicepRoot { get; } = Path.Combine(RepoRoot, "infra", "bicep");

    public static BicepRun Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable.Value)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = BicepRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The CLI is a single-file .NET app: give it a writable extraction and home folder, and keep it offline.
        start.Environment["DOTNET_BUNDLE_EXTRACT_BASE_DIR"] = Path.Combine(ScratchHome, "extract");
        start.Environment["HOME"] = ScratchHome;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("The Bicep CLI did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in two minutes.");
        }

        return new BicepRun(string.Join(' ', arguments), process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Every .bicep and .bicepparam file under infra/bicep, relative to it.</summary>
    public static IReadOnlyList<string> SourceFiles(string extension) =>
        Directory.EnumerateFiles(BicepRoot, "*" + extension, SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(BicepRoot, path))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string PrepareExecutable()
    {
        var path = Path.Combine(Metadata("BicepTools"), "bicep");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("The Bicep CLI was not restored; run dotnet restore.", path);
        }

        // NuGet extraction may drop the exec bit (the package is linux-x64 only).
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode exec = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(path, mode | exec);
            }
        }

        Directory.CreateDirectory(ScratchHome);
        return path;
    }

    private static string Metadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing.");
}
