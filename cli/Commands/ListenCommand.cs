using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using Tongban.Client;

namespace Tongban.Cli.Commands;

/// <summary>
/// <c>tongban listen --port 5080</c>: a webhook on <c>http://127.0.0.1:{port}/</c> for trying status callbacks on one's own
/// machine. Each callback is checked with Tongban.Client's <see cref="CallbackVerifier"/> (one verifier, so a replayed
/// nonce is caught), answered 204 when it holds and 401 when not (the hub then retries), and told as one line (with
/// <c>--json</c>, one JSON event a line). Ends on Ctrl-C, after <c>--count</c> callbacks, or with <c>--until-final</c> after
/// one reporting a final status; exit 0 when every callback verified, else 8.
/// </summary>
public static class ListenCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var port = new Option<int>("--port") { Description = "The loopback port to listen on (register http://127.0.0.1:PORT as a callback origin)", Required = true };
        var count = new Option<int?>("--count") { Description = "Stop after this many callbacks" };
        var untilFinal = new Option<bool>("--until-final") { Description = "Stop after a callback whose case has ended" };
        var save = new Option<string?>("--save") { Description = "Keep each callback's body and headers in this folder (for verify-callback later)" };
        var command = new Command("listen", "Receive status callbacks on 127.0.0.1, verify each with your partner secret, and print them")
        {
            port, count, untilFinal, save,
        };
        command.SetAction(TongbanCommandLine.Action(environment, async (context, ct) =>
        {
            var credentials = context.Settings.Partner(context.Parse.GetValue(GlobalOptions.As));
            var verifier = new CallbackVerifier(credentials.Secret, time: context.Environment.Time);
            using var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{context.Parse.GetValue(port)}/");
            try
            {
                listener.Start();
            }
            catch (HttpListenerException e)
            {
                throw new CliFailureException(ExitCodes.Usage, $"cannot listen on 127.0.0.1:{context.Parse.GetValue(port)}: {e.Message}");
            }

            var folder = context.Parse.GetValue(save);
            if (folder is not null) Directory.CreateDirectory(folder);
            if (!context.Json) context.Environment.Out.WriteLine($"listening on http://127.0.0.1:{context.Parse.GetValue(port)}/ as partner {credentials.CallerId} (Ctrl-C stops)");
            context.Environment.Out.Flush();
            var received = 0;
            var refused = 0;
            try
            {
                while (context.Parse.GetValue(count) is not { } limit || received < limit)
                {
                    var call = await listener.GetContextAsync().WaitAsync(ct);
                    using var buffer = new MemoryStream();
                    await call.Request.InputStream.CopyToAsync(buffer, ct);
                    var body = buffer.ToArray();
                    var pathAndQuery = call.Request.RawUrl ?? "/";
                    var check = verifier.Verify(call.Request.HttpMethod, pathAndQuery, name => call.Request.Headers[name], body);
                    call.Response.StatusCode = check.IsValid ? (int)HttpStatusCode.NoContent : (int)HttpStatusCode.Unauthorized;
                    call.Response.Close();
                    received++;
                    if (!check.IsValid) refused++;
                    if (folder is not null) Keep(folder, received, call.Request, body);
                    Tell(context, pathAndQuery, check);
                    if (context.Parse.GetValue(untilFinal) && check.Case is { IsFinal: true }) break;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl-C: the normal end of listening.
            }

            return refused == 0 ? ExitCodes.Ok : ExitCodes.NotVerified;
        }));
        return command;
    }

    private static void Tell(CliContext context, string pathAndQuery, CallbackCheck check)
    {
        var at = context.Environment.Time.GetUtcNow();
        if (context.Json)
        {
            context.WriteJsonLine(new JsonObject
            {
                ["event"] = "callback", ["at"] = at.ToString("O"), ["path"] = pathAndQuery, ["verified"] = check.IsValid,
                ["sequence"] = check.Sequence, ["caseId"] = check.Case?.CaseId, ["status"] = check.Case?.Status, ["problem"] = check.Failure,
            });
            return;
        }

        context.Environment.Out.WriteLine(check.IsValid
            ? $"{context.Environment.Time.GetLocalNow():HH:mm:ss}  callback {check.Sequence} of {check.Case!.CaseId}: {check.Case.Status}  verified, answered 204"
            : $"{context.Environment.Time.GetLocalNow():HH:mm:ss}  {pathAndQuery}: NOT verified ({check.Failure}), answered 401");
        context.Environment.Out.Flush();
    }

    /// <summary>The body and headers as received, named by arrival, for <c>tongban verify-callback --headers … --body …</c>.</summary>
    private static void Keep(string folder, int number, HttpListenerRequest request, byte[] body)
    {
        var name = Path.Combine(folder, $"callback-{number:D4}");
        File.WriteAllBytes(name + ".json", body);
        File.WriteAllLines(name + ".headers", request.Headers.AllKeys.Where(k => k is not null).Select(k => $"{k}: {request.Headers[k]}"));
    }
}
