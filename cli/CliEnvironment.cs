namespace Tongban.Cli;

/// <summary>
/// What a run of the command line reads and writes besides its arguments: standard streams, environment variables, the
/// user's configuration folder and the clock. A process gets the real ones; a test runs the CLI in process with its own.
/// </summary>
public sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public TextReader In { get; init; } = TextReader.Null;

    /// <summary>Whether standard input is a terminal a person types into (a hidden prompt for a secret), not a pipe.</summary>
    public bool InteractiveInput { get; init; }

    public required Func<string, string?> Variable { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public static CliEnvironment FromProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        In = Console.In,
        InteractiveInput = !Console.IsInputRedirected,
        Variable = Environment.GetEnvironmentVariable,
    };

    /// <summary>
    /// The profiles file: <c>TONGBAN_PROFILES</c>, else <c>$XDG_CONFIG_HOME/tongban/profiles.json</c>, else
    /// <c>~/.config/tongban/profiles.json</c>.
    /// </summary>
    public string ProfilesPath =>
        Variable("TONGBAN_PROFILES") is { Length: > 0 } explicitPath ? explicitPath
        : Path.Combine(Variable("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Variable("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"),
            "tongban", "profiles.json");
}

/// <summary>A command's failure: its exit code, one line for people, and the hub's problem when it sent one.</summary>
public sealed class CliFailureException(int exitCode, string message, System.Text.Json.Nodes.JsonNode? problem = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public System.Text.Json.Nodes.JsonNode? Problem { get; } = problem;
}
