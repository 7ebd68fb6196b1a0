using System.Text.Json;

namespace Tongban.Cases.Validation;

/// <summary>
/// Reads request fields one by one from a <see cref="JsonElement"/>, turning absence, wrong JSON types
/// and repeated properties into field errors instead of exceptions. Unknown properties are ignored.
/// Messages name the field, never its value.
/// </summary>
internal sealed class JsonFieldReader(ValidationErrors errors)
{
    public ValidationErrors Errors => errors;

    public static string PathOf(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

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

    public string? String(JsonElement parent, string name, string path, bool required = true)
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

        return value.Value.GetString();
    }

    /// <summary>
    /// Free text of <paramref name="min"/>–<paramref name="max"/> characters (Unicode scalar values),
    /// not blank, and without control characters unless <paramref name="multiline"/> allows line breaks and tabs.
    /// </summary>
    public string? Text(JsonElement parent, string name, string path, int min, int max, bool required = true, bool multiline = false)
    {
        var text = String(parent, name, path, required);
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

        if (text.Any(c => char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t')))
        {
            errors.Add(path, $"{name} must not contain control characters.");
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

    public static int CountCharacters(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes()) count++;
        return count;
    }

    public static bool IsDigits(string text, int length) => text.Length == length && text.All(char.IsAsciiDigit);
}
