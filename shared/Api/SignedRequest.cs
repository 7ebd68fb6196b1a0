using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Tongban.Api;

/// <summary>A request whose signature held: who signed it (a partner's member code or an operator's ID) and its body.</summary>
public sealed record SignedRequest(string Caller, byte[] Body)
{
    /// <summary>
    /// Reads and authenticates a request: the caller (partner or operator, as <paramref name="authenticate"/> decides) and its
    /// body, or the problem to answer (413, 401 or 429, 415 in that order).
    /// </summary>
    public static async Task<SignedRequestResult> ReadAsync(HttpRequest request, bool requireJson,
        Func<HttpRequest, byte[], CancellationToken, Task<(string? Caller, IResult? Problem)>> authenticate)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(authenticate);
        var body = await RequestBody.ReadAsync(request, request.HttpContext.RequestAborted);
        if (body is null) return SignedRequestResult.Refused(Problems.PayloadTooLarge(RequestBody.Limit));
        var (caller, refused) = await authenticate(request, body, request.HttpContext.RequestAborted);
        if (caller is null) return SignedRequestResult.Refused(refused ?? throw new InvalidOperationException("An authenticator that refuses names its problem."));
        if (requireJson && !RequestBody.IsJson(request)) return SignedRequestResult.Refused(Problems.UnsupportedMediaType());
        return SignedRequestResult.Authenticated(new SignedRequest(caller, body));
    }

    /// <summary>The body as JSON, or false when it is not JSON text (answer <see cref="RequestBody.NotJson"/>).</summary>
    public bool TryParseJson(out JsonElement json) => RequestBody.TryParseJson(Body, out json);
}

/// <summary>What reading a signed request gave: the authenticated request, or the problem to answer instead.</summary>
public sealed class SignedRequestResult
{
    private readonly SignedRequest? request;
    private readonly IResult? problem;

    private SignedRequestResult(SignedRequest? request, IResult? problem)
    {
        this.request = request;
        this.problem = problem;
    }

    public static SignedRequestResult Authenticated(SignedRequest request) => new(request ?? throw new ArgumentNullException(nameof(request)), null);

    public static SignedRequestResult Refused(IResult problem) => new(null, problem ?? throw new ArgumentNullException(nameof(problem)));

    /// <summary>True with the request when its signature held; false with the problem to answer when it did not.</summary>
    public bool TryGet([NotNullWhen(true)] out SignedRequest? authenticated, [NotNullWhen(false)] out IResult? refusal)
    {
        authenticated = request;
        refusal = problem;
        return request is not null;
    }
}
