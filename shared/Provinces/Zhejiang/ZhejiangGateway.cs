using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Tongban.Provinces.Zhejiang;

/// <summary>
/// Zhejiang's token gateway (zhejiang.md): a form post per call, signed with the requestSecret of the current token
/// (<see cref="ZhejiangTokens"/>), answered by a code in the body (<see cref="ZhejiangCodes"/>). A secret the gateway
/// refuses (code 14) gets one fresh token and one retry.
/// </summary>
internal sealed class ZhejiangGateway : IDisposable
{
    private const string TokenPath = "/zj/gateway/token";
    private const string ApiPath = "/zj/gateway/api/";

    private readonly ProvinceEndpoint endpoint;
    private readonly ProvinceTransport transport;
    private readonly TimeProvider time;
    private readonly string appKey;
    private readonly string appSecret;
    private readonly ZhejiangTokens tokens;

    public ZhejiangGateway(ProvinceEndpoint endpoint, HttpClient http, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(time);
        this.endpoint = endpoint;
        this.time = time;
        appKey = endpoint.Require("appKey");
        appSecret = endpoint.Require("appSecret");
        transport = new ProvinceTransport(http, endpoint.Code, "Zhejiang", time);
        tokens = new ZhejiangTokens(time, RequestTokenAsync);
    }

    /// <summary>Calls <paramref name="serviceCode"/> with the form <paramref name="parameters"/> and reads its data with <paramref name="map"/>.</summary>
    public async Task<ProvinceAnswer<T>> CallAsync<T>(
        string serviceCode, List<KeyValuePair<string, string>> parameters, Func<JsonElement, T> map, CancellationToken ct)
    {
        var used = await tokens.GetAsync(stale: null, ct);
        var reply = await PostCallAsync(serviceCode, used, parameters, ct);
        if (reply.Code == ZhejiangCodes.SecretRefused)
        {
            // The secret expired early or was revoked: one fresh token, one retry.
            used = await tokens.GetAsync(stale: used, ct);
            reply = await PostCallAsync(serviceCode, used, parameters, ct);
            if (reply.Code == ZhejiangCodes.SecretRefused)
            {
                throw ZhejiangCodes.Defect(endpoint.Code,
                    $"{serviceCode} answered code 14 twice (secret refused after a fresh token: check appKey/appSecret or the sign)");
            }
        }

        return ZhejiangCodes.Sort(endpoint.Code, serviceCode, reply, map);
    }

    public void Dispose() => tokens.Dispose();

    private Task<ZhejiangReply> PostCallAsync(
        string serviceCode, ZhejiangToken used, List<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        var requestTime = NowUnixMs();
        var form = new List<KeyValuePair<string, string>>(parameters.Count + 3)
        {
            new("appKey", appKey),
            new("requestTime", requestTime),
            new("sign", ZhejiangSignature.ForCall(appKey, used.Secret, requestTime)),
        };
        form.AddRange(parameters);
        return PostAsync(ApiPath + serviceCode, serviceCode, form, ct);
    }

    private async Task<(string Secret, TimeSpan Lifetime)> RequestTokenAsync(CancellationToken ct)
    {
        var requestTime = NowUnixMs();
        var reply = await PostAsync(TokenPath, "token", [
            new("appKey", appKey),
            new("requestTime", requestTime),
            new("sign", ZhejiangSignature.ForToken(appKey, appSecret, requestTime)),
        ], ct);
        return ZhejiangCodes.SortToken(endpoint.Code, reply);
    }

    private async Task<ZhejiangReply> PostAsync(string path, string what, List<KeyValuePair<string, string>> form, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Resolve(path)) { Content = new FormUrlEncodedContent(form) };
        var reply = await transport.SendAsync(request, what, ProvinceTransport.Text, ct);
        if (reply.Status != HttpStatusCode.OK)
        {
            throw ZhejiangCodes.Defect(endpoint.Code, $"{what}: gateway answered HTTP {(int)reply.Status}, which the contract does not allow");
        }

        return ZhejiangCodes.Mapped(endpoint.Code, body => ZhejiangReply.Parse(body, what), reply.Body);
    }

    private string NowUnixMs() => time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
