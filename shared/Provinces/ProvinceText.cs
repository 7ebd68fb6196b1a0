using System.Text.RegularExpressions;
using Tongban.Security;

namespace Tongban.Provinces;

/// <summary>
/// Text a province wrote (a refusal reason, an error message) as the hub may keep, show or log it: every
/// ID-number-shaped run masked as everywhere else (<see cref="IdNumberMask"/>). Applied once, by
/// <see cref="ScrubbedProvinceAdapter"/> and <see cref="ScrubbedCallbackReader"/>; adapters pass province text on as it came.
/// </summary>
public static partial class ProvinceText
{
    /// <summary>Masks every 18-character (17 digits and a check character) or 15-digit run, also inside a longer token such as a student number <c>G</c> + ID.</summary>
    public static string? Scrub(string? text) =>
        string.IsNullOrEmpty(text) ? text : IdNumberPattern().Replace(text, m => IdNumberMask.Mask(m.Value));

    // No word boundaries on purpose: "G330106200006179053" or "id=330106200006179053x" still hold an ID number.
    [GeneratedRegex(@"\d{17}[0-9Xx]|\d{15}")]
    private static partial Regex IdNumberPattern();
}
