using System.Net.Http.Headers;
using Tongban.Client;

namespace Tongban.Tests.Client;

/// <summary>problem+json answers as typed exceptions: type, title, status, detail, field errors, trace and Retry-After.</summary>
public sealed class ProblemParsingTests
{
    private static readonly MediaTypeHeaderValue ProblemJson = new("application/problem+json");

    [Fact]
    public void Validation_keeps_every_field_and_its_messages()
    {
        const string body = """
            {"type":"urn:tongban:problem:validation","title":"The request is not valid","status":400,"detail":"See errors for each field.",
             "errors":{"details.partyA.idNumber":["Not a valid ID number."],"Idempotency-Key":["Required: 8 to 128 characters.","x"]},"traceId":"abc123"}
            """;

        var error = Assert.IsType<TongbanValidationException>(TongbanProblemException.From(400, ProblemJson, body));

        Assert.Equal("urn:tongban:problem:validation", error.Type);
        Assert.Equal("validation", error.Kind);
        Assert.Equal("The request is not valid", error.Title);
        Assert.Equal(400, error.Status);
        Assert.Equal("See errors for each field.", error.Detail);
        Assert.Equal("abc123", error.TraceId);
        Assert.Equal(["Not a valid ID number."], error.Errors["details.partyA.idNumber"]);
        Assert.Equal(["Required: 8 to 128 characters.", "x"], error.Errors["Idempotency-Key"]);
        Assert.Contains("details.partyA.idNumber: Not a valid ID number.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unauthenticated", 401, typeof(TongbanUnauthenticatedException))]
    [InlineData("forbidden", 403, typeof(TongbanForbiddenException))]
    [InlineData("not-found", 404, typeof(TongbanNotFoundException))]
    [InlineData("conflict", 409, typeof(TongbanConflictException))]
    [InlineData("rate-limited", 429, typeof(TongbanRateLimitedException))]
    [InlineData("unavailable", 503, typeof(TongbanUnavailableException))]
    [InlineData("payload-too-large", 413, typeof(TongbanProblemException))]
    [InlineData("internal", 500, typeof(TongbanProblemException))]
    public void Each_problem_type_has_its_exception(string type, int status, Type expected)
    {
        var error = TongbanProblemException.From(status, ProblemJson, RetryHandlerTests.Problem(type, status), TimeSpan.FromSeconds(3));

        Assert.IsType(expected, error);
        Assert.Equal(type, error.Kind);
        Assert.Equal(status, error.Status);
        Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
        Assert.Empty(error.Errors);
    }

    [Theory]
    [InlineData("text/html", "<html>Bad gateway</html>")]
    [InlineData("application/problem+json", "not json")]
    [InlineData("application/problem+json", "[1,2]")]
    [InlineData("application/problem+json", "")]
    public void An_answer_that_is_not_a_problem_keeps_its_status(string contentType, string body)
    {
        var error = TongbanProblemException.From(502, new MediaTypeHeaderValue(contentType), body);

        Assert.Equal(typeof(TongbanProblemException), error.GetType());
        Assert.Equal("about:blank", error.Type);
        Assert.Equal(502, error.Status);
        Assert.Equal("HTTP 502", error.Title);
    }

    [Fact]
    public async Task A_client_call_throws_the_typed_problem_with_the_Retry_After_it_came_with()
    {
        using var hub = new StubHub().Answer(_ => StubHub.Response(404, RetryHandlerTests.Problem("not-found", 404), "application/problem+json"));
        using var client = TongbanClient.Create(new Uri("http://127.0.0.1:7071/"), TongbanCredentials.Partner("310000", "s"), inner: hub);

        var error = await Assert.ThrowsAsync<TongbanNotFoundException>(() => client.GetCaseAsync("c-missing"));

        Assert.Equal(404, error.Status);
        Assert.Equal("/api/v1/cases/c-missing", Assert.Single(hub.Sent).PathAndQuery);
    }
}
