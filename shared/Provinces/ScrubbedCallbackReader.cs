using Microsoft.AspNetCore.Http;

namespace Tongban.Provinces;

/// <summary>
/// Every callback reader as the callback API uses it: the slow-work reason a province pushed, and the refusal text (which
/// is logged and answered), scrubbed of ID numbers in this one place, as <see cref="ScrubbedProvinceAdapter"/> does for calls.
/// </summary>
public sealed class ScrubbedCallbackReader(IProvinceCallbackReader inner) : IProvinceCallbackReader
{
    public string Scheme => inner.Scheme;

    public (ProvinceCallback? Callback, CallbackRefusal? Refusal) Read(ProvinceEndpoint endpoint, HttpRequest request, string pathAndQuery, byte[] body, DateTimeOffset now)
    {
        var (callback, refusal) = inner.Read(endpoint, request, pathAndQuery, body, now);
        return (
            callback is null ? null : callback with { Result = ScrubbedProvinceAdapter.Scrub(callback.Result) },
            refusal is null ? null : refusal with { Reason = ProvinceText.Scrub(refusal.Reason)! });
    }
}
