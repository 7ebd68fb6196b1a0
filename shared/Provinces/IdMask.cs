using System.Text.RegularExpressions;

namespace Tongban.Provinces;

/// <summary>
/// Keeps ID numbers out of exception messages and reasons: first 6 and last 4 characters visible, the rest '*'.
/// (A stand-in until the shared masker lands on main.)
/// </summary>
internal static partial class IdMask
{
    public static string Mask(string? idNumber)
    {
        if (string.IsNullOrEmpty(idNumber)) return string.Empty;
        if (idNumber.Length <= 10) return new string('*', idNumber.Length);
        return string.Concat(idNumber.AsSpan(0, 6), new string('*', idNumber.Length - 10), idNumber.AsSpan(idNumber.Length - 4));
    }

    /// <summary>Masks every ID-number-shaped run (18 or 15 characters) inside free text, e.g. a province's error message.</summary>
    public static string Scrub(string? text) =>
        string.IsNullOrEmpty(text) ? string.Empty : IdNumberPattern().Replace(text, m => Mask(m.Value));

    [GeneratedRegex(@"(?<![0-9A-Za-z])(?:\d{17}[0-9Xx]|\d{15})(?![0-9A-Za-z])")]
    private static partial Regex IdNumberPattern();
}
