using System.Text;
using System.Text.Json.Nodes;
using Tongban.Api.OpenApi;
using Tongban.IntegrationTests.Infrastructure;

namespace Tongban.IntegrationTests.OpenApi;

/// <summary>The validator the integration tests' clients go through: what it calls drift, and what it lets pass. No hub needed.</summary>
public sealed class OpenApiConformanceTests
{
    private static readonly OpenApiContract Contract = OpenApiContract.Load(OpenApiDocument.Content);

    private static readonly Dictionary<string, string> Signed = new(StringComparer.OrdinalIgnoreCase)
    {
        ["X-Tongban-Partner"] = "310000", ["X-Tongban-Timestamp"] = "1", ["X-Tongban-Nonce"] = "n0nce-0000000001", ["X-Tongban-Signature"] = "c2ln",
    };

    [Fact]
    public void An_unknown_path_or_method_finds_no_operation()
    {
        Assert.Null(Contract.CheckRequest(Call("GET", "/api/v1/no-such-thing")).Operation);
        Assert.Null(Contract.CheckRequest(Call("DELETE", "/api/v1/cases")).Operation);
        Assert.NotNull(Contract.CheckRequest(Call("GET", "/api/v1/cases/c-0123456789abcdef0123456789abcdef")).Operation);
    }

    [Fact]
    public void A_status_the_operation_does_not_list_is_drift()
    {
        var verdict = Contract.CheckRequest(Call("GET", "/api/v1/cases"));
        Assert.Empty(verdict.Problems);

        var problems = Contract.CheckAnswer(verdict, Answer(418, "application/problem+json", Problem(418, "internal")));
        Assert.Contains(problems, p => p.Contains("status 418 is not documented", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_example_in_the_document_is_valid_by_its_schema()
    {
        var document = Contract.Document;
        var checkedExamples = 0;
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                foreach (var (status, response) in operation!["responses"]!.AsObject())
                {
                    var resolved = Resolve(document, response!);
                    foreach (var (media, content) in resolved["content"]?.AsObject() ?? [])
                    {
                        foreach (var example in Examples(document, content!))
                        {
                            var verdict = Contract.CheckRequest(Call(method.ToUpperInvariant(), path.Replace("{caseId}", "c-0123456789abcdef0123456789abcdef", StringComparison.Ordinal)
                                .Replace("{code}", "310000", StringComparison.Ordinal)));
                            var headers = (resolved["headers"]?.AsObject() ?? []).ToDictionary(h => h.Key, h => h.Key switch
                            {
                                "Location" => "/api/v1/cases/c-0123456789abcdef0123456789abcdef", "ETag" => OpenApiDocument.ETag, "Retry-After" => "1", _ => "x",
                            });
                            var problems = Contract.CheckAnswer(verdict with { Problems = [] }, new OpenApiAnswer(int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), media,
                                headers, Encoding.UTF8.GetBytes(example.ToJsonString())));
                            Assert.True(problems.Count == 0, $"{method} {path} {status}: {string.Join("; ", problems)}");
                            checkedExamples++;
                        }
                    }
                }

                if (operation["requestBody"]?["content"]?["application/json"] is { } requestMedia)
                {
                    foreach (var example in Examples(document, requestMedia))
                    {
                        var call = Call(method.ToUpperInvariant(), path.Replace("{caseId}", "c-0123456789abcdef0123456789abcdef", StringComparison.Ordinal)
                            .Replace("{code}", "310000", StringComparison.Ordinal), example.ToJsonString());
                        var verdict = Contract.CheckRequest(call);
                        Assert.True(verdict.Problems.All(p => p.StartsWith("security", StringComparison.Ordinal)), $"{method} {path}: {string.Join("; ", verdict.Problems)}");
                        checkedExamples++;
                    }
                }
            }
        }

        Assert.True(checkedExamples >= 8, $"only {checkedExamples} examples found");
    }

    [Fact]
    public void A_body_that_leaves_the_schema_is_drift_and_names_where()
    {
        var verdict = Contract.CheckRequest(Call("GET", "/api/v1/cases"));
        var page = new JsonObject { ["items"] = new JsonArray(), ["continuation"] = null, ["total"] = 3 };

        var problems = Contract.CheckAnswer(verdict, Answer(200, "application/json", page.ToJsonString()));
        Assert.NotEmpty(problems);
        Assert.Contains(problems, p => p.StartsWith("body:", StringComparison.Ordinal));

        var wrongMedia = Contract.CheckAnswer(verdict, Answer(200, "text/plain", "{}"));
        Assert.Contains(wrongMedia, p => p.Contains("media type text/plain", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("3.01:02:03.4560000", true)]
    [InlineData("00:05:00", true)]
    [InlineData(null, true)]
    [InlineData("three days", false)]
    public void An_overdue_deadline_in_the_sla_view_carries_a_timespan_or_null(string? missedBy, bool valid)
    {
        var verdict = Contract.CheckRequest(Call("GET", "/api/v1/operator/sla") with
        {
            Headers = new Dictionary<string, string> { ["X-Tongban-Operator"] = "ops", ["X-Tongban-Timestamp"] = "1", ["X-Tongban-Nonce"] = "n0nce-0000000001", ["X-Tongban-Signature"] = "c2ln" },
        });
        var open = new JsonObject
        {
            ["caseId"] = "c-0123456789abcdef0123456789abcdef", ["caseType"] = "marriage-registration", ["province"] = "310000",
            ["deadline"] = "marriage-registered-same-day-as-review", ["startedAt"] = "2026-12-01T04:00:00+00:00", ["due"] = "2026-12-01T16:00:00+00:00",
            ["state"] = "missed", ["missedBy"] = missedBy,
        };
        var report = new JsonObject { ["since"] = "2026-09-01T00:00:00+00:00", ["lines"] = new JsonArray(), ["open"] = new JsonArray(open), ["hubShare"] = new JsonArray() };

        var problems = Contract.CheckAnswer(verdict, Answer(200, "application/json", report.ToJsonString()));
        Assert.True(valid == (problems.Count == 0), string.Join("; ", problems));
    }

    [Fact]
    public void A_problem_of_another_type_than_its_status_documents_is_drift()
    {
        var verdict = Contract.CheckRequest(Call("GET", "/api/v1/cases/c-0123456789abcdef0123456789abcdef"));

        Assert.Empty(Contract.CheckAnswer(verdict, Answer(404, "application/problem+json", Problem(404, "not-found"))));
        Assert.NotEmpty(Contract.CheckAnswer(verdict, Answer(404, "application/problem+json", Problem(404, "conflict"))));
    }

    [Fact]
    public void A_request_the_document_refuses_may_be_refused_but_not_accepted()
    {
        var body = """{"caseType":"marriage-registration","reference":"r","handlingProvince":"310000","details":{"registryCode":"310115","partyA":{"idNumber":"12","name":"a","hukouProvince":"330000"},"partyB":{"idNumber":"310115199608199825","name":"b","hukouProvince":"310000"}}}""";
        var headers = new Dictionary<string, string>(Signed, StringComparer.OrdinalIgnoreCase) { ["Idempotency-Key"] = "key-00000001", ["Content-Type"] = "application/json" };
        var verdict = Contract.CheckRequest(new OpenApiCall("POST", "/api/v1/cases", "", headers, Encoding.UTF8.GetBytes(body)));
        Assert.Contains(verdict.Problems, p => p.Contains("/details/partyA/idNumber", StringComparison.Ordinal));

        Assert.Empty(Contract.CheckAnswer(verdict, Answer(400, "application/problem+json", ValidationProblem())));
        var accepted = Contract.CheckAnswer(verdict, Answer(200, "application/json", "{}"));
        Assert.Contains(accepted, p => p.StartsWith("the hub accepted a request the document calls invalid", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_signature_headers_and_idempotency_key_make_a_request_invalid()
    {
        var verdict = Contract.CheckRequest(new OpenApiCall("POST", "/api/v1/cases", "", new Dictionary<string, string>(), null));

        Assert.Contains(verdict.Problems, p => p.Contains("X-Tongban-Partner", StringComparison.Ordinal));
        Assert.Contains(verdict.Problems, p => p.Contains("Idempotency-Key", StringComparison.Ordinal));
        Assert.Contains(verdict.Problems, p => p == "the body is missing");
    }

    [Fact]
    public void Query_parameters_are_checked_by_their_schema_and_unknown_ones_pass()
    {
        Assert.Empty(Contract.CheckRequest(Call("GET", "/api/v1/cases", query: "?pageSize=200&status=Completed&whatever=1")).Problems);
        Assert.Contains(Contract.CheckRequest(Call("GET", "/api/v1/cases", query: "?pageSize=0")).Problems, p => p.Contains("pageSize", StringComparison.Ordinal));
        Assert.Contains(Contract.CheckRequest(Call("GET", "/api/v1/cases", query: "?status=Done")).Problems, p => p.Contains("status", StringComparison.Ordinal));
        Assert.Contains(Contract.CheckRequest(Call("GET", "/api/v1/cases", query: "?status=Completed&status=Failed")).Problems,
            p => p.Contains("more than once", StringComparison.Ordinal));
    }

    [Fact]
    public void An_off_contract_answer_must_still_be_a_problem()
    {
        Assert.Empty(Contract.CheckOffContractAnswer(Answer(405, "application/problem+json", Problem(405, "method-not-allowed"))));
        Assert.NotEmpty(Contract.CheckOffContractAnswer(Answer(404, "text/plain", "nope")));
        Assert.NotEmpty(Contract.CheckOffContractAnswer(Answer(404, "application/problem+json", """{"type":"about:blank","status":404}""")));
    }

    [Fact]
    public async Task The_handler_throws_on_drift_and_counts_what_it_validated()
    {
        var conformance = new OpenApiConformance(reported: false) { InnerHandler = new Answering(Answer(200, "application/json", """{"items":[],"continuation":null}""")) };
        using var http = new HttpClient(conformance)
        {
            BaseAddress = new Uri("http://127.0.0.1:9"),
        };
        using var fine = new HttpRequestMessage(HttpMethod.Get, "/api/v1/cases");
        foreach (var (name, value) in Signed) fine.Headers.TryAddWithoutValidation(name, value);
        using var response = await http.SendAsync(fine);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal((1, 1), (conformance.Requests, conformance.Responses));

        using var stranger = new HttpRequestMessage(HttpMethod.Get, "/api/v2/cases");
        var drift = await Assert.ThrowsAsync<OpenApiDriftException>(() => http.SendAsync(stranger));
        Assert.Contains("/api/v2/cases", drift.Message, StringComparison.Ordinal);
    }

    private sealed class Answering(OpenApiAnswer answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(answer.Body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(answer.MediaType!);
            return Task.FromResult(new HttpResponseMessage((System.Net.HttpStatusCode)answer.Status) { Content = content, RequestMessage = request });
        }
    }

    private static OpenApiCall Call(string method, string path, string? body = null, string query = "")
    {
        var headers = new Dictionary<string, string>(Signed, StringComparer.OrdinalIgnoreCase);
        if (body is not null) headers["Content-Type"] = "application/json";
        if (method == "POST" && path == "/api/v1/cases") headers["Idempotency-Key"] = "key-00000001";
        return new OpenApiCall(method, path, query, headers, body is null ? null : Encoding.UTF8.GetBytes(body));
    }

    private static OpenApiAnswer Answer(int status, string mediaType, string body) =>
        new(status, mediaType, new Dictionary<string, string>(), Encoding.UTF8.GetBytes(body));

    private static string Problem(int status, string type) =>
        new JsonObject { ["type"] = "urn:tongban:problem:" + type, ["title"] = "t", ["status"] = status, ["detail"] = "d", ["traceId"] = "abc" }.ToJsonString();

    private static string ValidationProblem() =>
        new JsonObject
        {
            ["type"] = "urn:tongban:problem:validation", ["title"] = "t", ["status"] = 400, ["detail"] = "d", ["traceId"] = "abc",
            ["errors"] = new JsonObject { ["details.partyA.idNumber"] = new JsonArray("bad") },
        }.ToJsonString();

    private static JsonNode Resolve(JsonNode document, JsonNode node)
    {
        while (node["$ref"]?.GetValue<string>() is { } reference)
        {
            node = reference[2..].Split('/').Aggregate(document, (at, part) => at[part]!);
        }

        return node;
    }

    private static IEnumerable<JsonNode> Examples(JsonNode document, JsonNode media)
    {
        if (media["example"] is { } one) yield return one;
        foreach (var (_, example) in media["examples"]?.AsObject() ?? []) yield return Resolve(document, example!)["value"]!;
    }
}
