using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Tongban.Crypto;
using Tongban.Provinces;
using Tongban.Provinces.Anhui;
using Tongban.Tests.Crypto;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace Tongban.Tests.Provinces.Anhui;

/// <summary>What the stubbed province answers: a code, a message and the result payload JSON (none for errors).</summary>
internal sealed record AnhuiReply(int Code, string Message = "success", string? PayloadJson = null);

/// <summary>One call as the stubbed province received it, after checking and decrypting it.</summary>
internal sealed record AnhuiCall(string Api, IReadOnlyDictionary<string, string> Headers, AnhuiBody Body, string PayloadJson);

/// <summary>
/// The Anhui x-tif gateway as the province runs it, on loopback: checks the gateway headers (paasId,
/// timestamp ±300 s, nonce format, SHA-256 signature) and the hub's SM2 signature, decrypts the
/// payload (4003 / 4001 otherwise), then answers SM4-encrypted and signed with Anhui's private key.
/// </summary>
internal sealed partial class AnhuiProvinceStub : IDisposable
{
    public const string PaasId = "tongban-hub";
    public const string PaasToken = "ah-paas-token-0001";
    public const string AppId = "ah-app-0001";
    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1767225600);

    private readonly WireMockServer server = WireMockServer.Start();
    private readonly List<AnhuiCall> calls = [];
    private readonly Sm4Ecb cipher = new(SandboxKeys.Sm4KeyHex);

    public AnhuiProvinceStub()
    {
        server.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithCallback(Handle));
    }

    public Uri Url => new(server.Url!);

    public IReadOnlyList<AnhuiCall> Calls => calls;

    public AnhuiCall LastCall => Assert.Single(calls);

    public Func<string, string, AnhuiReply> Answer { get; set; } = (_, _) => new AnhuiReply(0, PayloadJson: "{}");

    /// <summary>The SM2 user ID the province signs and verifies with.</summary>
    public string UserId { get; set; } = Sm2Signature.DefaultUserId;

    /// <summary>Sign answers with the hub's key instead of Anhui's (a forged or misrouted answer).</summary>
    public bool SignWithWrongKey { get; set; }

    /// <summary>The appId answers carry (and sign); null: ours.</summary>
    public string? ReplyAppId { get; set; }

    /// <summary>How far the answers' timestamp is from <see cref="Now"/> (signed properly).</summary>
    public TimeSpan ReplyClockOffset { get; set; }

    /// <summary>Encrypt answers with another SM4 key (signed properly).</summary>
    public bool EncryptWithWrongKey { get; set; }

    public static Dictionary<string, string?> Settings() => new()
    {
        ["paasId"] = PaasId,
        ["paasToken"] = PaasToken,
        ["appId"] = AppId,
        ["sm4KeyHex"] = SandboxKeys.Sm4KeyHex,
        ["hubSm2PrivateKeyPem"] = SandboxKeys.HubPrivateKeyPem,
        ["provinceSm2PublicKeyPem"] = SandboxKeys.ProvincePublicKeyPem,
    };

    public static ProvinceEndpoint Endpoint(Uri baseUrl, Dictionary<string, string?>? settings = null) => new()
    {
        Code = "340000",
        Scheme = AnhuiAdapter.SchemeName,
        BaseUrl = baseUrl,
        Settings = new ConfigurationBuilder().AddInMemoryCollection(settings ?? Settings()).Build(),
    };

    public AnhuiAdapter Adapter(HttpClient http, Dictionary<string, string?>? settings = null, Func<string>? nonce = null, DateTimeOffset? now = null) =>
        new(Endpoint(Url, settings), http, new FakeTimeProvider(now ?? Now), nonce);

    /// <summary>A loopback address nothing listens on.</summary>
    public static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    public void Dispose() => server.Stop();

    private ResponseMessage Handle(IRequestMessage request)
    {
        var path = request.Path;
        if (!path.StartsWith(AnhuiAdapter.PathPrefix, StringComparison.Ordinal)) return Http(404, "");
        var api = path[AnhuiAdapter.PathPrefix.Length..];

        var headers = request.Headers!.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()!);
        var ts = headers.GetValueOrDefault(AnhuiEnvelope.TimestampHeader) ?? "";
        var nonce = headers.GetValueOrDefault(AnhuiEnvelope.NonceHeader) ?? "";
        if (headers.GetValueOrDefault(AnhuiEnvelope.PaasIdHeader) != PaasId
            || !long.TryParse(ts, out var seconds) || Math.Abs(seconds - Now.ToUnixTimeSeconds()) > 300
            || !NonceFormat().IsMatch(nonce)
            || headers.GetValueOrDefault(AnhuiEnvelope.SignatureHeader) != AnhuiEnvelope.GatewaySignature(ts, PaasToken, nonce))
        {
            return Reply(new AnhuiReply(4003, "gateway signature refused"));
        }

        var body = AnhuiEnvelope.Deserialize(request.Body!);
        if (body.AppId != AppId || body.Timestamp != ts || body.EncType != "SM4" || body.SignType != "SM2" || !AnhuiEnvelope.Verify(body, Sm2Signature.FromPublicKeyPem(SandboxKeys.HubPublicKeyPem, UserId)))
        {
            return Reply(new AnhuiReply(4003, "SM2 signature refused"));
        }

        string payload;
        try
        {
            payload = AnhuiEnvelope.Decrypt(body, cipher) ?? "";
        }
        catch (CryptographicException)
        {
            return Reply(new AnhuiReply(4001, "encData"));
        }

        calls.Add(new AnhuiCall(api, headers, body, payload));
        return Reply(Answer(api, payload));
    }

    private ResponseMessage Reply(AnhuiReply reply)
    {
        var ts = (Now + ReplyClockOffset).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var appId = ReplyAppId ?? AppId;
        var signer = Sm2Signature.FromPrivateKeyPem(SignWithWrongKey ? SandboxKeys.HubPrivateKeyPem : SandboxKeys.ProvincePrivateKeyPem, UserId);
        AnhuiBody body;
        if (reply.PayloadJson is null)
        {
            body = new AnhuiBody { AppId = appId, Timestamp = ts, SignData = signer.SignBase64(AnhuiEnvelope.SignedText(appId, null, ts)), Code = reply.Code, Message = reply.Message };
        }
        else
        {
            var sm4 = EncryptWithWrongKey ? new Sm4Ecb("00112233445566778899aabbccddeeff") : cipher;
            body = AnhuiEnvelope.Seal(appId, ts, reply.PayloadJson, sm4, signer, reply.Code, reply.Message);
        }

        return Http(200, AnhuiEnvelope.Serialize(body));
    }

    private static ResponseMessage Http(int status, string json) => new()
    {
        StatusCode = status,
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json; charset=utf-8") },
        BodyData = new BodyData { BodyAsString = json, DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
    };

    [GeneratedRegex("^[A-Za-z0-9]{16,32}$")]
    private static partial Regex NonceFormat();
}

internal static class Json
{
    /// <summary>Compact form of a JSON text, for comparing payloads regardless of whitespace.</summary>
    public static string Compact(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, AnhuiEnvelope.PayloadJson);
}
