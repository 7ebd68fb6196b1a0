using Microsoft.AspNetCore.Http;

namespace Tongban.Sandbox.Zhejiang;

/// <summary>Zhejiang answers HTTP 200 with {"code","msg","data"}; only an outage is 5xx.</summary>
internal static class ZhejiangReply
{
    public const string Success = "00";
    public const string SecretUnknownOrExpired = "14";
    public const string NoSuchRecord = "96";
    public const string ParameterMissing = "97";
    public const string ParameterMalformed = "98";
    public const string SystemBusy = "99";

    private static readonly Dictionary<string, string> Empty = [];

    public static IResult Ok(object? data = null) => Results.Json(new { code = Success, msg = "ok", data = data ?? Empty });

    public static IResult Fail(string code, string message) => Results.Json(new { code, msg = message, data = Empty });
}
