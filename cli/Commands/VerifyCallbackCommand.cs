using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Tongban.Client;

namespace Tongban.Cli.Commands;

/// <summary>
/// <c>tongban verify-callback</c>: checks a status callback a partner received with Tongban.Client's <see cref="CallbackVerifier"/>,
/// as its webhook should: the hub as caller, a timestamp within 300 s, the signature over POST, the callback URL's path and
/// query, timestamp, nonce and body, made with the partner's own secret. Exit 0 when it holds, 8 when it does not.
/// </summary>
public static class VerifyCallbackCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var body = new Option<string>("--body", "-b") { Description = "The callback's body as received (file; - for standard input)", Required = true };
        var headersFile = new Option<string?>("--headers") { Description = "A file of the callback's headers, one 'Name: value' a line" };
        var header = new Option<string[]>("--header", "-H") { Description = "A header of the callback, 'Name: value' (repeatable)", AllowMultipleArgumentsPerToken = false };
        var url = new Option<string>("--url-path", "--path")
        {
            Description = "The callbackUrl the case was opened with (or its path and query): the signature covers them", Required = true,
        };
        var maxAge = new Option<double>("--max-age") { Description = "Seconds a timestamp may be off the clock (default 300)", DefaultValueFactory = _ => 300 };
        var anyTime = new Option<bool>("--any-time") { Description = "Skip the timestamp check (for a callback saved earlier)" };
        var command = new Command("verify-callback", "Check a received status callback's signature and timestamp with your partner secret")
        {
            body, headersFile, header, url, maxAge, anyTime,
        };
        command.SetAction(TongbanCommandLine.Action(environment, (context, _) =>
        {
            var bytes = ReadBody(context, context.Parse.GetValue(body)!);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (context.Parse.GetValue(headersFile) is { } file) AddHeaders(headers, ReadLines(file), file);
            AddHeaders(headers, context.Parse.GetValue(header) ?? [], "--header");
            var target = context.Parse.GetValue(url)!;
            var pathAndQuery = Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal)
                ? absolute.PathAndQuery : target;
            var credentials = context.Settings.Partner(context.Parse.GetValue(GlobalOptions.As));

            // The client's verifier: the hub as caller, the timestamp within the tolerance, a well-formed nonce, the signature,
            // a sequence from 1, and a case as the body.
            var tolerance = context.Parse.GetValue(anyTime) ? TimeSpan.MaxValue : TimeSpan.FromSeconds(context.Parse.GetValue(maxAge));
            var verifier = new CallbackVerifier(credentials.Secret, time: context.Environment.Time, tolerance: tolerance);
            var check = verifier.Verify("POST", pathAndQuery, name => headers.GetValueOrDefault(name), bytes);
            double? age = long.TryParse(headers.GetValueOrDefault(TongbanSignature.TimestampHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var millis)
                ? Math.Round((context.Environment.Time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(millis)).TotalSeconds, 1) : null;
            var verified = check.IsValid;
            var result = new JsonObject
            {
                ["verified"] = verified,
                ["from"] = headers.GetValueOrDefault(TongbanSignature.PartnerHeader),
                ["sequence"] = check.Sequence,
                ["caseId"] = check.Case?.CaseId,
                ["status"] = check.Case?.Status,
                ["ageSeconds"] = age,
                ["problem"] = check.Failure,
            };
            context.Write(result, output =>
            {
                output.WriteLine(verified
                    ? $"verified: callback {check.Sequence} of case {check.Case!.CaseId} ({check.Case.Status}), signed {age:0} s ago"
                    : $"NOT verified: {check.Failure}");
            });
            return Task.FromResult(verified ? ExitCodes.Ok : ExitCodes.NotVerified);
        }));
        return command;
    }

    private static byte[] ReadBody(CliContext context, string path)
    {
        try
        {
            return path == "-" ? System.Text.Encoding.UTF8.GetBytes(context.Environment.In.ReadToEnd()) : File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailureException(ExitCodes.Usage, $"cannot read {path}: {e.Message}");
        }
    }

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailureException(ExitCodes.Usage, $"cannot read {path}: {e.Message}");
        }
    }

    private static void AddHeaders(Dictionary<string, string> headers, IEnumerable<string> lines, string source)
    {
        foreach (var line in lines.Where(l => l.Trim().Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw new CliFailureException(ExitCodes.Usage, $"{source}: not a 'Name: value' header: {line}");
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
    }
}
