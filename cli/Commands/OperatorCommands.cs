using System.CommandLine;
using System.Text.Json.Nodes;
using Tongban.Cli.Hub;
using static Tongban.Cli.Commands.CaseText;

namespace Tongban.Cli.Commands;

/// <summary>Operator commands, signed as TONGBAN_OPERATOR: attention, provinces, redrive, poison requeue, audit verify.</summary>
public static class OperatorCommands
{
    public static IEnumerable<Command> Build(CliEnvironment environment)
    {
        yield return Attention(environment);
        yield return Provinces(environment);
        yield return Redrive(environment);
        yield return Poison(environment);
        yield return Audit(environment);
    }

    private static Command Attention(CliEnvironment environment)
    {
        var province = new Option<string?>("--province") { Description = "Only this province's steps" };
        var command = new Command("attention", "Operator: steps flagged, parked or held, and stopped callbacks, oldest first") { province };
        command.SetAction(TongbanCommandLine.Action(environment, async (context, ct) =>
        {
            using var hub = context.AsOperator();
            var code = context.Parse.GetValue(province);
            var json = new JsonObject { ["items"] = HubConnection.ToJson(await context.CallAsync(() => hub.GetAttentionAsync(code, ct), ct)) };
            context.Write(json, output =>
            {
                var items = json["items"] as JsonArray ?? [];
                foreach (var item in items)
                {
                    output.WriteLine($"{S(item, "caseId")}  {S(item, "caseStatus"),-14} {S(item, "step"),-22} {S(item, "province")}  {S(item, "reason"),-9} since {Time(S(item, "since"))}"
                        + (S(item, "awaitingRedrive") == "true" ? "  [awaiting redrive]" : "") + (S(item, "detail") is { Length: > 0 } d ? $"  {d}" : ""));
                }

                output.WriteLine(items.Count == 0 ? "nothing needs attention" : $"{items.Count} item(s)");
            });
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Provinces(CliEnvironment environment)
    {
        var command = new Command("provinces", "Operator: each province's circuit, last answer and failure, queue and poison depth, parked and held steps");
        command.SetAction(TongbanCommandLine.Action(environment, async (context, ct) =>
        {
            using var hub = context.AsOperator();
            var json = new JsonObject { ["items"] = HubConnection.ToJson(await context.CallAsync(() => hub.GetProvincesAsync(ct), ct)) };
            context.Write(json, output =>
            {
                output.WriteLine($"{"province",-9} {"circuit",-9} {"answering",-9} {"queued",6} {"poison",6} {"parked",6} {"held",5} {"cb-stopped",10}  last answered");
                foreach (var item in json["items"] as JsonArray ?? [])
                {
                    output.WriteLine($"{S(item, "province"),-9} {S(item, "circuit"),-9} {S(item, "answering"),-9} {S(item, "queued"),6} {S(item, "poisoned"),6} {S(item, "parked"),6} {S(item, "held"),5} {S(item, "callbacksStopped"),10}  {Time(S(item, "lastAnsweredAt"))}");
                }
            });
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Redrive(CliEnvironment environment)
    {
        var id = CaseCommands.CaseId();
        var reason = new Option<string>("--reason") { Description = "Why (recorded in the case's audit)", Required = true };
        var step = new Option<string?>("--step") { Description = "Only this step (its key, e.g. verify-resident.partyA)" };
        var command = new Command("redrive", "Operator: re-drive a case's held steps from a new round") { id, reason, step };
        command.SetAction(TongbanCommandLine.Action(environment, async (context, ct) =>
        {
            using var hub = context.AsOperator();
            var json = HubConnection.ToJson(await context.CallAsync(
                () => hub.RedriveAsync(context.Parse.GetValue(id)!, context.Parse.GetValue(reason)!, context.Parse.GetValue(step), ct), ct));
            context.Write(json, output =>
            {
                output.WriteLine("re-driven:");
                Write(output, json);
            });
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Poison(CliEnvironment environment)
    {
        var code = new Argument<string>("province") { Description = "The province code, e.g. 310000" };
        var reason = new Option<string>("--reason") { Description = "Why (recorded in the operators' audit log)", Required = true };
        var requeue = new Command("requeue", "Operator: move a province's poison messages back onto its queue") { code, reason };
        requeue.SetAction(TongbanCommandLine.Action(environment, async (context, ct) =>
        {
            using var hub = context.AsOperator();
            var province = context.Parse.GetValue(code)!;
            var moved = await context.CallAsync(() => hub.RequeuePoisonAsync(province, context.Parse.GetValue(reason)!, ct), ct);
            context.Write(HubConnection.ToJson(moved), output => output.WriteLine($"province {moved.Province}: {moved.Moved} poison message(s) moved back"));
            return ExitCodes.Ok;
        }));
        return new Command("poison", "Operator: a province's poison queue") { requeue };
    }

    private static Command Audit(CliEnvironment environment)
    {
        var id = new Argument<string?>("case-id") { Description = "Only this case (default: every case)", Arity = ArgumentArity.ZeroOrOne };
        var verify = new Command("verify", "Operator: check the audit hash chains and signed heads; exit 8 when any fails") { id };
        verify.SetAction(TongbanCommandLine.Action(environment, async (context, ct) =>
        {
            using var hub = context.AsOperator();
            var caseId = context.Parse.GetValue(id);
            var report = await context.CallAsync(() => hub.VerifyAuditAsync(caseId, ct), ct);
            context.Write(HubConnection.ToJson(report), output =>
            {
                output.WriteLine($"checked {report.CheckedCases} case(s), {report.CheckedEntries} entries in {report.ElapsedMs} ms");
                foreach (var failure in report.Failures) output.WriteLine($"  FAILED {failure.CaseId} seq {failure.Seq}: {failure.Problem}");
                output.WriteLine(report.Holds ? "every chain holds" : $"{report.Failures.Count} failure(s)");
            });
            return report.Holds ? ExitCodes.Ok : ExitCodes.NotVerified;
        }));
        return new Command("audit", "Operator: the per-case audit trails") { verify };
    }
}
