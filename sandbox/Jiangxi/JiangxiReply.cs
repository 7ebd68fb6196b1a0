using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Tongban.Sandbox.Jiangxi;

/// <summary>What a Jiangxi service decided: a retCode, its message and the business fields (success only).</summary>
internal sealed record JiangxiResult(string RetCode, string RetMsg, IReadOnlyDictionary<string, string>? Biz)
{
    public const string Success = "0000";
    public const string ParameterError = "1001";
    public const string SignatureError = "1002";
    public const string NoSuchRecord = "2001";
    public const string BusinessRefusal = "2002";
    public const string SystemBusy = "9999";

    public static JiangxiResult Ok(params (string Name, string Value)[] fields) =>
        new(Success, "成功", fields.ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal));

    public static JiangxiResult Fail(string retCode, string retMsg) => new(retCode, retMsg, null);

    /// <summary>The signed envelope (HTTP 200) answering the request <paramref name="reqId"/>.</summary>
    public IResult ToResponse(string reqId, string appSecret)
    {
        var bizContent = Biz is null ? null : JiangxiWire.WriteBizContent(Biz);
        return Results.Text(JiangxiWire.SealAnswer(RetCode, RetMsg, reqId, bizContent, appSecret), "application/json", Encoding.UTF8);
    }
}

/// <summary>
/// An answer given before the envelope was read (busy, rate limited): it still echoes the request's reqId
/// when there is one, and is signed like every other answer.
/// </summary>
internal sealed class JiangxiUnreadReply(JiangxiResult result, string appSecret) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var reqId = "";
        try
        {
            using var reader = new StreamReader(httpContext.Request.Body, Encoding.UTF8);
            var text = await reader.ReadToEndAsync(httpContext.RequestAborted);
            reqId = JiangxiWire.ReadFields(text).GetValueOrDefault("reqId") ?? "";
        }
        catch (JsonException)
        {
            // Not an envelope: answer without a reqId.
        }
        await result.ToResponse(reqId, appSecret).ExecuteAsync(httpContext);
    }
}
