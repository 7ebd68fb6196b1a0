using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tongban.Cases.Identity;
using Tongban.Storage;
using Xunit.Abstractions;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.Fuzz;

/// <summary>
/// Issue 11: thousands of mutations of valid signed partner requests (headers, JSON shapes and types, lengths at and past
/// every limit, Unicode) against the devhost on Azurite, seeded (TONGBAN_FUZZ_SEED) and bounded (TONGBAN_FUZZ_REQUESTS,
/// TONGBAN_FUZZ_SECONDS). No 500; every error is problem+json of a urn:tongban:problem: type; nothing is stored for a
/// request that was not accepted; no ID number a request carried comes back in clear.
/// </summary>
[Collection(FuzzHubCollection.Name)]
public sealed partial class PartnerApiFuzzTests(FuzzHubFixture hub, ITestOutputHelper output)
{
    private static readonly string[] SandboxIds =
        [ZjMan2.IdNumber, ShWoman2.IdNumber, ShWoman5.IdNumber, "340104199505021668", "360102198408147038", "33021220180909945X"];

    private static readonly string[] Unwanted =
        ["\u202E", "\u202D", "\u2066", "\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\0", "\u0007", "\u001B", "\u007F", "\u0085", "\n", "\t"];

    private static readonly string[] Pieces = ["a", "Z", "9", "-", " ", "张", "𠮷", "😀", "é", "\"", "\\", "/", "#", "?", "%", "<", "'", "·"];

    /// <summary>Unescaped (names and format characters go as they are) and deep enough for the nesting this test sends past the hub's limit.</summary>
    private static readonly JsonSerializerOptions Writer = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = 1000 };

    private static readonly int[] Lengths = [0, 1, 7, 8, 9, 49, 50, 51, 63, 64, 65, 99, 100, 101, 127, 128, 129, 199, 200, 201, 499, 500, 501, 2048, 2049, 20_000];

    [Fact]
    public async Task Mutated_signed_requests_never_fail_leak_or_store()
    {
        var seed = Setting("TONGBAN_FUZZ_SEED", 20261105);
        var limit = Setting("TONGBAN_FUZZ_REQUESTS", 10_000);
        var budget = TimeSpan.FromSeconds(Setting("TONGBAN_FUZZ_SECONDS", 60));
        var random = new Random(seed);
        output.WriteLine($"fuzz seed {seed} (TONGBAN_FUZZ_SEED repeats this run)");

        // The valid controls: one case, opened and read back, whose key every open mutation reuses (a valid mutated
        // body then meets 409, not a second case). Anything a 2xx answer names is allowed to exist.
        var baseOpen = JsonSerializer.SerializeToNode(Body("310000", "310104", ZjMan2, ShWoman2, "FUZZ-1"), TongbanJson.Options)!.AsObject();
        var key = "fuzz-key-" + seed.ToString(CultureInfo.InvariantCulture);
        var control = await hub.Partner("310000").PostAsync("/api/v1/cases", baseOpen.ToJsonString(), key);
        Assert.Equal(202, control.Status);
        var caseId = control["caseId"]!;
        var accepted = new HashSet<string>(StringComparer.Ordinal) { caseId };
        var before = await StoredCaseIdsAsync();

        var counts = new SortedDictionary<int, int>();
        var failures = new List<string>();
        var skipped = 0;
        var echoed = 0;
        var clock = Stopwatch.StartNew();
        var sent = 0;
        using var http = new HttpClient { BaseAddress = hub.Hub.Url, Timeout = TimeSpan.FromSeconds(30) };
        while (sent < limit && clock.Elapsed < budget)
        {
            var fuzzed = Next(random, caseId, baseOpen, key);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(fuzzed.Request);
            }
            catch (HttpRequestException)
            {
                skipped++; // the client itself refused to send it (e.g. a header value it will not write)
                continue;
            }
            catch (InvalidOperationException)
            {
                skipped++;
                continue;
            }

            sent++;
            var status = (int)response.StatusCode;
            counts[status] = counts.GetValueOrDefault(status) + 1;
            var text = await response.Content.ReadAsStringAsync();
            var what = $"#{sent} {fuzzed.Description}: {status}";
            if (status >= 500) failures.Add(what + " " + Shorten(text));
            else if (status >= 400 && !IsProblem(response, text)) failures.Add(what + " not problem+json: " + Shorten(text));
            else if (status is >= 200 and < 300 && TryCaseId(text) is { } named) accepted.Add(named);
            foreach (var id in fuzzed.IdNumbers.Where(id => text.Contains(id, StringComparison.OrdinalIgnoreCase)))
            {
                echoed++;
                failures.Add(what + " echoed an ID number");
            }

            response.Dispose();
            fuzzed.Request.Dispose();
        }

        var after = await StoredCaseIdsAsync();
        var unexplained = after.Except(before).Except(accepted).ToList();
        var line = $"fuzz: requests={sent} seed={seed} seconds={clock.Elapsed.TotalSeconds:0.0} skipped={skipped} "
            + string.Join(" ", counts.Select(c => $"{c.Key}={c.Value}"))
            + $" server-errors={counts.Where(c => c.Key >= 500).Sum(c => c.Value)} accepted-cases={accepted.Count} stored-unaccepted={unexplained.Count} echoed={echoed}";
        Report(line);

        Assert.True(sent >= Math.Min(limit, 500), line);
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.Empty(unexplained);
    }

    /// <summary>One mutated request: which endpoint, what was changed, the ID numbers it carried.</summary>
    private sealed record Fuzzed(HttpRequestMessage Request, string Description, IReadOnlyList<string> IdNumbers);

    private Fuzzed Next(Random random, string caseId, JsonObject baseOpen, string key)
    {
        var partner = random.Next(6) == 0 ? FuzzHubFixture.PartnerCodes[random.Next(4)] : "310000";
        var (method, path, body, endpoint) = random.Next(5) switch
        {
            0 => (HttpMethod.Post, "/api/v1/cases", (JsonNode?)baseOpen.DeepClone(), "open"),
            1 => (HttpMethod.Get, "/api/v1/cases" + Query(random), null, "list"),
            2 => (HttpMethod.Get, "/api/v1/cases/" + CaseIdVariant(random, caseId), null, "get"),
            3 => (HttpMethod.Post, "/api/v1/cases/" + CaseIdVariant(random, caseId) + "/decisions",
                JsonNode.Parse("""{"step":"officer-review","decision":"reject","officer":"sh-0042","reason":"papers differ"}"""), "decide"),
            _ => (HttpMethod.Post, "/api/v1/cases/" + CaseIdVariant(random, caseId) + "/withdrawal", JsonNode.Parse("""{"reason":"moved away"}"""), "withdraw"),
        };

        var changes = new List<string> { endpoint };
        byte[]? bytes = null;
        if (body is not null)
        {
            var jsonChanges = random.Next(1, 4);
            for (var i = 0; i < jsonChanges; i++) body = MutateJson(random, body, changes);
            bytes = Encoding.UTF8.GetBytes(body?.ToJsonString(Writer) ?? "null");
            if (random.Next(6) == 0) bytes = MutateRaw(random, bytes, changes);
        }

        var secret = hub.Hub.Services.GetRequiredService<IConfiguration>()[$"Tongban:Partners:{partner}:Secret"]!;
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var nonce = Convert.ToHexStringLower(RandomBytes(random, 16));
        var headers = new List<(string Name, string Value)>
        {
            ("X-Tongban-Partner", partner),
            ("X-Tongban-Timestamp", timestamp),
            ("X-Tongban-Nonce", nonce),
            ("X-Tongban-Signature", Tongban.Client.TongbanSignature.Sign(secret, method.Method, path, timestamp, nonce, bytes ?? [])),
        };
        if (endpoint == "open") headers.Add(("Idempotency-Key", key));
        var contentType = "application/json";
        if (random.Next(3) == 0) contentType = MutateHeaders(random, headers, changes) ?? contentType;

        var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        if (bytes is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            if (contentType.Length > 0) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        var carried = path + "\n" + string.Join("\n", headers.Select(h => h.Value)) + "\n" + (bytes is null ? "" : Encoding.UTF8.GetString(bytes));
        var ids = IdRun().Matches(carried).Select(m => m.Value).Where(v => ResidentIdNumber.TryParse(v, DateOnly.MaxValue, out _)).Distinct().ToList();
        return new Fuzzed(request, string.Join(" ", changes), ids);
    }

    private static string Query(Random random)
    {
        string[] names = ["status", "caseType", "updatedSince", "pageSize", "continuation", "STATUS", "x"];
        string[] values = ["Completed", "InProgress", "nope", "marriage-registration", "2026-01-01", "2026-01-01T00:00:00Z", "2026-13-45", "0", "1", "200", "201",
            "-1", "99999999999", "abc.def", "%23", "%00", "%E2%80%AE", "%F0%9F%98%80", "", new string('9', 3000), ZjMan2.IdNumber];
        var parts = Enumerable.Range(0, random.Next(0, 4)).Select(_ => names[random.Next(names.Length)] + "=" + values[random.Next(values.Length)]);
        var query = string.Join("&", parts);
        return query.Length == 0 ? "" : "?" + query;
    }

    private static string CaseIdVariant(Random random, string caseId) => random.Next(12) switch
    {
        0 => caseId.ToUpperInvariant(),
        1 => caseId[..^1] + "%23",
        2 => caseId[..^2] + "%2F" + caseId[^1..],
        3 => caseId + "%3F",
        4 => caseId[..^1] + "%01",
        5 => "c-" + new string('a', random.Next(33, 3000)),
        6 => caseId[..^1] + "%E2%80%AE",
        7 => "c-" + Convert.ToHexStringLower(RandomBytes(random, 16)),
        8 => ZjMan2.IdNumber,
        9 => caseId + "%5C",
        _ => caseId,
    };

    private static JsonNode? MutateJson(Random random, JsonNode? body, List<string> changes)
    {
        if (body is not JsonObject root || random.Next(12) == 0)
        {
            var whole = random.Next(5) switch
            {
                0 => (JsonNode?)new JsonArray(body?.DeepClone()),
                1 => JsonValue.Create("a string"),
                2 => JsonValue.Create(42),
                3 => null,
                _ => Nested(random.Next(2) == 0 ? 64 : 300),
            };
            changes.Add("body=" + (whole?.GetValueKind().ToString() ?? "null"));
            return whole;
        }

        var (parent, name) = PickProperty(random, root);
        switch (random.Next(9))
        {
            case 0:
                parent.Remove(name);
                changes.Add($"remove {name}");
                break;
            case 1:
                parent["extra" + random.Next(100).ToString(CultureInfo.InvariantCulture)] = RandomValue(random);
                changes.Add("extra field");
                break;
            case 2:
                parent[name] = RandomValue(random);
                changes.Add($"{name}=value of another type");
                break;
            case 3:
                parent[name] = RandomText(random, Lengths[random.Next(Lengths.Length)]);
                changes.Add($"{name}=text of a limit's length");
                break;
            case 4:
                parent[name] = Splice(random, parent[name]?.ToString() ?? "", Unwanted[random.Next(Unwanted.Length)]);
                changes.Add($"{name}=with a format or control character");
                break;
            case 5:
                parent[name] = Splice(random, parent[name]?.ToString() ?? "", SandboxIds[random.Next(SandboxIds.Length)]);
                changes.Add($"{name}=with an ID number");
                break;
            case 6:
                parent[name] = parent[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? JsonValue.Create(v.ToString()) : JsonValue.Create(random.Next(-5, 20));
                changes.Add($"{name}=number as string or string as number");
                break;
            case 7:
                parent[name] = new JsonArray(parent[name]?.DeepClone());
                changes.Add($"{name}=array around it");
                break;
            default:
                parent[name] = null;
                changes.Add($"{name}=null");
                break;
        }

        return root;
    }

    /// <summary>A property anywhere in the tree (objects only), the deeper ones as likely as the top ones.</summary>
    private static (JsonObject Parent, string Name) PickProperty(Random random, JsonObject root)
    {
        var all = new List<(JsonObject, string)>();
        void Walk(JsonObject o)
        {
            foreach (var (name, value) in o.ToList())
            {
                all.Add((o, name));
                if (value is JsonObject child) Walk(child);
            }
        }

        Walk(root);
        return all.Count == 0 ? (root, "caseType") : all[random.Next(all.Count)];
    }

    private static JsonNode? RandomValue(Random random) => random.Next(10) switch
    {
        0 => JsonValue.Create(random.Next()),
        1 => JsonValue.Create(-1.5e308),
        2 => JsonValue.Create(true),
        3 => new JsonArray(1, "2", null),
        4 => new JsonObject { ["nested"] = new JsonObject { ["deeper"] = "x" } },
        5 => JsonValue.Create(decimal.MaxValue),
        6 => Nested(random.Next(2, 40)),
        7 => JsonValue.Create(""),
        8 => null,
        _ => JsonValue.Create(RandomText(random, random.Next(0, 80))),
    };

    private static JsonNode Nested(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 1; i < depth; i++) node = new JsonArray(node);
        return node;
    }

    private static string RandomText(Random random, int length)
    {
        var text = new StringBuilder();
        while (text.Length < length) text.Append(random.Next(8) == 0 ? Unwanted[random.Next(Unwanted.Length)] : Pieces[random.Next(Pieces.Length)]);
        return text.ToString();
    }

    private static string Splice(Random random, string text, string piece)
    {
        var at = random.Next(text.Length + 1);
        if (at > 0 && at < text.Length && char.IsLowSurrogate(text[at])) at--;
        return text[..at] + piece + text[at..];
    }

    /// <summary>Byte-level damage a JSON writer would never produce.</summary>
    private static byte[] MutateRaw(Random random, byte[] bytes, List<string> changes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        switch (random.Next(8))
        {
            case 0:
                changes.Add("truncated");
                return bytes[..random.Next(bytes.Length)];
            case 1:
                changes.Add("invalid UTF-8");
                return [.. bytes[..(bytes.Length / 2)], 0xFF, 0xC0, .. bytes[(bytes.Length / 2)..]];
            case 2:
                changes.Add("lone surrogate escape");
                return Encoding.UTF8.GetBytes(Regex.Replace(text, "\"([^\"\\\\]{2,})\"", m => "\"" + m.Groups[1].Value + "\\ud800\"", RegexOptions.None, TimeSpan.FromSeconds(1)));
            case 3:
                changes.Add("duplicate property");
                return text.StartsWith('{') ? Encoding.UTF8.GetBytes("{\"caseType\":\"school-transfer\",\"reason\":\"x\"," + text[1..]) : bytes;
            case 4:
                changes.Add("over 64 KiB");
                return [.. bytes, .. Encoding.UTF8.GetBytes(new string(' ', 64 * 1024))];
            case 5:
                changes.Add("BOM first");
                return [0xEF, 0xBB, 0xBF, .. bytes];
            case 6:
                changes.Add("empty body");
                return [];
            default:
                changes.Add("trailing garbage");
                return [.. bytes, .. "}{]"u8.ToArray()];
        }
    }

    /// <summary>Damage to the signed headers (after signing, so most of these are 401s) or the content type; returns the content type to send.</summary>
    private static string? MutateHeaders(Random random, List<(string Name, string Value)> headers, List<string> changes)
    {
        var index = random.Next(headers.Count);
        var (name, value) = headers[index];
        switch (random.Next(8))
        {
            case 0:
                headers.RemoveAt(index);
                changes.Add($"no {name}");
                return null;
            case 1:
                headers.Add((name, value));
                changes.Add($"{name} twice");
                return null;
            case 2:
                headers[index] = (name.ToLowerInvariant(), value);
                changes.Add($"{name} in lower case");
                return null;
            case 3:
                headers[index] = (name, new string('9', random.Next(1000, 16_000)));
                changes.Add($"huge {name}");
                return null;
            case 4:
                headers[index] = (name, value + ZjMan2.IdNumber);
                changes.Add($"ID number in {name}");
                return null;
            case 5:
                headers[index] = (name, " " + value + "\t");
                changes.Add($"{name} padded");
                return null;
            default:
                string[] types = ["", "text/plain", "application/json; charset=utf-8", "APPLICATION/JSON", "application/jsonx", "multipart/form-data; boundary=x"];
                var type = types[random.Next(types.Length)];
                changes.Add($"content type '{type}'");
                return type;
        }
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static bool IsProblem(HttpResponseMessage response, string text)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") return false;
        try
        {
            var type = JsonNode.Parse(text)?["type"]?.ToString();
            return type is not null && type.StartsWith("urn:tongban:problem:", StringComparison.Ordinal);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? TryCaseId(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject o ? o["caseId"]?.ToString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Every case ID the hub holds: case rows, index rows and messages on every province queue and its poison queue.</summary>
    private async Task<HashSet<string>> StoredCaseIdsAsync()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var tables = new TableServiceClient(hub.StorageConnectionString);
        await foreach (var row in tables.GetTableClient(StorageNames.CasesTable).QueryAsync<TableEntity>(select: ["PartitionKey"])) ids.Add(row.PartitionKey);
        await foreach (var row in tables.GetTableClient(StorageNames.CaseIndexTable).QueryAsync<TableEntity>(select: ["CaseId"])) ids.Add(row.GetString("CaseId"));
        var queues = new QueueServiceClient(hub.StorageConnectionString);
        foreach (var code in FuzzHubFixture.PartnerCodes)
        {
            foreach (var queue in new[] { StorageNames.ProvinceQueue(code), StorageNames.PoisonQueue(StorageNames.ProvinceQueue(code)) })
            {
                var client = queues.GetQueueClient(queue);
                if (!(await client.ExistsAsync()).Value) continue;
                // A message is one step or a bundle of a province's steps (ProvinceStepQueue.Read takes either).
                foreach (var message in (await client.PeekMessagesAsync(32)).Value)
                {
                    foreach (var step in Tongban.Workflows.Dispatch.ProvinceStepQueue.Read(message.MessageText)) ids.Add(step.CaseId);
                }
            }
        }

        return ids;
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("TONGBAN_FAULT_REPORT") is { Length: > 0 } report) File.AppendAllText(report, line + "\n");
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [GeneratedRegex("[0-9]{17}[0-9Xx]")]
    private static partial Regex IdRun();
}
