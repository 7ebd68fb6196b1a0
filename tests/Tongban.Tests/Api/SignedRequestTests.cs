using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tongban.Api;

namespace Tongban.Tests.Api;

/// <summary>Reading a signed request: the authenticated caller and body, or the one problem to answer (413, then 401/429, then 415).</summary>
public class SignedRequestTests
{
    private static readonly byte[] Json = Encoding.UTF8.GetBytes("""{"reason":"x"}""");

    [Fact]
    public async Task An_accepted_request_carries_its_caller_and_body()
    {
        byte[]? seen = null;
        var read = await SignedRequest.ReadAsync(Request(Json, "application/json; charset=utf-8"), requireJson: true, (_, body, _) =>
        {
            seen = body;
            return Task.FromResult<(string?, IResult?)>(("330000", null));
        });

        Assert.True(read.TryGet(out var signed, out var problem));
        Assert.Null(problem);
        Assert.Equal("330000", signed.Caller);
        Assert.Equal(Json, signed.Body);
        Assert.Equal(Json, seen);
        Assert.True(signed.TryParseJson(out var json));
        Assert.Equal("x", json.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_refused_signature_answers_the_authenticators_problem()
    {
        var refusal = Problems.Unauthenticated();
        var read = await SignedRequest.ReadAsync(Request(Json, "application/json"), requireJson: true, Refuse(refusal));

        Assert.False(read.TryGet(out var signed, out var problem));
        Assert.Null(signed);
        Assert.Same(refusal, problem);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_before_any_signature_is_checked()
    {
        var checkedSignature = false;
        var read = await SignedRequest.ReadAsync(Request(new byte[RequestBody.Limit + 1], "application/json"), requireJson: true, (_, _, _) =>
        {
            checkedSignature = true;
            return Task.FromResult<(string?, IResult?)>(("330000", null));
        });

        Assert.False(read.TryGet(out _, out var problem));
        Assert.Equal(413, (await ProblemsTests.ExecuteAsync(problem)).Status);
        Assert.False(checkedSignature);
    }

    [Fact]
    public async Task A_body_that_must_be_json_and_is_sent_as_something_else_is_415_after_the_signature()
    {
        var read = await SignedRequest.ReadAsync(Request(Json, "text/plain"), requireJson: true, Accept("330000"));
        Assert.False(read.TryGet(out _, out var problem));
        Assert.Equal(415, (await ProblemsTests.ExecuteAsync(problem)).Status);

        // Unsigned and mistyped: the 401 comes first.
        var unsigned = await SignedRequest.ReadAsync(Request(Json, "text/plain"), requireJson: true, Refuse(Problems.Unauthenticated()));
        Assert.False(unsigned.TryGet(out _, out var first));
        Assert.Equal(401, (await ProblemsTests.ExecuteAsync(first)).Status);
    }

    [Fact]
    public async Task A_read_that_needs_no_json_takes_any_content_type_and_an_empty_body()
    {
        var read = await SignedRequest.ReadAsync(Request([], null), requireJson: false, Accept("operator-1"));
        Assert.True(read.TryGet(out var signed, out _));
        Assert.Equal("operator-1", signed.Caller);
        Assert.Empty(signed.Body);
        Assert.False(signed.TryParseJson(out _));
    }

    [Fact]
    public async Task An_authenticator_that_refuses_without_a_problem_is_a_defect() =>
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            SignedRequest.ReadAsync(Request(Json, "application/json"), requireJson: true, (_, _, _) => Task.FromResult<(string?, IResult?)>((null, null))));

    private static Func<HttpRequest, byte[], CancellationToken, Task<(string? Caller, IResult? Problem)>> Accept(string caller) =>
        (_, _, _) => Task.FromResult<(string?, IResult?)>((caller, null));

    private static Func<HttpRequest, byte[], CancellationToken, Task<(string? Caller, IResult? Problem)>> Refuse(IResult problem) =>
        (_, _, _) => Task.FromResult<(string?, IResult?)>((null, problem));

    private static HttpRequest Request(byte[] body, string? contentType)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().BuildServiceProvider() };
        context.Request.Method = "POST";
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentType = contentType;
        return context.Request;
    }
}
