using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Org.BouncyCastle.Crypto.Digests;

namespace Tongban.Sandbox.Jiangxi;

/// <summary>
/// Jiangxi's ESB envelope as jiangxi.md gives it, written here apart from the hub's adapter so that the two sides
/// check each other. An envelope is a JSON object of string fields; <c>sign</c> is uppercase hex SM3 of every other
/// field sorted by name (ordinal), joined <c>name=value</c> with <c>&amp;</c>, then <c>&amp;key=</c> + appSecret.
/// Requests and answers are signed alike; <c>bizContent</c> is the business fields as a JSON string.
/// </summary>
internal static class JiangxiWire
{
    public const string Sign = "sign";

    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    // Chinese stays readable on the wire; the sign covers the decoded values, so escaping is free to differ.
    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The text SM3 is taken over.</summary>
    public static string StringToSign(IEnumerable<KeyValuePair<string, string>> fields, string appSecret)
    {
        var signed = new StringBuilder();
        foreach (var (name, value) in fields.Where(f => f.Key != Sign).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            signed.Append(name).Append('=').Append(value).Append('&');
        }
        return signed.Append("key=").Append(appSecret).ToString();
    }

    /// <summary>Uppercase hex SM3 (GB/T 32905) of <see cref="StringToSign"/>.</summary>
    public static string SignOf(IEnumerable<KeyValuePair<string, string>> fields, string appSecret)
    {
        var text = Encoding.UTF8.GetBytes(StringToSign(fields, appSecret));
        var sm3 = new SM3Digest();
        sm3.BlockUpdate(text, 0, text.Length);
        var hash = new byte[sm3.GetDigestSize()];
        sm3.DoFinal(hash, 0);
        return Convert.ToHexString(hash);
    }

    /// <summary>True when the envelope's <c>sign</c> is that of its other fields (hex compared without regard to case, in constant time).</summary>
    public static bool IsSigned(IReadOnlyDictionary<string, string> envelope, string appSecret)
    {
        var presented = envelope.GetValueOrDefault(Sign) ?? "";
        return presented.Length > 0 && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(SignOf(envelope, appSecret)), Encoding.ASCII.GetBytes(presented.ToUpperInvariant()));
    }

    /// <summary>The fields, in their order, and their <c>sign</c> last, as an envelope's JSON.</summary>
    public static string Seal(IReadOnlyList<KeyValuePair<string, string>> fields, string appSecret) =>
        WriteObject([.. fields.Where(f => f.Key != Sign), new(Sign, SignOf(fields, appSecret))]);

    /// <summary>An answer to the request <paramref name="reqId"/>: retCode, retMsg, reqId, bizContent (when there is one), sign.</summary>
    public static string SealAnswer(string retCode, string retMsg, string reqId, string? bizContent, string appSecret)
    {
        List<KeyValuePair<string, string>> fields = [new("retCode", retCode), new("retMsg", retMsg), new("reqId", reqId)];
        if (bizContent is not null) fields.Add(new("bizContent", bizContent));
        return Seal(fields, appSecret);
    }

    /// <summary>Business fields as a bizContent string: every value a JSON string.</summary>
    public static string WriteBizContent(IEnumerable<KeyValuePair<string, string>> fields) => WriteObject(fields);

    /// <summary>The business fields of a bizContent string (none when it is absent or blank); see <see cref="ReadFields"/>.</summary>
    /// <exception cref="JsonException">Not a JSON object of scalars.</exception>
    public static Dictionary<string, string> ReadBizContent(string? bizContent) =>
        string.IsNullOrWhiteSpace(bizContent) ? new(StringComparer.Ordinal) : ReadFields(bizContent);

    /// <summary>
    /// The fields of a JSON object of scalars (an envelope, or a bizContent string): strings as they are, numbers
    /// and booleans as their JSON text (the contract accepts numbers on the way in), null as empty.
    /// </summary>
    /// <exception cref="JsonException">Not such an object, or a field given twice (its signed text would be ambiguous).</exception>
    public static Dictionary<string, string> ReadFields(string json)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("not a JSON object");
        foreach (var field in document.RootElement.EnumerateObject())
        {
            var value = field.Value.ValueKind switch
            {
                JsonValueKind.String => field.Value.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => field.Value.GetRawText(),
                JsonValueKind.Null => "",
                _ => throw new JsonException("a field is not a scalar"),
            };
            if (!fields.TryAdd(field.Name, value)) throw new JsonException("a field is given twice");
        }
        return fields;
    }

    /// <summary>reqTime: Beijing time (UTC+8), yyyyMMddHHmmss.</summary>
    public static string ReqTime(DateTimeOffset instant) => instant.ToOffset(Beijing).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    public static bool TryReadReqTime(string? reqTime, out DateTimeOffset instant)
    {
        var ok = DateTime.TryParseExact(reqTime, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var beijing);
        instant = ok ? new DateTimeOffset(beijing, Beijing) : default;
        return ok;
    }

    private static string WriteObject(IEnumerable<KeyValuePair<string, string>> fields)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Writer))
        {
            json.WriteStartObject();
            foreach (var (name, value) in fields) json.WriteString(name, value);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
