using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Tongban.Cli;
using Tongban.IntegrationTests.Infrastructure;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>A hub with an operator configured, for the command line's operator commands.</summary>
public sealed class CliHubFixture : HubFixture
{
    public const string OperatorId = "ops-cli";
    public const string OperatorSecret = "operator-secret-for-cli-tests-0001-32b";

    /// <summary>The port <c>tongban listen</c> takes in a test, registered as Shanghai's second callback origin.</summary>
    public int ListenPort { get; } = Tongban.DevHost.Hosting.AzuriteLauncher.FreePort();

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings[$"Tongban:Operators:{OperatorId}:Secret"] = OperatorSecret;
        settings["Tongban:Partners:310000:CallbackOrigins:1"] = $"http://127.0.0.1:{ListenPort}";
    }
}

[CollectionDefinition(Name)]
public sealed class CliHubCollection : ICollectionFixture<CliHubFixture>
{
    public const string Name = "cli-hub";
}

/// <summary>
/// The <c>tongban</c> command line end to end: run in process (its real entry, <see cref="TongbanCommandLine.RunAsync"/>)
/// against the devhost, Azurite and the sandbox, with its environment and profiles file set per run. Each command, its exit
/// code and its <c>--json</c> output, and the failure paths scripts meet.
/// </summary>
[Collection(CliHubCollection.Name)]
public sealed class CliEndToEndTests(CliHubFixture hub) : IDisposable
{
    private const string ShanghaiSecret = "sh-partner-secret-0001";
    private readonly string folder = Directory.CreateTempSubdirectory("tongban-cli-").FullName;

    private sealed record Run(int Exit, string Out, string Error)
    {
        public JsonNode Json => JsonNode.Parse(Out) ?? throw new InvalidOperationException("no JSON on standard output");

        /// <summary>NDJSON lines (cases watch --json).</summary>
        public IReadOnlyList<JsonNode> Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
    }

    private Dictionary<string, string?> Shanghai() => new()
    {
        ["TONGBAN_URL"] = hub.Hub.Url.ToString(),
        ["TONGBAN_PARTNER"] = "310000",
        ["TONGBAN_SECRET"] = ShanghaiSecret,
        ["TONGBAN_OPERATOR"] = CliHubFixture.OperatorId,
        ["TONGBAN_OPERATOR_SECRET"] = CliHubFixture.OperatorSecret,
    };

    private Task<Run> CliAsync(params string[] args) => CliWithAsync(Shanghai(), null, args);

    /// <summary>One run of the CLI; the profiles file is this test's own (never the user's), standard input as given.</summary>
    private async Task<Run> CliWithAsync(Dictionary<string, string?> variables, string? input, params string[] args)
    {
        variables.TryAdd("TONGBAN_PROFILES", Path.Combine(folder, "profiles.json"));
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new CliEnvironment
        {
            Out = output, Error = error, In = new StringReader(input ?? ""), Variable = name => variables.GetValueOrDefault(name),
        };
        var exit = await TongbanCommandLine.RunAsync(args, environment);
        return new Run(exit, output.ToString(), error.ToString());
    }

    private string File(string name, object body) => File(name, JsonSerializer.Serialize(body));

    private string File(string name, string text)
    {
        var path = Path.Combine(folder, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private async Task<string> OpenMarriageAsync(Citizen a, Citizen b, string? callbackUrl = null)
    {
        var body = JsonSerializer.SerializeToNode(Body("310000", "310115", a, b))!.AsObject();
        if (callbackUrl is not null) body["callbackUrl"] = callbackUrl;
        var opened = await CliAsync("cases", "open", "--file", File($"open-{Guid.NewGuid():N}.json", body.ToJsonString()), "--json");
        Assert.True(opened.Exit == ExitCodes.Ok, opened.Error);
        return opened.Json["caseId"]!.ToString();
    }

    private async Task<JsonNode> WaitForStatusAsync(string caseId, string status)
    {
        JsonNode? last = null;
        await Eventually.UntilAsync(async () =>
        {
            var got = await CliAsync("cases", "get", caseId, "--json");
            Assert.Equal(ExitCodes.Ok, got.Exit);
            last = got.Json;
            return last["status"]!.ToString() == status;
        }, TimeSpan.FromSeconds(60), $"case {caseId} {status}");
        return last!;
    }

    [Fact]
    public async Task Opens_a_case_from_a_file_decides_it_and_watches_it_to_the_end()
    {
        var body = File("marriage.json", Body("310000", "310115", ZjMan1, ShWoman1));
        var opened = await CliAsync("cases", "open", "--file", body, "--idempotency-key", "cli-test-key-0001", "--json");
        Assert.Equal(ExitCodes.Ok, opened.Exit);
        var caseId = opened.Json["caseId"]!.ToString();
        Assert.Matches("^c-[0-9a-f]{32}$", caseId);
        Assert.Equal("marriage-registration", opened.Json["caseType"]!.ToString());

        // The same key and body again: the same case (200), no second one.
        var again = await CliAsync("cases", "open", "--file", body, "--idempotency-key", "cli-test-key-0001", "--json");
        Assert.Equal(ExitCodes.Ok, again.Exit);
        Assert.Equal(caseId, again.Json["caseId"]!.ToString());

        var reviewing = await WaitForStatusAsync(caseId, "AwaitingReview");
        Assert.Contains(reviewing["steps"]!.AsArray(), s => s!["name"]!.ToString() == "officer-review" && s["status"]!.ToString() == "Waiting");
        var text = await CliAsync("cases", "get", caseId);
        Assert.Equal(ExitCodes.Ok, text.Exit);
        Assert.Contains($"{caseId}  marriage-registration  AwaitingReview", text.Out);
        Assert.Contains("officer-review", text.Out);
        Assert.DoesNotContain(ZjMan1.IdNumber, text.Out);

        // Still under review: a watch with a short time-out gives up with 9.
        var impatient = await CliAsync("cases", "watch", caseId, "--timeout", "0.5", "--interval", "0.2", "--json");
        Assert.Equal(ExitCodes.TimedOut, impatient.Exit);
        Assert.Equal("snapshot", impatient.Lines[0]["event"]!.ToString());

        var decided = await CliAsync("cases", "decide", caseId, "approve", "--officer", "officer-7", "--reason", "documents in order", "--json");
        Assert.Equal(ExitCodes.Ok, decided.Exit);
        Assert.Equal(caseId, decided.Json["caseId"]!.ToString());

        var watched = await CliAsync("cases", "watch", caseId, "--interval", "0.2", "--json");
        Assert.Equal(ExitCodes.Ok, watched.Exit);
        var events = watched.Lines;
        Assert.Equal("snapshot", events[0]["event"]!.ToString());
        Assert.Equal("ended", events[^1]["event"]!.ToString());
        Assert.Equal("Completed", events[^1]["status"]!.ToString());
        Assert.False(string.IsNullOrEmpty(events[^1]["outcome"]!["certificateNo"]?.ToString()));

        // A decision on a case that waits for none: conflict.
        var late = await CliAsync("cases", "decide", caseId, "reject", "--officer", "officer-7", "--reason", "too late", "--json");
        Assert.Equal(ExitCodes.Conflict, late.Exit);
        Assert.Equal("urn:tongban:problem:conflict", late.Json["error"]!["problem"]!["type"]!.ToString());

        var listed = await CliAsync("cases", "list", "--status", "Completed", "--all", "--json");
        Assert.Equal(ExitCodes.Ok, listed.Exit);
        Assert.Contains(listed.Json["items"]!.AsArray(), i => i!["caseId"]!.ToString() == caseId);
        Assert.All(listed.Json["items"]!.AsArray(), i => Assert.Equal("Completed", i!["status"]!.ToString()));
        var table = await CliAsync("cases", "list", "--status", "Completed");
        Assert.Contains(caseId, table.Out);
        Assert.Matches(@"\d+ case\(s\)", table.Out);
    }

    [Fact]
    public async Task Watch_prints_a_live_timeline_and_a_withdrawal_ends_it()
    {
        var caseId = await OpenMarriageAsync(ZjMan2, ShWoman2);
        await WaitForStatusAsync(caseId, "AwaitingReview");
        var watching = CliAsync("cases", "watch", caseId, "--interval", "0.2");
        await Task.Delay(500);
        var withdrawn = await CliAsync("cases", "withdraw", caseId, "--reason", "the couple changed their mind", "--json");
        Assert.Equal(ExitCodes.Ok, withdrawn.Exit);
        var watched = await watching.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(ExitCodes.Ok, watched.Exit);
        Assert.Contains("watching:", watched.Out);
        Assert.Contains("status AwaitingReview -> Withdrawn", watched.Out);
        Assert.Contains("ended Withdrawn", watched.Out);

        // Withdrawn already: a second withdrawal conflicts.
        var twice = await CliAsync("cases", "withdraw", caseId, "--reason", "again");
        Assert.Equal(ExitCodes.Conflict, twice.Exit);
        Assert.StartsWith("tongban: 409", twice.Error);
    }

    [Fact]
    public async Task Failure_paths_give_their_exit_codes_and_json_errors()
    {
        var missing = await CliAsync("cases", "open", "--file", Path.Combine(folder, "no-such.json"), "--json");
        Assert.Equal(ExitCodes.Usage, missing.Exit);
        Assert.Equal(ExitCodes.Usage, missing.Json["error"]!["exitCode"]!.GetValue<int>());
        Assert.Contains("cannot read", missing.Error);

        var notJson = await CliAsync("cases", "open", "--file", File("broken.json", "{\"caseType\": "));
        Assert.Equal(ExitCodes.Usage, notJson.Exit);
        Assert.Contains("is not JSON", notJson.Error);

        var unknownOption = await CliAsync("cases", "get", "c-0", "--frobnicate");
        Assert.Equal(ExitCodes.Usage, unknownOption.Exit);
        var noCommand = await CliAsync("cases");
        Assert.Equal(ExitCodes.Usage, noCommand.Exit);

        var unknownCase = await CliAsync("cases", "get", "c-" + new string('0', 32), "--json");
        Assert.Equal(ExitCodes.NotFound, unknownCase.Exit);
        Assert.Equal("urn:tongban:problem:not-found", unknownCase.Json["error"]!["problem"]!["type"]!.ToString());

        // Two men: validation, field by field, nothing created.
        var invalid = Body("310000", "310115", ZjMan3, ShMan1);
        var refused = await CliAsync("cases", "open", "--file", File("invalid.json", invalid), "--json");
        Assert.Equal(ExitCodes.Refused, refused.Exit);
        var problem = refused.Json["error"]!["problem"]!;
        Assert.Equal("urn:tongban:problem:validation", problem["type"]!.ToString());
        Assert.Contains("man and a woman", problem["errors"]!["details.partyB.idNumber"]![0]!.ToString());
        Assert.Contains("400", refused.Error);

        // Another province's case handled by us: forbidden, also exit 4.
        var forbidden = await CliAsync("cases", "open", "--file", File("forbidden.json", Body("330000", "330106", ZjMan3, ShWoman3)));
        Assert.Equal(ExitCodes.Refused, forbidden.Exit);
        Assert.Contains("403", forbidden.Error);

        var noCredentials = await CliWithAsync(new Dictionary<string, string?> { ["TONGBAN_URL"] = hub.Hub.Url.ToString() }, null, "cases", "list", "--json");
        Assert.Equal(ExitCodes.Authentication, noCredentials.Exit);
        Assert.Contains("no partner credentials", noCredentials.Json["error"]!["message"]!.ToString());

        var wrongSecret = Shanghai();
        wrongSecret["TONGBAN_SECRET"] = "not-the-secret-of-shanghai";
        var unauthenticated = await CliWithAsync(wrongSecret, null, "cases", "list", "--json");
        Assert.Equal(ExitCodes.Authentication, unauthenticated.Exit);
        Assert.Equal("urn:tongban:problem:unauthenticated", unauthenticated.Json["error"]!["problem"]!["type"]!.ToString());

        var closed = Shanghai();
        closed["TONGBAN_URL"] = $"http://127.0.0.1:{Tongban.DevHost.Hosting.AzuriteLauncher.FreePort()}";
        var unreachable = await CliWithAsync(closed, null, "cases", "list");
        Assert.Equal(ExitCodes.Unavailable, unreachable.Exit);
        Assert.Contains("cannot reach the hub", unreachable.Error);

        var noOperator = Shanghai();
        noOperator.Remove("TONGBAN_OPERATOR");
        var operatorMissing = await CliWithAsync(noOperator, null, "provinces");
        Assert.Equal(ExitCodes.Authentication, operatorMissing.Exit);
        Assert.Contains("no operator credentials", operatorMissing.Error);
    }

    [Fact]
    public async Task Operator_commands_list_attention_and_provinces_and_refuse_what_cannot_be_done()
    {
        var provinces = await CliAsync("provinces", "--json");
        Assert.Equal(ExitCodes.Ok, provinces.Exit);
        Assert.Equal(["310000", "330000", "340000", "360000"], provinces.Json["items"]!.AsArray().Select(i => i!["province"]!.ToString()).Order());
        var table = await CliAsync("provinces");
        Assert.Contains("circuit", table.Out);
        Assert.Contains("360000", table.Out);

        var attention = await CliAsync("attention", "--province", "310000", "--json");
        Assert.Equal(ExitCodes.Ok, attention.Exit);
        Assert.NotNull(attention.Json["items"] as JsonArray);
        var badProvince = await CliAsync("attention", "--province", "999999");
        Assert.Equal(ExitCodes.Refused, badProvince.Exit);

        var requeued = await CliAsync("poison", "requeue", "310000", "--reason", "Shanghai is back", "--json");
        Assert.Equal(ExitCodes.Ok, requeued.Exit);
        Assert.Equal("310000", requeued.Json["province"]!.ToString());
        Assert.Equal(0, requeued.Json["moved"]!.GetValue<int>());
        var unknownProvince = await CliAsync("poison", "requeue", "999999", "--reason", "typo");
        Assert.Equal(ExitCodes.NotFound, unknownProvince.Exit);
        var noReason = await CliAsync("poison", "requeue", "310000");
        Assert.Equal(ExitCodes.Usage, noReason.Exit);

        var unknownCase = await CliAsync("redrive", "c-" + new string('1', 32), "--reason", "try again");
        Assert.Equal(ExitCodes.NotFound, unknownCase.Exit);
        var moving = await OpenMarriageAsync(ZjMan4, ShWoman4);
        var nothingHeld = await CliAsync("redrive", moving, "--reason", "try again", "--json");
        Assert.Equal(ExitCodes.Conflict, nothingHeld.Exit);

        // A partner is not an operator: the operator API refuses a partner's signature.
        var asPartner = Shanghai();
        asPartner["TONGBAN_OPERATOR"] = "310000";
        asPartner["TONGBAN_OPERATOR_SECRET"] = ShanghaiSecret;
        Assert.Equal(ExitCodes.Authentication, (await CliWithAsync(asPartner, null, "provinces")).Exit);
    }

    [Fact]
    public async Task Audit_verify_checks_a_cases_chain_and_signed_head_and_refuses_unknown_and_bad_ids()
    {
        var caseId = await OpenMarriageAsync(ZjWidower, ZjDivorcedWoman);
        var trail = hub.Hub.Services.GetRequiredService<Tongban.Audit.AuditTrail>();
        // Signed now, as the housekeeping timer would while the case is open.
        Assert.True(await trail.SignHeadAsync(caseId, CancellationToken.None));
        var stored = await trail.ReadAsync(caseId, CancellationToken.None);
        Assert.NotEmpty(stored.Entries);

        // The case moves on meanwhile (its steps append entries): the figures lie between the trail read before and after.
        var text = await CliAsync("audit", "verify", caseId);
        Assert.True(text.Exit == ExitCodes.Ok, text.Error);
        var figures = System.Text.RegularExpressions.Regex.Match(text.Out, @"^checked 1 case\(s\), (\d+) entries in \d+ ms\r?\nevery chain holds");
        Assert.True(figures.Success, text.Out);
        Assert.InRange(int.Parse(figures.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), stored.Entries.Count, int.MaxValue);

        var json = await CliAsync("audit", "verify", caseId, "--json");
        Assert.Equal(ExitCodes.Ok, json.Exit);
        Assert.Equal(1, json.Json["checkedCases"]!.GetValue<int>());
        var after = await trail.ReadAsync(caseId, CancellationToken.None);
        Assert.InRange(json.Json["checkedEntries"]!.GetValue<int>(), stored.Entries.Count, after.Entries.Count);
        Assert.True(json.Json["elapsedMs"]!.GetValue<long>() >= 0);
        Assert.Empty(json.Json["failures"]!.AsArray());

        // A well-formed ID of no case: not found (3), not "0 entries, every chain holds".
        var unknown = await CliAsync("audit", "verify", "c-" + new string('2', 32), "--json");
        Assert.Equal(ExitCodes.NotFound, unknown.Exit);
        Assert.Equal("urn:tongban:problem:not-found", unknown.Json["error"]!["problem"]!["type"]!.ToString());
        // Not a case ID: the hub refuses it on the field (4); nothing is checked.
        var bad = await CliAsync("audit", "verify", "not-a-case", "--json");
        Assert.Equal(ExitCodes.Refused, bad.Exit);
        Assert.NotNull(bad.Json["error"]!["problem"]!["errors"]!["caseId"]);
        // An operator verb signed as a partner is refused as unauthenticated (7).
        var asPartner = Shanghai();
        asPartner["TONGBAN_OPERATOR"] = "310000";
        asPartner["TONGBAN_OPERATOR_SECRET"] = ShanghaiSecret;
        Assert.Equal(ExitCodes.Authentication, (await CliWithAsync(asPartner, null, "audit", "verify", caseId)).Exit);

        // A changed entry (its detail rewritten in the table): exit 8, the case, the place and the problem named.
        var table = hub.Hub.Services.GetRequiredService<Azure.Data.Tables.TableServiceClient>().GetTableClient(Tongban.Storage.StorageNames.AuditTable);
        var first = (await table.GetEntityAsync<Azure.Data.Tables.TableEntity>(caseId, Tongban.Audit.AuditTrail.EntryRowKey(1))).Value;
        first["Detail"] = "rewritten afterwards";
        await table.UpdateEntityAsync(first, first.ETag, Azure.Data.Tables.TableUpdateMode.Merge);
        var changed = await CliAsync("audit", "verify", caseId);
        Assert.Equal(ExitCodes.NotVerified, changed.Exit);
        Assert.Contains($"FAILED {caseId} seq 1: changed", changed.Out, StringComparison.Ordinal);
        Assert.Contains("1 failure(s)", changed.Out, StringComparison.Ordinal);
        var changedJson = await CliAsync("audit", "verify", caseId, "--json");
        Assert.Equal(ExitCodes.NotVerified, changedJson.Exit);
        var failure = Assert.Single(changedJson.Json["failures"]!.AsArray())!;
        Assert.Equal((caseId, 1, "changed"), (failure["caseId"]!.ToString(), failure["seq"]!.GetValue<int>(), failure["problem"]!.ToString()));
    }

    [Fact]
    public async Task Signed_headers_from_sign_are_accepted_by_the_hub()
    {
        var read = await CliAsync("sign", "GET", "/api/v1/cases?pageSize=5", "--json");
        Assert.Equal(ExitCodes.Ok, read.Exit);
        using var http = new HttpClient { BaseAddress = hub.Hub.Url };
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/cases?pageSize=5"))
        {
            foreach (var (name, value) in read.Json["headers"]!.AsObject()) request.Headers.TryAddWithoutValidation(name, value!.ToString());
            using var response = await http.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
        }

        // The header lines (for curl -H @file) of a POST with a body and an Idempotency-Key made up for it.
        var bodyFile = File("signed.json", Body("310000", "310115", ZjMan5, ShWoman5));
        var lines = await CliAsync("sign", "POST", "/api/v1/cases", "--body", bodyFile);
        Assert.Equal(ExitCodes.Ok, lines.Exit);
        var headers = lines.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(": ", 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(["Content-Type", "Idempotency-Key", "X-Tongban-Nonce", "X-Tongban-Partner", "X-Tongban-Signature", "X-Tongban-Timestamp"], headers.Keys.Order());
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = new ByteArrayContent(System.IO.File.ReadAllBytes(bodyFile)) })
        {
            foreach (var (name, value) in headers.Where(h => h.Key != "Content-Type")) request.Headers.TryAddWithoutValidation(name, value);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await http.SendAsync(request);
            Assert.Equal(202, (int)response.StatusCode);

            // The same headers again: the nonce is spent.
            using var replay = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = new ByteArrayContent(System.IO.File.ReadAllBytes(bodyFile)) };
            foreach (var (name, value) in headers.Where(h => h.Key != "Content-Type")) replay.Headers.TryAddWithoutValidation(name, value);
            replay.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var refused = await http.SendAsync(replay);
            Assert.Equal(401, (int)refused.StatusCode);
        }

        var curl = await CliAsync("sign", "POST", "/api/v1/cases", "--body", bodyFile, "--curl");
        Assert.StartsWith($"curl -sS -X POST '{new Uri(hub.Hub.Url, "/api/v1/cases")}'", curl.Out);
        Assert.Contains($"--data-binary '@{bodyFile}'", curl.Out);

        Assert.Equal(ExitCodes.Usage, (await CliAsync("sign", "GET", "api/v1/cases")).Exit);
    }

    [Fact]
    public async Task Verify_callback_accepts_the_hubs_callback_and_refuses_a_changed_one()
    {
        var hook = new Uri(hub.Callbacks.Url, "hooks/tongban?from=cli");
        var caseId = await OpenMarriageAsync(ZjMan3, ShWoman3, hook.ToString());
        CallbackDelivery? delivery = null;
        await Eventually.UntilAsync(() =>
        {
            delivery = hub.Callbacks.AcceptedFor(caseId) is [var first, ..] ? first : null;
            return Task.FromResult(delivery is not null);
        }, TimeSpan.FromSeconds(60), "a first callback");

        var headers = File("callback.headers", string.Join('\n',
            $"X-Tongban-Partner: {delivery!.Partner}", $"X-Tongban-Timestamp: {delivery.Timestamp}", $"X-Tongban-Nonce: {delivery.Nonce}",
            $"X-Tongban-Signature: {delivery.Signature}", $"X-Tongban-Sequence: {delivery.Sequence}"));
        var body = Path.Combine(folder, "callback.json");
        await System.IO.File.WriteAllBytesAsync(body, delivery.Body);

        var verified = await CliAsync("verify-callback", "--headers", headers, "--body", body, "--path", hook.ToString(), "--json");
        Assert.Equal(ExitCodes.Ok, verified.Exit);
        Assert.True(verified.Json["verified"]!.GetValue<bool>());
        Assert.Equal(caseId, verified.Json["caseId"]!.ToString());
        Assert.Equal(1, verified.Json["sequence"]!.GetValue<int>());
        var text = await CliAsync("verify-callback", "--headers", headers, "--body", body, "--path", hook.PathAndQuery);
        Assert.StartsWith($"verified: callback 1 of case {caseId}", text.Out);

        var changed = Path.Combine(folder, "changed.json");
        await System.IO.File.WriteAllTextAsync(changed, Encoding.UTF8.GetString(delivery.Body).Replace("\"status\"", "\"status\" ", StringComparison.Ordinal));
        var tampered = await CliAsync("verify-callback", "--headers", headers, "--body", changed, "--path", hook.ToString(), "--json");
        Assert.Equal(ExitCodes.NotVerified, tampered.Exit);
        Assert.False(tampered.Json["verified"]!.GetValue<bool>());
        Assert.Contains("X-Tongban-Signature does not match", tampered.Json["problem"]!.ToString());

        var otherPath = await CliAsync("verify-callback", "--headers", headers, "--body", body, "--path", "/hooks/other");
        Assert.Equal(ExitCodes.NotVerified, otherPath.Exit);

        var otherPartner = Shanghai();
        otherPartner["TONGBAN_PARTNER"] = "330000";
        otherPartner["TONGBAN_SECRET"] = "zj-partner-secret-0001";
        Assert.Equal(ExitCodes.NotVerified, (await CliWithAsync(otherPartner, null, "verify-callback", "--headers", headers, "--body", body, "--path", hook.ToString())).Exit);

        var noHeaders = await CliAsync("verify-callback", "--body", body, "--path", hook.ToString(), "--json");
        Assert.Equal(ExitCodes.NotVerified, noHeaders.Exit);
        Assert.Contains("X-Tongban-Partner is not the hub", noHeaders.Json["problem"]!.ToString());

        // Saved long ago: the timestamp check fails, unless told to skip it.
        Assert.Equal(ExitCodes.NotVerified, (await CliAsync("verify-callback", "--headers", headers, "--body", body, "--path", hook.ToString(), "--max-age", "0")).Exit);
    }

    [Fact]
    public async Task Listen_receives_verifies_and_keeps_a_cases_callbacks_until_it_ends()
    {
        var saved = Path.Combine(folder, "callbacks");
        var listening = CliAsync("listen", "--port", hub.ListenPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--until-final", "--save", saved, "--json");
        await Task.Delay(300);
        var jiangxiWoman = new Citizen("360102198910219463", "卢怡娟", "360000");
        var body = JsonSerializer.SerializeToNode(Body("310000", "310104", ShMan1, jiangxiWoman))!.AsObject();
        body["callbackUrl"] = $"http://127.0.0.1:{hub.ListenPort}/hooks/tongban";
        var opened = await CliAsync("cases", "open", "--file", File("listened.json", body.ToJsonString()), "--json");
        Assert.True(opened.Exit == ExitCodes.Ok, opened.Error);
        var caseId = opened.Json["caseId"]!.ToString();
        await WaitForStatusAsync(caseId, "AwaitingReview");
        Assert.Equal(ExitCodes.Ok, (await CliAsync("cases", "decide", caseId, "approve", "--officer", "officer-8", "--reason", "in order")).Exit);

        var listened = await listening.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(listened.Exit == ExitCodes.Ok, listened.Out + listened.Error);
        var events = listened.Lines;
        Assert.All(events, e => Assert.True(e["verified"]!.GetValue<bool>()));
        Assert.All(events, e => Assert.Equal(caseId, e["caseId"]!.ToString()));
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => e["sequence"]!.GetValue<int>()));
        Assert.Contains(events, e => e["status"]!.ToString() == "AwaitingReview");
        Assert.Equal("Completed", events[^1]["status"]!.ToString());

        // What it kept verifies again later (with the time check off), and not once changed.
        var verified = await CliAsync("verify-callback", "--headers", Path.Combine(saved, "callback-0001.headers"),
            "--body", Path.Combine(saved, "callback-0001.json"), "--path", "/hooks/tongban", "--any-time");
        Assert.True(verified.Exit == ExitCodes.Ok, verified.Out + verified.Error);
        Assert.Equal(ExitCodes.NotVerified, (await CliAsync("verify-callback", "--headers", Path.Combine(saved, "callback-0001.headers"),
            "--body", Path.Combine(saved, "callback-0002.json"), "--path", "/hooks/tongban", "--any-time")).Exit);
    }

    [Fact]
    public async Task Profiles_keep_secrets_off_the_command_line_and_as_picks_another_member()
    {
        var url = hub.Hub.Url.ToString();
        var bare = new Dictionary<string, string?>();
        var set = await CliWithAsync(bare, ShanghaiSecret + "\n", "profile", "set", "sh", "--hub", url, "--partner", "310000");
        Assert.True(set.Exit == ExitCodes.Ok, set.Error);
        var zj = await CliWithAsync(new(), "zj-partner-secret-0001\n" + CliHubFixture.OperatorSecret + "\n",
            "profile", "set", "zj", "--hub", url, "--partner", "330000", "--operator", CliHubFixture.OperatorId);
        Assert.Equal(ExitCodes.Ok, zj.Exit);
        var path = Path.Combine(folder, "profiles.json");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(path));

        var listed = await CliWithAsync(new(), null, "profile", "list", "--json");
        Assert.Equal("sh", listed.Json["default"]!.ToString());
        Assert.True(listed.Json["profiles"]!["zj"]!["hasOperatorSecret"]!.GetValue<bool>());
        Assert.DoesNotContain(ShanghaiSecret, listed.Out);

        // The default profile signs as Shanghai; --profile zj as Zhejiang, and its operator; --as 330000 finds Zhejiang's profile.
        Assert.Equal(ExitCodes.Ok, (await CliWithAsync(new(), null, "cases", "list", "--page-size", "1")).Exit);
        var zhejiang = await CliWithAsync(new(), null, "sign", "GET", "/api/v1/cases", "--profile", "zj", "--json");
        Assert.Equal("330000", zhejiang.Json["headers"]!["X-Tongban-Partner"]!.ToString());
        Assert.Equal(ExitCodes.Ok, (await CliWithAsync(new(), null, "provinces", "--profile", "zj")).Exit);
        var viaAs = await CliWithAsync(new(), null, "sign", "GET", "/api/v1/cases", "--as", "330000", "--json");
        Assert.Equal("330000", viaAs.Json["headers"]!["X-Tongban-Partner"]!.ToString());
        Assert.Equal(ExitCodes.Ok, (await CliWithAsync(new(), null, "cases", "list", "--as", "330000")).Exit);

        Assert.Equal(ExitCodes.Authentication, (await CliWithAsync(new(), null, "cases", "list", "--as", "360000")).Exit);
        Assert.Equal(ExitCodes.Usage, (await CliWithAsync(new(), null, "cases", "list", "--profile", "nowhere")).Exit);
        Assert.Equal(ExitCodes.Usage, (await CliWithAsync(new(), "", "profile", "set", "empty", "--partner", "360000")).Exit);

        // The environment's identity wins over the default profile's, whole: its code never pairs with the profile's secret.
        var environment = new Dictionary<string, string?> { ["TONGBAN_PARTNER"] = "360000" };
        var noSecret = await CliWithAsync(environment, null, "cases", "list");
        Assert.Equal(ExitCodes.Authentication, noSecret.Exit);
        Assert.Contains("no secret for partner 360000", noSecret.Error);
    }

    [Fact]
    public async Task Health_and_help_need_no_credentials()
    {
        var health = await CliWithAsync(new() { ["TONGBAN_URL"] = hub.Hub.Url.ToString() }, null, "health", "--json");
        Assert.Equal(ExitCodes.Ok, health.Exit);
        Assert.Equal("ok", health.Json["status"]!.ToString());

        var help = await CliWithAsync(new(), null, "--help");
        Assert.Equal(ExitCodes.Ok, help.Exit);
        Assert.Contains("Exit codes:", help.Out);
        Assert.Contains("7  authentication", help.Out);
        Assert.Contains("TONGBAN_SECRET", help.Out);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
