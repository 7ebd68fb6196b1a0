using Polly.RateLimiting;
using Polly.Timeout;

namespace Tongban.Provinces.Resilience;

/// <summary>
/// Sits just outside the province's resilience handler and turns Polly's rejections into the province
/// exceptions the adapters and the dispatcher speak, so no adapter needs to know Polly. The adapters only
/// catch transport exceptions (HttpRequestException, IOException, cancellation), so these pass through them.
/// Messages carry no URI: some provinces put ID numbers in the path.
/// </summary>
internal sealed class ProvinceFaultTranslation(string province, TimeSpan limiterRetryAfter) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (RateLimiterRejectedException e)
        {
            var retryAfter = e.RetryAfter is { } hint && hint > TimeSpan.Zero ? hint : limiterRetryAfter;
            throw new ProvinceParkedException(province,
                $"Province {province}: the hub's rate limit for it is used up; the request was not sent (retry after {retryAfter}).", retryAfter, e);
        }
        catch (TimeoutRejectedException e)
        {
            throw new ProvinceTransientException(province, $"Province {province}: no answer within {e.Timeout}.", inner: e);
        }
    }
}
