using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tongban.Cases.Validation;

/// <summary>
/// Reads request fields one by one from a <see cref="JsonElement"/>, turning absence, wrong JSON types
/// and repeated properties into field errors instead of exceptions. Unknown properties are ignored.
/// Messages name the field, never its value.
/// </summary>
internal sealed partial class JsonFieldReader(ValidationErrors errors)
{
    public ValidationErrors Errors => errors;

    /// <summary>The property's value, or null when it is absent or JSON null. A repeated property is an error.</summary>
    public JsonElement? Find(JsonElement parent, string name, string path)
    {
        JsonElement? found = null;
        foreach (var property in parent.EnumerateObject())
        {
            if (!property.NameEquals(name)) continue;
            if (found is not null)
            {
                // Parsers disagree on which duplicate wins; refuse rather than guess.
                errors.Add(path, $"{name} is given more than once.");
                return null;
            }

            found = property.Value;
        }

        return found is { ValueKind: JsonValueKind.Null } ? null : found;
    }

    public JsonElement? Object(JsonElement parent, string name, string path, bool required = true)
    {
        var value = Find(parent, name, path);
        if (value is null)
        {
            if (required && !errors.Has(path)) errors.Add(path, $"{name} is required.");
            return null;
        }

        if (value.Value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(path, $"{name} must be a JSON object.");
            return null;
        }

        return value;
    }

    /// <summary>
    /// A string field, refused when it holds a control character (line breaks and tabs only where
    /// <paramref name="multiline"/>), a Unicode format character (category Cf: bidi overrides, zero-width joiners and
    /// spaces, the BOM) or a lone surrogate: text that displays other than it reads has no place in a case.
    /// </summary>
    public string? String(JsonElement parent, string name, string path, bool required = true, bool multiline = false)
    {
        var value = Find(parent, name, path);
        if (value is null)
        {
            if (required && !errors.Has(path)) errors.Add(path, $"{name} is required.");
            return null;
        }

        if (value.Value.ValueKind != JsonValueKind.String)
        {
            errors.Add(path, $"{name} must be a string.");
            return null;
        }

        string text;
        try
        {
            text = value.Value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // A \uD800 escape with no pair: valid JSON, but no text.
            errors.Add(path, $"{name} must be valid Unicode text.");
            return null;
        }

        if (UnwantedCharacter(text, multiline) is { } problem)
        {
            errors.Add(path, $"{name} must not contain {problem}.");
            return null;
        }

        return text;
    }

    /// <summary>What kind of character makes <paramref name="text"/> unacceptable, or null when none does.</summary>
    public static string? UnwantedCharacter(string text, bool multiline = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') && !IsWellFormedUtf16(text)) return "unpaired surrogates";
        foreach (var rune in text.EnumerateRunes())
        {
            switch (Rune.GetUnicodeCategory(rune))
            {
                case UnicodeCategory.Format: return "Unicode format characters (such as bidi overrides or zero-width characters)";
                case UnicodeCategory.Control when !(multiline && rune.Value is '\n' or '\r' or '\t'): return "control characters";
            }
        }

        return null;
    }

    private static bool IsWellFormedUtf16(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return false;
        }

        return true;
    }

    /// <summary>
    /// Free text of <paramref name="min"/>–<paramref name="max"/> characters (Unicode scalar values), not blank, and
    /// clean as <see cref="String"/> requires (line breaks and tabs only where <paramref name="multiline"/>).
    /// </summary>
    public string? Text(JsonElement parent, string name, string path, int min, int max, bool required = true, bool multiline = false)
    {
        var text = String(parent, name, path, required, multiline);
        if (text is null) return null;
        var length = CountCharacters(text);
        if (length < min || length > max)
        {
            errors.Add(path, min == max ? $"{name} must be {min} characters." : $"{name} must be {min}–{max} characters long.");
            return null;
        }

        if (min > 0 && string.IsNullOrWhiteSpace(text))
        {
            errors.Add(path, $"{name} must not be blank.");
            return null;
        }

        // Free text is stored and shown in clear (the case record, step details, history): an ID number has no place in it.
        if (ContainsIdNumber(text))
        {
            errors.Add(path, $"{name} must not contain a resident ID number.");
            return null;
        }

        return text;
    }

    /// <summary>One of <paramref name="allowed"/>, compared exactly.</summary>
    public string? OneOf(JsonElement parent, string name, string path, IReadOnlyCollection<string> allowed, bool required = true)
    {
        var text = String(parent, name, path, required);
        if (text is null) return null;
        if (!allowed.Contains(text, StringComparer.Ordinal))
        {
            errors.Add(path, $"{name} must be one of: {string.Join(", ", allowed)}.");
            return null;
        }

        return text;
    }

    public int? Integer(JsonElement parent, string name, string path, int min, int max)
    {
        var value = Find(parent, name, path);
        if (value is null)
        {
            if (!errors.Has(path)) errors.Add(path, $"{name} is required.");
            return null;
        }

        if (value.Value.ValueKind != JsonValueKind.Number || !value.Value.TryGetInt32(out var number))
        {
            errors.Add(path, $"{name} must be a whole number from {min} to {max}.");
            return null;
        }

        if (number < min || number > max)
        {
            errors.Add(path, $"{name} must be from {min} to {max}.");
            return null;
        }

        return number;
    }

    /// <summary>A member province's 6-digit code.</summary>
    public string? MemberProvince(JsonElement parent, string name, string path, IReadOnlySet<string> members)
    {
        var code = String(parent, name, path);
        if (code is null) return null;
        if (!members.Contains(code))
        {
            errors.Add(path, $"{name} must be the code of a member province ({string.Join(", ", members.Order(StringComparer.Ordinal))}).");
            return null;
        }

        return code;
    }

    /// <summary>True when an 18-character run in <paramref name="text"/> is a GB 11643 ID number (checksum and birth date hold).</summary>
    public static bool ContainsIdNumber(string text) =>
        IdNumberRun().Matches(text).Any(m => Identity.ResidentIdNumber.TryParse(m.Value, DateOnly.MaxValue, out _));

    [System.Text.RegularExpressions.GeneratedRegex("(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")]
    private static partial System.Text.RegularExpressions.Regex IdNumberRun();

    public static int CountCharacters(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes()) count++;
        return count;
    }

    public static bool IsDigits(string text, int length) => text.Length == length && text.All(char.IsAsciiDigit);
}
