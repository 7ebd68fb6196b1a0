using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tongban.Cli.Hub;
using Tongban.Cli.Profiles;

namespace Tongban.Cli;

/// <summary>One command's run: its parsed line, the environment, the resolved hub settings, and how to write results.</summary>
public sealed class CliContext(ParseResult parse, CliEnvironment environment)
{
    public static readonly JsonSerializerOptions JsonOutput = new()
    {
        WriteIndented = true,
        // Names stay readable Chinese, as the hub writes them.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The same, on one line (JSON lines).</summary>
    public static readonly JsonSerializerOptions JsonLine = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private HubSettings? settings;

    public ParseResult Parse => parse;

    public CliEnvironment Environment => environment;

    public bool Json => parse.GetValue(GlobalOptions.Json);

    public HubSettings Settings => settings ??= HubSettings.Resolve(environment, parse.GetValue(GlobalOptions.Profile), parse.GetValue(GlobalOptions.Url));

    /// <summary>A client signing as the partner (<c>--as</c> picks another member code's credentials).</summary>
    public Client.TongbanClient AsPartner() => HubConnection.Partner(Settings.Url, Settings.Partner(parse.GetValue(GlobalOptions.As)), environment.Time);

    public Client.TongbanOperatorClient AsOperator() => HubConnection.Operator(Settings.Url, Settings.Operator(), environment.Time);

    /// <summary>One call through the client; what it throws becomes the exit code for its kind.</summary>
    public Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken ct) => HubConnection.CallAsync(Settings.Url, call, ct);

    /// <summary>Writes <paramref name="json"/> with <c>--json</c>, else what <paramref name="human"/> writes.</summary>
    public void Write(JsonNode? json, Action<TextWriter> human)
    {
        if (Json) environment.Out.WriteLine(json?.ToJsonString(JsonOutput) ?? "null");
        else human(environment.Out);
    }

    /// <summary>One line of JSON (a stream of events, NDJSON), with <c>--json</c> only.</summary>
    public void WriteJsonLine(JsonNode json)
    {
        environment.Out.WriteLine(json.ToJsonString(JsonLine));
        environment.Out.Flush();
    }

    /// <summary>A body file's bytes (<c>-</c>: standard input), checked to be JSON; a usage failure otherwise (nothing is sent).</summary>
    public byte[] ReadJsonFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = path == "-" ? System.Text.Encoding.UTF8.GetBytes(environment.In.ReadToEnd()) : File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailureException(ExitCodes.Usage, $"cannot read {path}: {e.Message}");
        }

        try
        {
            using var _ = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new CliFailureException(ExitCodes.Usage, $"{path} is not JSON: {e.Message}");
        }

        return bytes;
    }
}
