using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Tongban.Cases.Identity;
using Tongban.Security;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>
/// Finds personal data in clear in a piece of text: any GB 11643-valid ID number (an 18-character run whose check
/// character and birth date are right, also inside a longer token such as a student number) and any of the given names,
/// as written, JSON-escaped (\uXXXX) or percent-encoded. Each finding names where it was and shows it in context.
/// </summary>
public sealed partial class PersonalDataScan(IEnumerable<string> names)
{
    private readonly (string Name, string[] Forms)[] names = names.Distinct(StringComparer.Ordinal)
        .Select(n => (n, new[] { n, JsonEscaped(n, "x4"), JsonEscaped(n, "X4"), Uri.EscapeDataString(n), Uri.EscapeDataString(n).ToLowerInvariant() }))
        .ToArray();

    // Children registered in these runs are born this year; a birth date up to a year ahead still counts as a person.
    private static readonly DateOnly Latest = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1);

    /// <summary>Findings in <paramref name="text"/>, each "where: what … context …".</summary>
    public IEnumerable<string> Find(string where, string? text)
    {
        if (string.IsNullOrEmpty(text)) yield break;
        // Not bounded by letters: "G310104201612075770" is a student number that holds an ID number.
        foreach (Match m in IdNumberShaped().Matches(text))
        {
            var candidate = m.Groups[1].Value;
            if (ResidentIdNumber.Check(candidate, Latest, out _) == ResidentIdProblem.None)
            {
                yield return $"{where}: ID number {IdNumberMask.Mask(candidate)} in clear: …{Context(text, m.Groups[1].Index, candidate.Length)}…";
            }
        }

        foreach (var (name, forms) in names)
        {
            foreach (var form in forms)
            {
                var at = text.IndexOf(form, StringComparison.Ordinal);
                if (at < 0) continue;
                yield return $"{where}: name {PersonNameMask.Mask(name)} in clear: …{Context(text, at, form.Length)}…";
                break;
            }
        }
    }

    /// <summary>Findings in stored bytes: as UTF-8 text, and again as what they decode to (Base64, gzip) when they do.</summary>
    public IEnumerable<string> FindInBytes(string where, byte[] bytes)
    {
        var text = Decode(bytes);
        foreach (var finding in Find(where, text)) yield return finding;
        if (TryBase64(text, out var inner))
        {
            foreach (var finding in Find(where + " (Base64-decoded)", Decode(inner))) yield return finding;
        }
    }

    /// <summary>UTF-8, after gunzip when the bytes are gzip (the Durable engine compresses large messages in blobs).</summary>
    public static string Decode(byte[] bytes)
    {
        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            try
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gzip.CopyTo(plain);
                bytes = plain.ToArray();
            }
            catch (InvalidDataException)
            {
                // Not gzip after all: read as it is.
            }
        }

        return Encoding.UTF8.GetString(bytes);
    }

    public static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = [];
        var trimmed = text.Trim();
        if (trimmed.Length < 8 || trimmed.Length % 4 != 0 || !Base64Shape().IsMatch(trimmed)) return false;
        try
        {
            bytes = Convert.FromBase64String(trimmed);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private string Context(string text, int at, int length)
    {
        var start = Math.Max(0, at - 60);
        var end = Math.Min(text.Length, at + length + 60);
        // The finding and anything personal around it stay masked in the report: a failing test's output is a log too.
        return $"{Masked(text[start..at])}[{length} chars]{Masked(text[(at + length)..end])}".ReplaceLineEndings(" ");
    }

    private string Masked(string text)
    {
        text = Provinces.ProvinceText.Scrub(text)!;
        foreach (var (name, _) in names) text = text.Replace(name, PersonNameMask.Mask(name), StringComparison.Ordinal);
        return text;
    }

    private static string JsonEscaped(string name, string format) =>
        string.Concat(name.Select(c => c < 128 ? c.ToString() : "\\u" + ((int)c).ToString(format, System.Globalization.CultureInfo.InvariantCulture)));

    [GeneratedRegex(@"(?=(\d{17}[0-9Xx]))")]
    private static partial Regex IdNumberShaped();

    [GeneratedRegex(@"^[A-Za-z0-9+/]+={0,2}$")]
    private static partial Regex Base64Shape();
}
