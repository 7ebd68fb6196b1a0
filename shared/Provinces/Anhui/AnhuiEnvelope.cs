using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tongban.Crypto;

namespace Tongban.Provinces.Anhui;

/// <summary>
/// The body of every Anhui x-tif call, both ways. Responses add <c>code</c> (a JSON number) and <c>message</c>.
/// </summary>
public sealed record AnhuiBody
{
    public required string AppId { get; init; }

    public required string Timestamp { get; init; }

    public string EncType { get; init; } = AnhuiEnvelope.EncType;

    public string SignType { get; init; } = AnhuiEnvelope.SignType;

    public string? EncData { get; init; }

    public required string SignData { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Code { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }
}

/// <summary>
/// The Anhui x-tif protocol pieces (contracts/provinces/anhui.md), shared by the hub adapter and the
/// province sandbox: the gateway header signature, and the body sealed with SM4-ECB (payload) and
/// SM2 (over <c>appId + encData + timestamp</c>).
/// </summary>
public static class AnhuiEnvelope
{
    public const string PaasIdHeader = "x-tif-paasid";
    public const string TimestampHeader = "x-tif-timestamp";
    public const string NonceHeader = "x-tif-nonce";
    public const string SignatureHeader = "x-tif-signature";
    public const string EncType = "SM4";
    public const string SignType = "SM2";

    private const string NonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>
    /// The canonical payload JSON: camelCase names, enums as lowercase strings, dates yyyy-MM-dd,
    /// Chinese unescaped (the worked encData example is over unescaped UTF-8). Missing non-nullable
    /// constructor values are refused rather than defaulted.
    /// </summary>
    public static JsonSerializerOptions PayloadJson { get; } = CreatePayloadJson();

    /// <summary>Lowercase hex SHA-256 of <c>timestamp + paasToken + nonce + timestamp</c>.</summary>
    public static string GatewaySignature(string timestamp, string paasToken, string nonce) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(timestamp + paasToken + nonce + timestamp)));

    /// <summary>A fresh nonce: 32 characters of [A-Za-z0-9].</summary>
    public static string NewNonce() => RandomNumberGenerator.GetString(NonceAlphabet, 32);

    /// <summary>The text the SM2 signature covers.</summary>
    public static string SignedText(string appId, string? encData, string timestamp) => appId + encData + timestamp;

    /// <summary>Encrypts <paramref name="payloadJson"/> and signs the result with <paramref name="signer"/> (a private key).</summary>
    public static AnhuiBody Seal(
        string appId, string timestamp, string payloadJson, Sm4Ecb cipher, Sm2Signature signer, int? code = null, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(cipher);
        ArgumentNullException.ThrowIfNull(signer);
        var encData = Convert.ToBase64String(cipher.Encrypt(Encoding.UTF8.GetBytes(payloadJson)));
        var signData = signer.SignBase64(SignedText(appId, encData, timestamp));
        return new AnhuiBody { AppId = appId, Timestamp = timestamp, EncData = encData, SignData = signData, Code = code, Message = message };
    }

    /// <summary>True when the body's signData verifies with <paramref name="verifier"/> (the other party's public key).</summary>
    public static bool Verify(AnhuiBody body, Sm2Signature verifier)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(verifier);
        return verifier.VerifyBase64(SignedText(body.AppId, body.EncData, body.Timestamp), body.SignData);
    }

    /// <summary>The payload JSON of a body; null when it carries none (error answers may not).</summary>
    /// <exception cref="CryptographicException">encData is not Base64 or does not decrypt with the key.</exception>
    public static string? Decrypt(AnhuiBody body, Sm4Ecb cipher)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(cipher);
        if (string.IsNullOrEmpty(body.EncData)) return null;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(body.EncData);
        }
        catch (FormatException e)
        {
            throw new CryptographicException("encData is not Base64.", e);
        }

        return Encoding.UTF8.GetString(cipher.Decrypt(bytes));
    }

    public static string Serialize(AnhuiBody body) => JsonSerializer.Serialize(body, PayloadJson);

    /// <exception cref="JsonException">Not an Anhui body.</exception>
    public static AnhuiBody Deserialize(string json) =>
        JsonSerializer.Deserialize<AnhuiBody>(json, PayloadJson) ?? throw new JsonException("Empty Anhui body.");

    private static JsonSerializerOptions CreatePayloadJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
