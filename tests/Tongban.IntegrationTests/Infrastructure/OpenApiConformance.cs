using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Tongban.Api.OpenApi;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>
/// Holds every request the tests send and every answer they get to the OpenAPI document (<see cref="OpenApiDocument"/>),
/// so the document cannot drift from what the hub does. A plain <see cref="DelegatingHandler"/>: it goes in front of any
/// client's handler (<see cref="Create"/>). It throws <see cref="OpenApiDriftException"/>, failing the test, on the first
/// drift: a path or method the document lacks, a status it does not list for the operation, an answer whose body or
/// headers do not match, or a request the document calls invalid that the hub accepted (2xx). A request the document
/// calls invalid that the hub refused (4xx) agrees with it: the tests send such requests on purpose. A test that means to
/// leave the contract (an unknown route, a wrong method) says so with <see cref="OffContract"/>; its answer must still be
/// a problem. Counts go to the report line of <c>TONGBAN_FAULT_REPORT</c> at exit.
/// </summary>
public sealed partial class OpenApiConformance : DelegatingHandler
{
    /// <summary>Set on a request (any value: the reason) that deliberately goes where the document does not.</summary>
    public static readonly HttpRequestOptionsKey<string> OffContract = new("tongban.openapi.off-contract");

    private static readonly Lazy<OpenApiContract> Shared = new(() => OpenApiContract.Load(OpenApiDocument.Content));
    private static long requests;
    private static long responses;
    private static readonly List<string> Drifts = [];

    static OpenApiConformance() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Report();

    private readonly OpenApiContract contract;
    private readonly bool reported;
    private long ownRequests;
    private long ownResponses;

    /// <param name="contract">The document to hold calls to (default: the one the hub serves).</param>
    /// <param name="reported">False for a handler under test: its counts and drift stay out of the run's report line.</param>
    public OpenApiConformance(OpenApiContract? contract = null, bool reported = true)
    {
        this.contract = contract ?? Shared.Value;
        this.reported = reported;
    }

    /// <summary>Requests this handler held to the document.</summary>
    public long Requests => Interlocked.Read(ref ownRequests);

    /// <summary>Answers this handler held to the document.</summary>
    public long Responses => Interlocked.Read(ref ownResponses);

    public static long RequestsValidated => Interlocked.Read(ref requests);

    public static long ResponsesValidated => Interlocked.Read(ref responses);

    /// <summary>Marks <paramref name="request"/> as leaving the contract on purpose (<see cref="OffContract"/>), saying why.</summary>
    public static HttpRequestMessage Leaving(HttpRequestMessage request, string reason)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Set(OffContract, reason);
        return request;
    }

    /// <summary>A handler for an HttpClient to the hub: conformance in front of a plain socket handler.</summary>
    public static OpenApiConformance Create() => new() { InnerHandler = new HttpClientHandler() };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var offContract = request.Options.TryGetValue(OffContract, out _);
        var path = request.RequestUri!.IsAbsoluteUri ? request.RequestUri.AbsolutePath : request.RequestUri.OriginalString.Split('?')[0];
        var query = request.RequestUri.IsAbsoluteUri ? request.RequestUri.Query : request.RequestUri.OriginalString.Contains('?', StringComparison.Ordinal)
            ? "?" + request.RequestUri.OriginalString.Split('?', 2)[1] : "";
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var call = new OpenApiCall(request.Method.Method, path, query, headers, body);

        RequestVerdict? verdict = null;
        if (!offContract)
        {
            verdict = contract.CheckRequest(call);
            if (verdict.Operation is null) Drift($"{call.Method} {call.Path}: {verdict.Problems[0]}");
            Interlocked.Increment(ref ownRequests);
            if (reported) Interlocked.Increment(ref requests);
        }

        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var responseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var answer = new OpenApiAnswer((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
            response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase),
            responseBody);
        var problems = offContract ? contract.CheckOffContractAnswer(answer) : contract.CheckAnswer(verdict!, answer);
        if (!offContract) KeepSample(verdict!, answer);
        Interlocked.Increment(ref ownResponses);
        if (reported) Interlocked.Increment(ref responses);
        if (problems.Count > 0) Drift($"{call.Method} {call.Path}{call.Query} → {answer.Status}: {string.Join("; ", problems)}");
        return response;
    }

    /// <summary>
    /// With <c>TONGBAN_OPENAPI_SAMPLES</c> naming a folder, keeps the first answer of each operation and status there
    /// (<c>{operationId}-{status}.json</c>): real answers to take the document's examples from (they are masked as the API masks).
    /// </summary>
    private static void KeepSample(RequestVerdict verdict, OpenApiAnswer answer)
    {
        if (Environment.GetEnvironmentVariable("TONGBAN_OPENAPI_SAMPLES") is not { Length: > 0 } folder || answer.Body.Length == 0
            || verdict.Operation?["operationId"]?.GetValue<string>() is not { } operation) return;
        var path = Path.Combine(folder, $"{operation}-{answer.Status}.json");
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            file.Write(answer.Body);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Kept already: the first answer stays.
        }
    }

    private void Drift(string what)
    {
        if (reported)
        {
            lock (Drifts) Drifts.Add(what);
        }

        throw new OpenApiDriftException("The hub and its OpenAPI document disagree: " + what);
    }

    private static void Report()
    {
        if (RequestsValidated == 0 && ResponsesValidated == 0) return;
        string line;
        lock (Drifts)
        {
            line = $"openapi: validated requests={RequestsValidated} responses={ResponsesValidated} drift={Drifts.Count}"
                + (Drifts.Count > 0 ? " first=" + Drifts[0] : "");
        }

        Console.WriteLine(line);
        if (Environment.GetEnvironmentVariable("TONGBAN_FAULT_REPORT") is { Length: > 0 } report) File.AppendAllText(report, line + "\n");
    }
}

/// <summary>The hub and its OpenAPI document disagree.</summary>
public sealed class OpenApiDriftException(string message) : Exception(message);

/// <summary>A request as the document judges it: method, path as sent (escaped), raw query (with its <c>?</c>), headers, body.</summary>
public sealed record OpenApiCall(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[]? Body);

/// <summary>An answer: status, media type, headers, body.</summary>
public sealed record OpenApiAnswer(int Status, string? MediaType, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>The operation a request reached (null: none documented) and what is wrong with the request by the document.</summary>
public sealed record RequestVerdict(string Method, string Path, JsonObject? Operation, IReadOnlyList<string> Problems);

/// <summary>
/// The OpenAPI document as a validator: operations found by method and path template, schemas evaluated with JSON
/// Schema 2020-12 (JsonSchema.Net) after its <c>#/components/schemas/X</c> references are pointed at a registered copy.
/// </summary>
public sealed partial class OpenApiContract
{
    private const string SchemasBase = "urn:tongban:openapi:schemas";

    private readonly JsonObject document;
    private readonly List<(Regex Pattern, string Template, JsonObject PathItem)> paths;
    private readonly EvaluationOptions options;

    private OpenApiContract(JsonObject document)
    {
        this.document = document;
        paths = document["paths"]!.AsObject()
            .Select(p => (new Regex("^" + TemplateParameter().Replace(Regex.Escape(p.Key).Replace("\\{", "{", StringComparison.Ordinal), "(?<$1>[^/]+)") + "/?$"),
                p.Key, p.Value!.AsObject()))
            .ToList();
        options = new EvaluationOptions { RequireFormatValidation = true, OutputFormat = OutputFormat.List };
        var defs = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = SchemasBase,
            ["$defs"] = Rewrite(document["components"]!["schemas"]!),
        };
        options.SchemaRegistry.Register(JsonSchema.FromText(defs.ToJsonString()));
    }

    public static OpenApiContract Load(ReadOnlyMemory<byte> json) =>
        new(JsonNode.Parse(json.Span)!.AsObject());

    public JsonObject Document => document;

    /// <summary>Finds the operation and lists what is wrong with the request by the document (empty: valid).</summary>
    public RequestVerdict CheckRequest(OpenApiCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var found = paths.Select(p => (p, Match: p.Pattern.Match(call.Path))).FirstOrDefault(x => x.Match.Success);
        if (found.Match is null) return new RequestVerdict(call.Method, call.Path, null, ["no such path in the document"]);
        if (found.p.PathItem[call.Method.ToLowerInvariant()] is not JsonObject operation)
            return new RequestVerdict(call.Method, found.p.Template, null, [$"the document has no {call.Method} on {found.p.Template}"]);

        var problems = new List<string>();
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(call.Query);
        foreach (var parameter in Parameters(found.p.PathItem, operation))
        {
            var name = parameter["name"]!.GetValue<string>();
            var place = parameter["in"]!.GetValue<string>();
            var value = place switch
            {
                "path" => found.Match.Groups[name].Success ? Uri.UnescapeDataString(found.Match.Groups[name].Value) : null,
                "query" => query.TryGetValue(name, out var values) ? values.ToString() : null,
                "header" => call.Headers.TryGetValue(name, out var header) ? header : null,
                _ => null,
            };
            if (value is null)
            {
                if (parameter["required"]?.GetValue<bool>() == true) problems.Add($"{place} parameter {name} is missing");
                continue;
            }

            if (place == "query" && query[name].Count > 1)
            {
                problems.Add($"query parameter {name} is given more than once");
                continue;
            }

            problems.AddRange(Evaluate(parameter["schema"]!, AsParameterValue(parameter["schema"]!, value)).Select(e => $"{place} parameter {name}: {e}"));
        }

        problems.AddRange(CheckSecurity(operation, call));
        if (operation["requestBody"] is JsonObject requestBody)
        {
            var content = Resolve(requestBody)["content"]!.AsObject();
            if (call.Body is null || call.Body.Length == 0)
            {
                if (requestBody["required"]?.GetValue<bool>() == true) problems.Add("the body is missing");
            }
            else if (!call.Headers.TryGetValue("Content-Type", out var type) || content[type.Split(';')[0].Trim().ToLowerInvariant()] is not JsonObject media)
            {
                problems.Add($"the body's media type is not one the document lists ({string.Join(", ", content.Select(c => c.Key))})");
            }
            else
            {
                problems.AddRange(EvaluateJson(media["schema"]!, call.Body).Select(e => "body: " + e));
            }
        }

        return new RequestVerdict(call.Method, found.p.Template, operation, problems);
    }

    /// <summary>What is wrong with an answer to a documented operation (empty: it matches the document).</summary>
    public IReadOnlyList<string> CheckAnswer(RequestVerdict verdict, OpenApiAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        ArgumentNullException.ThrowIfNull(answer);
        var problems = new List<string>();
        var responses = verdict.Operation!["responses"]!.AsObject();
        var status = answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var documented = responses[status] ?? responses[status[0] + "XX"];
        if (documented is null)
        {
            return [$"status {status} is not documented for {verdict.Method} {verdict.Path} (documented: {string.Join(", ", responses.Select(r => r.Key))})"];
        }

        if (answer.Status is >= 200 and < 300 && verdict.Problems.Count > 0)
        {
            problems.Add("the hub accepted a request the document calls invalid: " + string.Join("; ", verdict.Problems));
        }

        problems.AddRange(CheckResponse(Resolve(documented.AsObject()), answer));
        return problems;
    }

    /// <summary>An answer to a request that left the contract on purpose: it must be a problem of a documented type.</summary>
    public IReadOnlyList<string> CheckOffContractAnswer(OpenApiAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (answer.Status < 400) return [];
        if (answer.MediaType != "application/problem+json") return [$"an error answered as {answer.MediaType ?? "no body"}, not application/problem+json"];
        return EvaluateJson(new JsonObject { ["$ref"] = "#/components/schemas/Problem" }, answer.Body).Select(e => "body: " + e).ToList();
    }

    private List<string> CheckResponse(JsonObject response, OpenApiAnswer answer)
    {
        var problems = new List<string>();
        foreach (var (name, header) in response["headers"]?.AsObject() ?? [])
        {
            var definition = Resolve(header!.AsObject());
            if (!answer.Headers.TryGetValue(name, out var value))
            {
                if (definition["required"]?.GetValue<bool>() == true) problems.Add($"header {name} is missing");
                continue;
            }

            problems.AddRange(Evaluate(definition["schema"]!, JsonValue.Create(value)).Select(e => $"header {name}: {e}"));
        }

        if (response["content"] is not JsonObject content)
        {
            if (answer.Body.Length > 0) problems.Add("a body where the document has none");
            return problems;
        }

        if (answer.MediaType is null || content[answer.MediaType] is not JsonObject media)
        {
            problems.Add($"media type {answer.MediaType ?? "(none)"} is not one the document lists ({string.Join(", ", content.Select(c => c.Key))})");
            return problems;
        }

        if (answer.MediaType.EndsWith("json", StringComparison.Ordinal)) problems.AddRange(EvaluateJson(media["schema"]!, answer.Body).Select(e => "body: " + e));
        return problems;
    }

    private IEnumerable<string> CheckSecurity(JsonObject operation, OpenApiCall call)
    {
        var requirements = (operation["security"] ?? document["security"])?.AsArray();
        if (requirements is null || requirements.Count == 0) yield break;
        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        // One requirement object (all of its schemes together) must hold.
        var missing = requirements.Select(r => r!.AsObject().Select(s => schemes[s.Key]!)
            .Where(scheme => !Carries(call, scheme)).Select(scheme => scheme["name"]!.GetValue<string>()).ToList()).ToList();
        if (missing.All(m => m.Count > 0)) yield return "security header(s) missing: " + string.Join(", ", missing.OrderBy(m => m.Count).First());
    }

    /// <summary>A header scheme by its header; a cookie scheme (the console's session) by its cookie in the Cookie header.</summary>
    private static bool Carries(OpenApiCall call, JsonNode scheme)
    {
        var name = scheme["name"]!.GetValue<string>();
        if (scheme["in"]?.GetValue<string>() != "cookie") return call.Headers.ContainsKey(name);
        return call.Headers.TryGetValue("Cookie", out var cookies)
            && cookies.Split([';', ','], StringSplitOptions.TrimEntries).Any(c => c.StartsWith(name + "=", StringComparison.Ordinal));
    }

    private IEnumerable<JsonObject> Parameters(JsonObject pathItem, JsonObject operation) =>
        (pathItem["parameters"]?.AsArray() ?? []).Concat(operation["parameters"]?.AsArray() ?? []).Select(p => Resolve(p!.AsObject()));

    /// <summary>Follows a local <c>$ref</c> (components) to what it names.</summary>
    private JsonObject Resolve(JsonObject node)
    {
        while (node["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith("#/", StringComparison.Ordinal))
        {
            JsonNode target = document;
            foreach (var part in reference[2..].Split('/')) target = target[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]!;
            node = target.AsObject();
        }

        return node;
    }

    /// <summary>A parameter's text as the JSON value its schema speaks of: a number where the schema wants an integer.</summary>
    private JsonNode? AsParameterValue(JsonNode schema, string value)
    {
        var resolved = Resolve(schema.AsObject());
        return resolved["type"]?.GetValue<string>() is "integer" && long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign,
            System.Globalization.CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : JsonValue.Create(value);
    }

    private List<string> EvaluateJson(JsonNode schema, byte[] body)
    {
        JsonNode? json;
        try
        {
            json = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            return ["not JSON: " + e.Message];
        }

        return Evaluate(schema, json);
    }

    private List<string> Evaluate(JsonNode schema, JsonNode? instance)
    {
        var wrapped = Rewrite(schema).AsObject();
        wrapped["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        var result = JsonSchema.FromText(wrapped.ToJsonString()).Evaluate(instance, options);
        if (result.IsValid) return [];
        return (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Key}: {e.Value}"))
            .DefaultIfEmpty("does not match its schema").Take(8).ToList();
    }

    /// <summary>A copy of a schema with <c>#/components/schemas/X</c> pointed at the registered <c>$defs</c> copy.</summary>
    private static JsonNode Rewrite(JsonNode schema)
    {
        var copy = schema.DeepClone();
        Walk(copy);
        return copy;

        static void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    if (o["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                        o["$ref"] = SchemasBase + "#/$defs/" + reference["#/components/schemas/".Length..];
                    // OpenAPI's own keywords in a schema say nothing to JSON Schema.
                    o.Remove("discriminator");
                    foreach (var (_, child) in o.ToList()) Walk(child);
                    break;
                case JsonArray a:
                    foreach (var child in a) Walk(child);
                    break;
            }
        }
    }

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)\}")]
    private static partial Regex TemplateParameter();
}
