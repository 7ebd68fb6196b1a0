using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>
/// Loses the answer to the first request that <paramref name="matches"/>, after the service has carried it out (a timeout
/// or a dropped connection on a loaded store): it is sent, its answer thrown away, and an <see cref="IOException"/> raised,
/// which Azure.Core's retry policy answers by sending the request again. So the retry meets its own first attempt's effect
/// (an insert's 409, a conditional write's 412), as under overload.
/// </summary>
public sealed class LostResponses(Func<Request, bool> matches) : HttpPipelinePolicy
{
    private int lost;

    /// <summary>How many answers were lost (one at most).</summary>
    public int Lost => Volatile.Read(ref lost);

    /// <summary>A table service client on <paramref name="connectionString"/> whose first matching request loses its answer.</summary>
    public TableServiceClient Tables(string connectionString)
    {
        var options = new TableClientOptions();
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
        return new TableServiceClient(connectionString, options);
    }

    /// <summary>Inserts (POST) into <paramref name="table"/>.</summary>
    public static Func<Request, bool> InsertsInto(string table) =>
        request => request.Method == RequestMethod.Post && request.Uri.Path.TrimEnd('/').EndsWith("/" + table, StringComparison.Ordinal);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        LoseIfMatched(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline);
        LoseIfMatched(message);
    }

    private void LoseIfMatched(HttpMessage message)
    {
        if (!matches(message.Request) || Interlocked.CompareExchange(ref lost, 1, 0) != 0) return;
        throw new IOException("The answer was lost (test): the request was carried out, and the client sends it again.");
    }
}
