using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tongban.Sandbox.Anhui;

/// <summary>
/// The x-tif body, both ways (anhui.md); answers add <c>code</c> (a JSON number) and <c>message</c>. appId,
/// timestamp and signData are required: a body without them is not an x-tif body.
/// </summary>
internal sealed record AnhuiBody
{
    public required string AppId { get; init; }
    public required string Timestamp { get; init; }
    public string EncType { get; init; } = AnhuiWire.Sm4;
    public string SignType { get; init; } = AnhuiWire.Sm2;
    public string? EncData { get; init; }
    public required string SignData { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Code { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }
}

/// <summary>
/// Anhui's x-tif gateway as anhui.md gives it, written here apart from the hub's adapter so that the two sides check
/// each other: the gateway headers and their SHA-256 signature, the API names, and the body whose payload is
/// SM4-encrypted (<see cref="AnhuiSm4"/>) and signed with SM2 (<see cref="AnhuiSm2Key"/>) over
/// <c>appId + encData + timestamp</c>.
/// </summary>
internal static class AnhuiWire
{
    public const string PaasIdHeader = "x-tif-paasid";
    public const string TimestampHeader = "x-tif-timestamp";
    public const string NonceHeader = "x-tif-nonce";
    public const string SignatureHeader = "x-tif-signature";
    public const string Sm4 = "SM4";
    public const string Sm2 = "SM2";

    /// <summary>The API names: the canonical operations of contracts/provinces/README.md, and task.query.</summary>
    public static class Apis
    {
        public const string ResidentVerify = "resident.verify";
        public const string MaritalStatus = "marital.status";
        public const string MarriageRegister = "marriage.register";
        public const string MaritalUpdate = "marital.update";
        public const string BirthVerify = "birth.verify";
        public const string BirthMarkUsed = "birth.mark-used";
        public const string BirthRelease = "birth.release";
        public const string NewbornRegister = "newborn.register";
        public const string StudentRecord = "student.record";
        public const string TransferOutRequest = "transfer-out.request";
        public const string StudentEnroll = "student.enroll";
        public const string TransferOutConfirm = "transfer-out.confirm";
        public const string TransferOutCancel = "transfer-out.cancel";
        public const string TaskQuery = "task.query";
    }

    /// <summary>Bodies and payloads: camelCase names, Chinese unescaped (the worked encData is over unescaped UTF-8).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        RespectNullableAnnotations = true,
    };

    /// <summary>x-tif-signature: lowercase hex SHA-256 of <c>timestamp + paasToken + nonce + timestamp</c>.</summary>
    public static string GatewaySignature(string timestamp, string paasToken, string nonce) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(timestamp, paasToken, nonce, timestamp))));

    /// <summary>What signData covers.</summary>
    public static string SignedText(AnhuiBody body) => body.AppId + body.EncData + body.Timestamp;

    /// <summary>A body carrying <paramref name="payloadJson"/> encrypted, signed by <paramref name="signer"/> (a private key).</summary>
    public static AnhuiBody Seal(
        string appId, string timestamp, string payloadJson, AnhuiSm4 cipher, AnhuiSm2Key signer, int? code = null, string? message = null)
    {
        var encData = Convert.ToBase64String(cipher.Encrypt(Encoding.UTF8.GetBytes(payloadJson)));
        var unsigned = new AnhuiBody { AppId = appId, Timestamp = timestamp, EncData = encData, SignData = "", Code = code, Message = message };
        return unsigned with { SignData = signer.Sign(SignedText(unsigned)) };
    }

    /// <summary>True when the body's signData verifies with <paramref name="sender"/> (the sender's public key).</summary>
    public static bool IsSignedBy(AnhuiBody body, AnhuiSm2Key sender) => sender.Verifies(SignedText(body), body.SignData);

    /// <summary>The payload JSON the body carries.</summary>
    /// <exception cref="CryptographicException">No encData, not Base64, or it does not decrypt with the key.</exception>
    public static string Open(AnhuiBody body, AnhuiSm4 cipher)
    {
        byte[] encrypted;
        try
        {
            encrypted = Convert.FromBase64String(body.EncData ?? "");
        }
        catch (FormatException e)
        {
            throw new CryptographicException("encData is not Base64", e);
        }
        return Encoding.UTF8.GetString(cipher.Decrypt(encrypted));
    }

    public static string Write(AnhuiBody body) => JsonSerializer.Serialize(body, Json);

    /// <exception cref="JsonException">Not an x-tif body.</exception>
    public static AnhuiBody Read(string json) => JsonSerializer.Deserialize<AnhuiBody>(json, Json) ?? throw new JsonException("not an x-tif body");
}
