using System.Globalization;
using System.Text.Json.Nodes;
using Tongban.Cli.Hub;
using static Tongban.Cli.Commands.CaseText;

namespace Tongban.Cli.Commands;

/// <summary>
/// <c>cases watch</c>: reads the case every interval and tells each change, a status or a step's, as one line (with
/// <c>--json</c> one JSON event per line: snapshot, status, step, ended) until the case reaches a final status.
/// </summary>
public static class CaseWatch
{
    public static async Task<int> RunAsync(CliContext context, string caseId, TimeSpan interval, TimeSpan? timeout, CancellationToken ct)
    {
        using var hub = context.AsPartner();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout is { } wait) limit.CancelAfter(wait);
        JsonNode? previous = null;
        try
        {
            // The client yields the case each time it changes, and stops once it has ended.
            await context.CallAsync(async () =>
            {
                await foreach (var view in hub.WatchAsync(caseId, interval, limit.Token))
                {
                    var current = HubConnection.ToJson(view);
                    Tell(context, previous, current);
                    previous = current;
                }

                return true;
            }, limit.Token);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            context.Environment.Error.WriteLine("tongban: watch interrupted");
            return 130;
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            throw new CliFailureException(ExitCodes.TimedOut, $"case {caseId} is still {S(previous, "status")} after {timeout!.Value.TotalSeconds:0.#} s");
        }

        var status = S(previous, "status");
        if (context.Json)
        {
            context.WriteJsonLine(new JsonObject
            {
                ["event"] = "ended", ["at"] = Now(context), ["status"] = status, ["outcome"] = previous?["outcome"]?.DeepClone(),
            });
        }
        else
        {
            context.Environment.Out.WriteLine($"{Clock(context)}  ended {status}" + Outcome(previous));
        }

        return ExitCodes.Ok;
    }

    private static void Tell(CliContext context, JsonNode? previous, JsonNode? current)
    {
        var output = context.Environment.Out;
        if (previous is null)
        {
            if (context.Json)
            {
                context.WriteJsonLine(new JsonObject { ["event"] = "snapshot", ["at"] = Now(context), ["case"] = current?.DeepClone() });
            }
            else
            {
                output.WriteLine($"{Clock(context)}  watching:");
                Write(output, current);
                Hint(context, current);
            }

            output.Flush();
            return;
        }

        var before = S(previous, "status");
        var after = S(current, "status");
        var seen = (previous["steps"] as JsonArray ?? []).ToDictionary(Key, s => s);
        foreach (var step in current?["steps"] as JsonArray ?? [])
        {
            var old = seen.GetValueOrDefault(Key(step));
            if (old is not null && S(old, "status") == S(step, "status") && S(old, "attempts") == S(step, "attempts")
                && S(old, "detail") == S(step, "detail")) continue;
            if (context.Json)
            {
                context.WriteJsonLine(new JsonObject
                {
                    ["event"] = "step", ["at"] = Now(context), ["step"] = S(step, "name"), ["province"] = step?["province"]?.DeepClone(),
                    ["subject"] = step?["subject"]?.DeepClone(), ["from"] = old is null ? null : S(old, "status"), ["to"] = S(step, "status"),
                    ["attempts"] = step?["attempts"]?.DeepClone(), ["detail"] = step?["detail"]?.DeepClone(),
                });
            }
            else
            {
                output.WriteLine($"{Clock(context)}  {StepLine(step)}" + (old is null ? "" : $"  (was {S(old, "status")})"));
            }
        }

        if (before != after)
        {
            if (context.Json)
            {
                context.WriteJsonLine(new JsonObject { ["event"] = "status", ["at"] = Now(context), ["from"] = before, ["to"] = after });
            }
            else
            {
                output.WriteLine($"{Clock(context)}  status {before} -> {after}");
                Hint(context, current);
            }
        }

        output.Flush();
    }

    private static void Hint(CliContext context, JsonNode? current)
    {
        if (S(current, "status") == "AwaitingReview" && !context.Json)
        {
            context.Environment.Out.WriteLine($"           waiting for an officer: tongban cases decide {S(current, "caseId")} approve --officer ID --reason TEXT");
        }
    }

    private static string Key(JsonNode? step) => $"{S(step, "name")}|{S(step, "province")}|{S(step, "subject")}";

    private static string Outcome(JsonNode? @case) =>
        @case?["outcome"] is JsonObject outcome && outcome.Count > 0 ? ": " + string.Join(", ", outcome.Select(p => $"{p.Key} {p.Value}")) : "";

    private static string Now(CliContext context) => context.Environment.Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static string Clock(CliContext context) => context.Environment.Time.GetLocalNow().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
