using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tongban.Crypto;

namespace Tongban.Provinces.Jiangxi;

/// <summary>
/// The Jiangxi ESB envelope (contracts/provinces/jiangxi.md): top-level string fields, the business
/// fields as a JSON string in <c>bizContent</c>, and <c>sign</c> = uppercase hex SM3 of every other
/// top-level field sorted by name (ordinal), joined <c>name=value</c> with <c>&amp;</c>, then
/// <c>&amp;key=</c> + appSecret. Requests and responses are signed the same way; the sandbox reuses this.
/// </summary>
public static class JiangxiEnvelope
{
    public const string SignField = "sign";

    // Chinese names stay readable in bizContent; the signature is over whatever string is sent, so
    // the escaping only has to be the same on both sides, which it is because bizContent travels as a string.
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The string that is hashed: fields except <c>sign</c>, ordinal by name, then the key.</summary>
    public static string StringToSign(IEnumerable<KeyValuePair<string, string>> fields, string appSecret)
    {
        var parts = fields
            .Where(f => f.Key != SignField)
            .OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => f.Key + "=" + f.Value);
        return string.Join('&', parts) + "&key=" + appSecret;
    }

    public static string Sign(IEnumerable<KeyValuePair<string, string>> fields, string appSecret) =>
        Sm3.HashHex(StringToSign(fields, appSecret));

    /// <summary>True when <paramref name="fields"/> carries a <c>sign</c> matching the others (constant-time).</summary>
    public static bool Verify(IReadOnlyDictionary<string, string> fields, string appSecret)
    {
        if (!fields.TryGetValue(SignField, out var presented) || string.IsNullOrEmpty(presented)) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(fields, appSecret));
        var given = Encoding.ASCII.GetBytes(presented.ToUpperInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>Adds <c>sign</c> to <paramref name="fields"/> and writes the envelope as JSON.</summary>
    public static string Seal(IEnumerable<KeyValuePair<string, string>> fields, string appSecret)
    {
        var list = fields.Where(f => f.Key != SignField).ToList();
        var envelope = new JsonObject();
        foreach (var (name, value) in list) envelope[name] = value;
        envelope[SignField] = Sign(list, appSecret);
        return envelope.ToJsonString(Json);
    }

    /// <summary>A signed request envelope.</summary>
    public static string BuildRequest(string appId, string serviceCode, string reqTime, string reqId, string bizContent, string appSecret) =>
        Seal(
            [
                new("appId", appId), new("serviceCode", serviceCode), new("reqTime", reqTime),
                new("reqId", reqId), new("bizContent", bizContent),
            ],
            appSecret);

    /// <summary>A signed response envelope (for the province sandbox and tests).</summary>
    public static string BuildResponse(string retCode, string retMsg, string reqId, string? bizContent, string appSecret)
    {
        var fields = new List<KeyValuePair<string, string>> { new("retCode", retCode), new("retMsg", retMsg), new("reqId", reqId) };
        if (bizContent is not null) fields.Add(new("bizContent", bizContent));
        return Seal(fields, appSecret);
    }

    /// <summary>
    /// The top-level fields of an envelope as strings (a number is taken as its JSON text, null as empty).
    /// </summary>
    /// <exception cref="JsonException">Not a JSON object.</exception>
    public static Dictionary<string, string> ParseEnvelope(string json) => ParseFlat(json);

    /// <summary>The business fields of a <c>bizContent</c> string; numbers and booleans are accepted and taken as text.</summary>
    /// <exception cref="JsonException">Not a JSON object of scalar values.</exception>
    public static Dictionary<string, string> ParseBizContent(string? bizContent) =>
        string.IsNullOrWhiteSpace(bizContent) ? new Dictionary<string, string>(StringComparer.Ordinal) : ParseFlat(bizContent);

    /// <summary>Business fields as a bizContent string: every value a JSON string, in the given order.</summary>
    public static string SerializeBizContent(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var biz = new JsonObject();
        foreach (var (name, value) in fields) biz[name] = value;
        return biz.ToJsonString(Json);
    }

    /// <summary>reqTime: Beijing time (UTC+8), yyyyMMddHHmmss.</summary>
    public static string FormatReqTime(DateTimeOffset now) =>
        BeijingTime.ToBeijing(now).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    public static bool TryParseReqTime(string? reqTime, out DateTimeOffset value)
    {
        value = default;
        if (!DateTime.TryParseExact(reqTime, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return false;
        value = BeijingTime.At(local);
        return true;
    }

    private static Dictionary<string, string> ParseFlat(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("Expected a JSON object.");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value;
            var text = value.ValueKind switch
            {
                JsonValueKind.Null => "",
                JsonValueKind.String => value.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => throw new JsonException($"Field '{property.Name}' is not a scalar value."),
            };

            // A repeated field would make the signed text ambiguous.
            if (!fields.TryAdd(property.Name, text)) throw new JsonException($"Field '{property.Name}' appears twice.");
        }

        return fields;
    }
}
