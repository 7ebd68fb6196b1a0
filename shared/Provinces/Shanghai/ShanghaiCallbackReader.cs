using Microsoft.AspNetCore.Http;

namespace Tongban.Provinces.Shanghai;

/// <summary>Shanghai's callbacks (shanghai.md): X-Ca-* signed with the callback key and secret.</summary>
public sealed class ShanghaiCallbackReader : IProvinceCallbackReader
{
    public string Scheme => ShanghaiAdapter.SchemeName;

    public (ProvinceCallback? Callback, CallbackRefusal? Refusal) Read(ProvinceEndpoint endpoint, HttpRequest request, string pathAndQuery, byte[] body, DateTimeOffset now)
    {
        var read = ShanghaiCallback.Read(request.Method, pathAndQuery, request.Headers, body,
            endpoint.Require("callbackKey"), endpoint.Require("callbackSecret"), now);
        if (read.IsValid) return (new ProvinceCallback(read.Ticket!, read.Result!, read.Nonce!), null);
        var unauthenticated = read.Failure is not ShanghaiCallbackFailure.MalformedBody;
        return (null, new CallbackRefusal(unauthenticated, read.FailureReason ?? read.Failure.ToString()));
    }
}
