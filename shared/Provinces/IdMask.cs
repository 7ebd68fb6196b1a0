using System.Text.RegularExpressions;
using Tongban.Cases.Identity;

namespace Tongban.Provinces;

/// <summary>Keeps ID numbers out of exception messages and reasons, masked as everywhere else (<see cref="IdNumberMask"/>).</summary>
internal static partial class IdMask
{
    public static string Mask(string? idNumber) => IdNumberMask.Mask(idNumber);

    /// <summary>Masks every ID-number-shaped run (18 or 15 characters) inside free text, e.g. a province's error message.</summary>
    public static string Scrub(string? text) =>
        string.IsNullOrEmpty(text) ? string.Empty : IdNumberPattern().Replace(text, m => Mask(m.Value));

    [GeneratedRegex(@"(?<![0-9A-Za-z])(?:\d{17}[0-9Xx]|\d{15})(?![0-9A-Za-z])")]
    private static partial Regex IdNumberPattern();
}
