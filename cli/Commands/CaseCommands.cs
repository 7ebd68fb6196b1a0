using System.CommandLine;
using System.Text.Json.Nodes;
using Tongban.Cli.Hub;
using Tongban.Client;
using static Tongban.Cli.Commands.CaseText;

namespace Tongban.Cli.Commands;

/// <summary><c>tongban cases …</c>: a partner's calls (open, get, list, watch, decide, withdraw).</summary>
public static class CaseCommands
{
    public static Command Build(CliEnvironment environment)
    {
        var cases = new Command("cases", "A partner's cases: open, get, list, watch, decide, withdraw (signed as TONGBAN_PARTNER or --as)");
        cases.Add(Open(environment));
        cases.Add(Get(environment));
        cases.Add(List(environment));
        cases.Add(Watch(environment));
        cases.Add(Decide(environment));
        cases.Add(Withdraw(environment));
        return cases;
    }

    public static Argument<string> CaseId() => new("case-id") { Description = "The case ID (c- and 32 hex digits)" };

    private static Command Open(CliEnvironment environment)
    {
        var file = new Option<string>("--file", "-f") { Description = "The request body (JSON; - for standard input), sent byte for byte", Required = true };
        var key = new Option<string?>("--idempotency-key")
        {
            Description = "Idempotency-Key (8-128 characters; default: a new one, printed). The same key and body again give the same case",
        };
        var command = new Command("open", "Open a case: POST /api/v1/cases with the body file") { file, key };
        command.SetAction(TongbanCommandLine.Action(environment, async (context, ct) =>
        {
            var body = context.ReadJsonFile(context.Parse.GetValue(file)!);
            using var hub = context.AsPartner();
            var opened = await context.CallAsync(() => hub.OpenCaseAsync(body, context.Parse.GetValue(key), ct), ct);
            var json = HubConnection.ToJson(opened.Case);
            context.Write(json, output =>
            {
                output.WriteLine(opened.Created ? "opened:" : "already opened with this idempotency key:");
                Write(output, json);
                output.WriteLine($"  idempotency key {opened.IdempotencyKey}");
                output.WriteLine($"  follow it: tongban cases watch {opened.Case.CaseId}");
            });
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Get(CliEnvironment environment)
    {
        var id = CaseId();
        var command = new Command("get", "Show a case: GET /api/v1/cases/{id}") { id };
        command.SetAction(TongbanCommandLine.Action(environment, async (context, ct) =>
        {
            using var hub = context.AsPartner();
            var json = HubConnection.ToJson(await context.CallAsync(() => hub.GetCaseAsync(context.Parse.GetValue(id)!, ct), ct));
            context.Write(json, output => Write(output, json));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List(CliEnvironment environment)
    {
        var status = new Option<string?>("--status") { Description = "Only cases with this status (Received, InProgress, AwaitingReview, Completed, Rejected, Failed, Withdrawn, Expired)" };
        var type = new Option<string?>("--type") { Description = "Only this case type (marriage-registration, newborn-registration, school-transfer)" };
        var since = new Option<DateTimeOffset?>("--updated-since") { Description = "Only cases updated since (ISO 8601)" };
        var pageSize = new Option<int?>("--page-size") { Description = "Cases per page, 1-200 (hub default 50)" };
        var continuation = new Option<string?>("--continuation") { Description = "The page after the one that gave this token" };
        var all = new Option<bool>("--all") { Description = "Follow continuations to the last page" };
        var command = new Command("list", "List your cases, newest first: GET /api/v1/cases") { status, type, since, pageSize, continuation, all };
        command.SetAction(TongbanCommandLine.Action(environment, async (context, ct) =>
        {
            using var hub = context.AsPartner();
            var query = new CaseQuery(context.Parse.GetValue(status), context.Parse.GetValue(type), context.Parse.GetValue(since),
                context.Parse.GetValue(pageSize), context.Parse.GetValue(continuation));
            var items = new JsonArray();
            string? token;
            do
            {
                var page = await context.CallAsync(() => hub.ListCasesAsync(query, ct), ct);
                foreach (var item in page.Items) items.Add(HubConnection.ToJson(item));
                token = page.Continuation;
                query = query with { Continuation = token };
            }
            while (token is not null && context.Parse.GetValue(all));

            var result = new JsonObject { ["items"] = items, ["continuation"] = token };
            context.Write(result, output =>
            {
                foreach (var item in items) output.WriteLine(Summary(item));
                output.WriteLine($"{items.Count} case(s)" + (token is null ? "" : $"; more: --continuation {token}"));
            });
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Watch(CliEnvironment environment)
    {
        var id = CaseId();
        var interval = new Option<double>("--interval") { Description = "Seconds between reads (default 1)", DefaultValueFactory = _ => 1 };
        var timeout = new Option<double?>("--timeout") { Description = "Give up after this many seconds (exit 9); default: wait until the case ends" };
        var command = new Command("watch", "Follow a case live, a line per change, until it ends (Completed, Rejected, Failed, Withdrawn, Expired)")
        {
            id, interval, timeout,
        };
        command.SetAction(TongbanCommandLine.Action(environment, (context, ct) =>
            CaseWatch.RunAsync(context, context.Parse.GetValue(id)!, TimeSpan.FromSeconds(Math.Max(0.1, context.Parse.GetValue(interval))),
                context.Parse.GetValue(timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : null, ct)));
        return command;
    }

    private static Command Decide(CliEnvironment environment)
    {
        var id = CaseId();
        var decision = new Argument<string>("decision") { Description = "approve or reject" };
        decision.AcceptOnlyFromAmong("approve", "reject");
        var officer = new Option<string>("--officer") { Description = "The deciding officer's staff ID", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why", Required = true };
        var step = new Option<string>("--step") { Description = "The review step (default officer-review)", DefaultValueFactory = _ => "officer-review" };
        var command = new Command("decide", "An officer's decision on a waiting review: POST /api/v1/cases/{id}/decisions") { id, decision, officer, reason, step };
        command.SetAction(TongbanCommandLine.Action(environment, async (context, ct) =>
        {
            using var hub = context.AsPartner();
            var taken = new Decision(context.Parse.GetValue(step)!, context.Parse.GetValue(decision)!, context.Parse.GetValue(officer)!, context.Parse.GetValue(reason)!);
            var json = HubConnection.ToJson(await context.CallAsync(() => hub.DecideAsync(context.Parse.GetValue(id)!, taken, ct), ct));
            context.Write(json, output =>
            {
                output.WriteLine($"decision taken ({taken.Verdict}):");
                Write(output, json);
            });
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Withdraw(CliEnvironment environment)
    {
        var id = CaseId();
        var reason = new Option<string>("--reason") { Description = "Why (1-500 characters)", Required = true };
        var command = new Command("withdraw", "Withdraw an open case you handle: POST /api/v1/cases/{id}/withdrawal") { id, reason };
        command.SetAction(TongbanCommandLine.Action(environment, async (context, ct) =>
        {
            using var hub = context.AsPartner();
            var json = HubConnection.ToJson(await context.CallAsync(() => hub.WithdrawAsync(context.Parse.GetValue(id)!, context.Parse.GetValue(reason)!, ct), ct));
            context.Write(json, output =>
            {
                output.WriteLine("withdrawal accepted:");
                Write(output, json);
            });
            return ExitCodes.Ok;
        }));
        return command;
    }
}
