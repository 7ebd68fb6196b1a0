using System.Text.Json;

namespace Tongban.Provinces.Zhejiang;

/// <summary>
/// The gateway's answer codes (zhejiang.md) sorted into business answers and faults, for service calls and token
/// requests, and the faults themselves, each named as Zhejiang's.
/// </summary>
internal static class ZhejiangCodes
{
    public const string Ok = "00";

    /// <summary>The requestSecret expired early or was revoked: the gateway client fetches a fresh token and tries once more.</summary>
    public const string SecretRefused = "14";

    public const string NoRecord = "96";
    public const string Busy = "99";

    /// <summary>A service call's answer (code 14 is the gateway client's to have handled before this).</summary>
    public static ProvinceAnswer<T> Sort<T>(string province, string serviceCode, ZhejiangReply reply, Func<JsonElement, T> map)
    {
        switch (reply.Code)
        {
            case Ok:
                return ProvinceAnswer<T>.Ok(Mapped(province, map, reply.Data));
            case NoRecord:
                // On birth.mark-used, 96 means another case holds the certificate: a refusal, not a missing record.
                return serviceCode == ZhejiangServiceCodes.BirthMarkUsed
                    ? ProvinceAnswer<T>.Refused(ZhejiangMessages.NullIfEmpty(reply.Message) ?? "certificate held by another case")
                    : ProvinceAnswer<T>.NoRecord(ZhejiangMessages.NullIfEmpty(reply.Message));
            case "97":
            case "98":
                throw Defect(province, $"{serviceCode} rejected the request (code {reply.Code}: {reply.Message})");
            case Busy:
                throw Transient(province, $"{serviceCode} is busy or rate limited (code 99: {reply.Message})");
            default:
                throw Defect(province, $"{serviceCode} answered an unknown code '{reply.Code}'");
        }
    }

    /// <summary>A token request's answer: the requestSecret and its lifetime, or the fault.</summary>
    public static (string Secret, TimeSpan Lifetime) SortToken(string province, ZhejiangReply reply) => reply.Code switch
    {
        Ok => Mapped(province, ZhejiangMessages.Token, reply.Data),
        Busy => throw Transient(province, $"token request is busy or rate limited (code 99: {reply.Message})"),
        // 98 here means our sign (appKey/appSecret) is wrong; nothing a retry can mend.
        _ => throw Defect(province, $"token request refused (code {reply.Code}: {reply.Message})"),
    };

    /// <summary>A reply read by <paramref name="map"/>; one outside the contract is a defect.</summary>
    public static T Mapped<TIn, T>(string province, Func<TIn, T> map, TIn data)
    {
        try
        {
            return map(data);
        }
        catch (FormatException e)
        {
            throw Defect(province, e.Message, e.InnerException);
        }
    }

    public static ProvinceTransientException Transient(string province, string message) => new(province, $"Zhejiang {message}");

    public static ProvinceDefectException Defect(string province, string message, Exception? inner = null) =>
        new(province, $"Zhejiang {message}", inner);
}
