using System.CommandLine;
using System.Text.Json.Nodes;
using Tongban.Cli.Commands;

namespace Tongban.Cli;

/// <summary>The <c>tongban</c> command tree and the one place a run's failures become exit codes and messages.</summary>
public static class TongbanCommandLine
{
    private const string Description = """
        tongban: signed calls to the Tongban hub for partners (cases) and operators, request signing for curl, checks of status callbacks.

        Credentials (never on the command line):
          TONGBAN_URL                hub base URL (default http://127.0.0.1:7071)
          TONGBAN_PARTNER, TONGBAN_SECRET            partner member code and secret
          TONGBAN_OPERATOR, TONGBAN_OPERATOR_SECRET  operator id and secret
          TONGBAN_PROFILE            profile to fill what the environment lacks (default: the file's "default")
          TONGBAN_PROFILES           profiles file (default ~/.config/tongban/profiles.json); --profile NAME uses one profile alone
        """;

    public static RootCommand Build(CliEnvironment environment)
    {
        var root = new RootCommand(Description + "\n\n" + ExitCodes.Help)
        {
            GlobalOptions.Json, GlobalOptions.Profile, GlobalOptions.Url, GlobalOptions.As,
        };
        root.Add(CaseCommands.Build(environment));
        foreach (var command in OperatorCommands.Build(environment)) root.Add(command);
        root.Add(SignCommand.Build(environment));
        root.Add(VerifyCallbackCommand.Build(environment));
        root.Add(ListenCommand.Build(environment));
        root.Add(ProfileCommands.Build(environment));
        root.Add(HealthCommand.Build(environment));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken ct = default)
    {
        var root = Build(environment);
        var parse = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = environment.Out, Error = environment.Error, EnableDefaultExceptionHandler = false };
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parse.Errors) environment.Error.WriteLine($"tongban: {error.Message}");
            environment.Error.WriteLine("tongban: see tongban --help");
            if (parse.GetValue(GlobalOptions.Json)) WriteError(environment, ExitCodes.Usage, string.Join(" ", parse.Errors.Select(e => e.Message)), null);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(configuration, ct);
    }

    /// <summary>The action of a command: runs it, and turns a <see cref="CliFailureException"/> into its exit code and message.</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Action(CliEnvironment environment, Func<CliContext, CancellationToken, Task<int>> run) =>
        async (parse, ct) =>
        {
            var context = new CliContext(parse, environment);
            try
            {
                return await run(context, ct);
            }
            catch (CliFailureException failure)
            {
                environment.Error.WriteLine($"tongban: {failure.Message}");
                if (context.Json) WriteError(environment, failure.ExitCode, failure.Message, failure.Problem);
                return failure.ExitCode;
            }
        };

    private static void WriteError(CliEnvironment environment, int exitCode, string message, JsonNode? problem)
    {
        var error = new JsonObject { ["exitCode"] = exitCode, ["message"] = message, ["problem"] = problem?.DeepClone() };
        // One line, so it also ends a stream of JSON lines (cases watch, listen) readably.
        environment.Out.WriteLine(new JsonObject { ["error"] = error }.ToJsonString(CliContext.JsonLine));
    }
}
