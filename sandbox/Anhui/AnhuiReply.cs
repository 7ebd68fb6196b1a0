using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tongban.Sandbox.Knobs;

namespace Tongban.Sandbox.Anhui;

/// <summary>What an Anhui API decided: a code, its message and the result payload (an empty object when none).</summary>
internal sealed record AnhuiResult(int Code, string Message, object? Payload)
{
    public const int Success = 0;
    public const int ParameterError = 4001;
    public const int SignatureRefused = 4003;
    public const int NoSuchRecord = 4004;
    public const int BusinessRefusal = 4009;
    public const int SystemBusy = 5000;
    public const int RateLimited = 5003;

    private static readonly Dictionary<string, string> Empty = [];

    public static AnhuiResult Ok(object? payload = null) => new(Success, "success", payload ?? Empty);

    public static AnhuiResult Fail(int code, string message) => new(code, message, Empty);
}

/// <summary>
/// Anhui's answers: HTTP 200, the x-tif body with code and message, the payload SM4-encrypted with the shared key
/// and signed with Anhui's own SM2 private key (<see cref="AnhuiWire.Seal"/>). While the wrong-signatures knob is on,
/// signData is Anhui's signature over other bytes: it does not verify.
/// </summary>
internal sealed class AnhuiReplies(AnhuiCredentials credentials, AnhuiSm4 cipher, ProvinceKnobs knobs, TimeProvider time)
{
    private readonly AnhuiSm2Key _provinceKey = AnhuiSm2Key.FromPem(credentials.ProvinceSm2PrivateKeyPem, credentials.Sm2UserId);

    public IResult Answer(AnhuiResult result)
    {
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var payload = JsonSerializer.Serialize(result.Payload, result.Payload?.GetType() ?? typeof(object), AnhuiWire.Json);
        var body = AnhuiWire.Seal(credentials.AppId, timestamp, payload, cipher, _provinceKey, result.Code, result.Message);
        if (knobs.WrongSignatures)
        {
            body = body with { SignData = _provinceKey.Sign(knobs.ForSigning(AnhuiWire.SignedText(body))) };
        }
        return Results.Text(AnhuiWire.Write(body), "application/json", Encoding.UTF8);
    }

    public IResult Fail(int code, string message) => Answer(AnhuiResult.Fail(code, message));
}
