using System.Globalization;
using System.Text.Json.Nodes;

namespace Tongban.Cli.Commands;

/// <summary>A case as people read it in a terminal: a header line, its steps, its outcome.</summary>
public static class CaseText
{
    public static readonly string[] FinalStatuses = ["Completed", "Rejected", "Failed", "Withdrawn", "Expired"];

    public static string S(JsonNode? node, string property) => node?[property] is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?[property]?.ToJsonString() ?? "";

    public static void Write(TextWriter output, JsonNode? @case)
    {
        output.WriteLine($"{S(@case, "caseId")}  {S(@case, "caseType")}  {S(@case, "status")}  ref {S(@case, "reference")}");
        var involved = @case?["involvedProvinces"] is JsonArray a ? string.Join(" ", a.Select(p => p?.ToString())) : "";
        output.WriteLine($"  handling {S(@case, "handlingProvince")}, involving {involved}; created {Time(S(@case, "createdAt"))}, updated {Time(S(@case, "updatedAt"))}");
        if (@case?["steps"] is JsonArray steps)
        {
            foreach (var step in steps) output.WriteLine("  " + StepLine(step));
        }

        if (@case?["outcome"] is JsonObject outcome && outcome.Count > 0)
        {
            output.WriteLine("  outcome: " + string.Join(", ", outcome.Select(p => $"{p.Key} {p.Value}")));
        }
    }

    public static string StepLine(JsonNode? step)
    {
        var who = string.Join(" ", new[] { S(step, "province"), S(step, "subject") }.Where(s => s.Length > 0));
        var line = $"{S(step, "name"),-22} {who,-17} {S(step, "status"),-11} attempts {S(step, "attempts")}";
        if (S(step, "detail") is { Length: > 0 } detail) line += $"  ({detail})";
        if (step?["awaitingRedrive"]?.GetValue<bool>() == true) line += "  [awaiting redrive]";
        else if (step?["needsAttention"]?.GetValue<bool>() == true) line += "  [needs attention]";
        return line;
    }

    public static string Summary(JsonNode? @case) =>
        $"{S(@case, "caseId")}  {S(@case, "caseType"),-21} {S(@case, "status"),-14} {S(@case, "handlingProvince")}  {Time(S(@case, "updatedAt"))}  {S(@case, "reference")}";

    /// <summary>A time as local wall clock to the second (the JSON keeps the full UTC value).</summary>
    public static string Time(string iso) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : iso;
}
