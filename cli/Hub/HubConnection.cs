using System.Text.Json;
using System.Text.Json.Nodes;
using Tongban.Client;

namespace Tongban.Cli.Hub;

/// <summary>
/// The CLI's calls go through Tongban.Client (its signer, its retries of 429, 503 and an in-flight 409 after
/// <c>Retry-After</c>, its typed answers and problems); this turns what it throws into a <see cref="CliFailureException"/>
/// with the exit code for its kind, and its typed answers into JSON for output.
/// </summary>
public static class HubConnection
{
    public static TongbanClient Partner(Uri url, TongbanCredentials credentials, TimeProvider time) =>
        TongbanClient.Create(url, credentials, new TongbanClientOptions { Time = time });

    public static TongbanOperatorClient Operator(Uri url, TongbanCredentials credentials, TimeProvider time) =>
        TongbanOperatorClient.Create(url, credentials, new TongbanClientOptions { Time = time });

    /// <summary>A typed answer as JSON, as the client models it (camelCase, nulls left out).</summary>
    public static JsonNode? ToJson<T>(T value) => JsonSerializer.SerializeToNode(value, TongbanApiClient.Json);

    /// <summary>Runs one call, turning the client's exceptions into the exit code for their kind.</summary>
    public static async Task<T> CallAsync<T>(Uri url, Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call();
        }
        catch (TongbanProblemException problem)
        {
            throw Failure(problem);
        }
        catch (HttpRequestException e)
        {
            throw new CliFailureException(ExitCodes.Unavailable, $"cannot reach the hub at {url}: {e.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliFailureException(ExitCodes.Unavailable, $"the hub at {url} did not answer in time");
        }
    }

    /// <summary>The exit code and line for a problem the hub answered.</summary>
    public static CliFailureException Failure(TongbanProblemException problem)
    {
        var code = problem.Status switch
        {
            400 or 403 or 413 or 415 => ExitCodes.Refused,
            401 => ExitCodes.Authentication,
            404 => ExitCodes.NotFound,
            409 => ExitCodes.Conflict,
            429 or 503 => ExitCodes.Unavailable,
            _ => ExitCodes.Failure,
        };
        var line = $"{problem.Status} {problem.Title}" + (problem.Detail is { Length: > 0 } detail ? $": {detail}" : "");
        foreach (var (field, messages) in problem.Errors) line += $"\n  {field}: {string.Join(" ", messages)}";
        if (problem.RetryAfter is { } wait) line += $" (retry after {wait.TotalSeconds:0} s)";
        return new CliFailureException(code, line, ToJson(problem.Problem));
    }
}
