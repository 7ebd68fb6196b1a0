using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Tongban.Api;
using Tongban.Api.OpenApi;

namespace Tongban.Tests.Api.OpenApi;

public sealed class OpenApiDocumentTests
{
    [Fact]
    public async Task Serves_the_embedded_document_with_its_etag_and_cache_lifetime()
    {
        var (status, headers, body) = await ServeAsync(ifNoneMatch: null);

        Assert.Equal(200, status);
        Assert.Equal(OpenApiDocument.Content.ToArray(), body);
        Assert.Equal(OpenApiDocument.ETag, headers.ETag.ToString());
        Assert.Matches("^\"[0-9a-f]{32}\"$", OpenApiDocument.ETag);
        Assert.Equal(OpenApiDocument.CacheControl, headers.CacheControl.ToString());
        Assert.Equal("3.1.0", JsonNode.Parse(body)!["openapi"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Answers_304_without_a_body_to_its_own_etag_or_a_star(bool star)
    {
        var (status, headers, body) = await ServeAsync(star ? "*" : $"\"other\", {OpenApiDocument.ETag}");

        Assert.Equal(304, status);
        Assert.Empty(body);
        Assert.Equal(OpenApiDocument.ETag, headers.ETag.ToString());
    }

    [Theory]
    [InlineData("\"0123456789abcdef0123456789abcdef\"")]
    [InlineData("W/\"stale\"")]
    [InlineData("not an etag")]
    public async Task Answers_the_whole_document_to_another_or_malformed_etag(string ifNoneMatch)
    {
        var (status, _, body) = await ServeAsync(ifNoneMatch);

        Assert.Equal(200, status);
        Assert.Equal(OpenApiDocument.Content.Length, body.Length);
    }

    [Fact]
    public async Task Lists_every_problem_type_the_hub_answers_with_its_status()
    {
        var document = JsonNode.Parse(OpenApiDocument.Content.Span)!;
        var schemas = document["components"]!["schemas"]!;
        var listed = schemas["ProblemType"]!["enum"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        IResult[] every =
        [
            Problems.Validation(new Dictionary<string, string[]> { ["f"] = ["m"] }), Problems.Unauthenticated(), Problems.RateLimited(TimeSpan.FromSeconds(2)),
            Problems.Forbidden("d"), Problems.NotFound(), Problems.Conflict("d"), Problems.PayloadTooLarge(1), Problems.UnsupportedMediaType(),
            Problems.Unavailable("d"), .. new[] { 400, 404, 405, 413, 415, 500, 502, 503 }.Select(s => Problems.Internal(s)),
        ];
        var answered = new HashSet<(string Type, int Status)>();
        foreach (var result in every)
        {
            var (_, _, json) = await ProblemsTests.ExecuteAsync(result);
            answered.Add((json["type"]!.GetValue<string>(), json["status"]!.GetValue<int>()));
        }

        Assert.Equal(answered.Select(a => a.Type).Distinct().Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        // Each type's own schema (e.g. ConflictProblem) holds its status.
        foreach (var (type, status) in answered)
        {
            var own = schemas.AsObject().Select(s => s.Value!).SingleOrDefault(s => s["properties"]?["type"]?["const"]?.GetValue<string>() == type);
            if (own is null)
            {
                Assert.Equal("urn:tongban:problem:method-not-allowed", type); // answered only off the documented operations
                continue;
            }

            var expected = own["properties"]!["status"]!;
            if (expected["const"] is { } exact) Assert.Equal(exact.GetValue<int>(), status);
            else Assert.True(status >= expected["minimum"]!.GetValue<int>(), $"{type} answered {status}");
        }
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tongban.slnx"))) return dir.FullName;
        }

        throw new InvalidOperationException("Tongban.slnx not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int Status, IHeaderDictionary Headers, byte[] Body)> ServeAsync(string? ifNoneMatch)
    {
        var context = new DefaultHttpContext();
        if (ifNoneMatch is not null) context.Request.Headers.IfNoneMatch = ifNoneMatch;
        using var body = new MemoryStream();
        context.Response.Body = body;
        await OpenApiDocument.Serve(context.Request).ExecuteAsync(context);
        return (context.Response.StatusCode, context.Response.Headers, body.ToArray());
    }
}
