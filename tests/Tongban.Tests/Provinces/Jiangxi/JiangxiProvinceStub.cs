using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Tongban.Provinces;
using Tongban.Provinces.Jiangxi;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace Tongban.Tests.Provinces.Jiangxi;

/// <summary>What the stubbed province answers to one service call.</summary>
internal sealed record JiangxiReply(string RetCode, string RetMsg = "成功", IReadOnlyDictionary<string, string>? Biz = null, string? RawBizContent = null);

/// <summary>One call as the stubbed province received it, after verifying it.</summary>
internal sealed record JiangxiCall(string ServiceCode, IReadOnlyDictionary<string, string> Envelope, IReadOnlyDictionary<string, string> Biz);

/// <summary>
/// The Jiangxi ESB as the province runs it, on loopback: checks the request's signature, reqTime
/// (±300 s of its own clock) and reqId like the real one (answering 1002 otherwise), then answers
/// a signed envelope chosen by the test.
/// </summary>
internal sealed partial class JiangxiProvinceStub : IDisposable
{
    public const string AppId = "tongban-hub";
    public const string AppSecret = "jx-app-secret-0001";
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero); // 08:00 Beijing

    private readonly WireMockServer server = WireMockServer.Start();
    private readonly List<JiangxiCall> calls = [];

    public JiangxiProvinceStub()
    {
        server.Given(Request.Create().WithPath(JiangxiAdapter.ServicePath).UsingPost())
            .RespondWith(Response.Create().WithCallback(Handle));
    }

    public Uri Url => new(server.Url!);

    public IReadOnlyList<JiangxiCall> Calls => calls;

    public JiangxiCall LastCall => Assert.Single(calls);

    public Func<string, IReadOnlyDictionary<string, string>, JiangxiReply> Answer { get; set; } = (_, _) => new JiangxiReply("0000");

    /// <summary>Answer with a signature made with another secret.</summary>
    public bool SignWithWrongSecret { get; set; }

    /// <summary>Echo a reqId other than the request's.</summary>
    public bool EchoOtherReqId { get; set; }

    public static ProvinceEndpoint Endpoint(Uri baseUrl, string appSecret = AppSecret) => new()
    {
        Code = "360000",
        Scheme = JiangxiAdapter.SchemeName,
        BaseUrl = baseUrl,
        Settings = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["appId"] = AppId, ["appSecret"] = appSecret })
            .Build(),
    };

    public JiangxiAdapter Adapter(HttpClient http, string appSecret = AppSecret) =>
        new(Endpoint(Url, appSecret), http, new FakeTimeProvider(Now));

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
        var envelope = JiangxiEnvelope.ParseEnvelope(request.Body!);
        var reqId = envelope.GetValueOrDefault("reqId") ?? "";
        if (!JiangxiEnvelope.Verify(envelope, AppSecret)) return Reply(reqId, new JiangxiReply("1002", "签名错误"));
        if (!JiangxiEnvelope.TryParseReqTime(envelope.GetValueOrDefault("reqTime"), out var reqTime) || Math.Abs((reqTime - Now).TotalSeconds) > 300)
        {
            return Reply(reqId, new JiangxiReply("1002", "时间戳超出范围"));
        }

        if (!ReqIdFormat().IsMatch(reqId)) return Reply(reqId, new JiangxiReply("1002", "reqId格式错误"));

        var serviceCode = envelope["serviceCode"];
        var biz = JiangxiEnvelope.ParseBizContent(envelope["bizContent"]);
        calls.Add(new JiangxiCall(serviceCode, envelope, biz));
        return Reply(reqId, Answer(serviceCode, biz));
    }

    private ResponseMessage Reply(string reqId, JiangxiReply reply)
    {
        var bizContent = reply.RawBizContent ?? (reply.Biz is null ? null : JiangxiEnvelope.SerializeBizContent(reply.Biz));
        var json = JiangxiEnvelope.BuildResponse(
            reply.RetCode, reply.RetMsg, EchoOtherReqId ? JiangxiAdapter.NewReqId() : reqId, bizContent,
            SignWithWrongSecret ? "not-the-secret" : AppSecret);
        return new ResponseMessage
        {
            StatusCode = 200,
            Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json; charset=utf-8") },
            BodyData = new BodyData { BodyAsString = json, DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        };
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex ReqIdFormat();
}
