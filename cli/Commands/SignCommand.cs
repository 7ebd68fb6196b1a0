using System.CommandLine;
using System.Text.Json.Nodes;
using Tongban.Client;

namespace Tongban.Cli.Commands;

/// <summary>
/// <c>tongban sign METHOD PATH [--body FILE]</c>: the signed headers of one request, for curl (<c>curl -H @headers.txt</c>) or any
/// other tool; <c>--curl</c> prints the whole curl command. A signature is good for 300 s and its nonce for one request.
/// </summary>
public static class SignCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var method = new Argument<string>("method") { Description = "GET or POST" };
        var path = new Argument<string>("path") { Description = "Path and query exactly as sent, e.g. /api/v1/cases?status=Completed" };
        var body = new Option<string?>("--body", "-b") { Description = "The body file (JSON), hashed byte for byte; none: the empty body" };
        var key = new Option<string?>("--idempotency-key") { Description = "Idempotency-Key to add (POST /api/v1/cases gets a new one by default)" };
        var asOperator = new Option<bool>("--operator") { Description = "Sign as the operator (TONGBAN_OPERATOR) instead of the partner" };
        var curl = new Option<bool>("--curl") { Description = "Print a complete curl command instead of header lines" };
        var command = new Command("sign", "Print the signed headers for one request (for curl: curl -H @headers.txt ...)") { method, path, body, key, asOperator, curl };
        command.SetAction(TongbanCommandLine.Action(environment, (context, _) =>
        {
            var verb = context.Parse.GetValue(method)!.ToUpperInvariant();
            var pathAndQuery = context.Parse.GetValue(path)!;
            if (!pathAndQuery.StartsWith('/')) throw new CliFailureException(ExitCodes.Usage, $"the path must start with / (as sent): {pathAndQuery}");
            var bodyFile = context.Parse.GetValue(body);
            var bytes = bodyFile is null ? [] : context.ReadJsonFile(bodyFile);
            var credentials = context.Parse.GetValue(asOperator) ? context.Settings.Operator() : context.Settings.Partner(context.Parse.GetValue(GlobalOptions.As));
            var now = context.Environment.Time.GetUtcNow();
            var signed = TongbanSignature.Headers(credentials, verb, pathAndQuery, bytes, now);
            var headers = signed.ToList();
            if (bytes.Length > 0) headers.Add(new("Content-Type", "application/json"));
            var idempotencyKey = context.Parse.GetValue(key)
                ?? (verb == "POST" && pathAndQuery.Split('?')[0].TrimEnd('/') == "/api/v1/cases" ? "cli-" + Guid.NewGuid().ToString("N") : null);
            if (idempotencyKey is not null) headers.Add(new(TongbanSignature.IdempotencyKeyHeader, idempotencyKey));
            var url = new Uri(context.Settings.Url, pathAndQuery);
            var timestamp = signed.First(h => h.Key == TongbanSignature.TimestampHeader).Value;
            var nonce = signed.First(h => h.Key == TongbanSignature.NonceHeader).Value;

            var json = new JsonObject
            {
                ["method"] = verb,
                ["pathAndQuery"] = pathAndQuery,
                ["url"] = url.ToString(),
                ["headers"] = new JsonObject(headers.Select(h => new KeyValuePair<string, JsonNode?>(h.Key, h.Value))),
                ["stringToSign"] = TongbanSignature.StringToSign(verb, pathAndQuery, timestamp, nonce, bytes),
                ["validUntil"] = now.AddSeconds(300).ToString("O"),
            };
            context.Write(json, output =>
            {
                if (!context.Parse.GetValue(curl))
                {
                    foreach (var (name, value) in headers) output.WriteLine($"{name}: {value}");
                    return;
                }

                output.Write($"curl -sS -X {verb} {Quote(url.ToString())}");
                foreach (var (name, value) in headers) output.Write($" \\\n  -H {Quote($"{name}: {value}")}");
                if (bodyFile is not null) output.Write($" \\\n  --data-binary {Quote("@" + bodyFile)}");
                output.WriteLine();
            });
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    /// <summary>A POSIX shell single-quoted word.</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
