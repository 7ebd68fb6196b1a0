using System.Globalization;
using System.Text.Json;
using Tongban.Sandbox.Population;

namespace Tongban.Sandbox.Anhui;

/// <summary>
/// Reads a canonical payload (contracts/provinces/README.md) by dotted path ("partyA.idNumber"), remembering the
/// first problem (4001) so a handler reads all its fields and then asks <see cref="Refusal"/> once.
/// </summary>
internal sealed class AnhuiPayload(JsonElement root)
{
    private string? _problem;

    public AnhuiResult? Refusal => _problem is { } p ? AnhuiResult.Fail(AnhuiResult.ParameterError, p) : null;

    public string Text(string path)
    {
        var element = root;
        foreach (var name in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                Fail($"{path} is missing");
                return "";
            }
        }
        if (element.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(element.GetString()))
        {
            Fail($"{path} must be a non-empty string");
            return "";
        }
        return element.GetString()!;
    }

    public string IdNumber(string path)
    {
        var value = Text(path);
        if (value.Length > 0 && !ResidentIdNumber.IsWellFormed(value)) Fail($"{path} is malformed");
        return value;
    }

    /// <summary>yyyy-MM-dd.</summary>
    public DateOnly Date(string path)
    {
        var value = Text(path);
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        if (value.Length > 0) Fail($"{path} is not yyyy-MM-dd");
        return default;
    }

    /// <summary>A JSON number (the canonical grade).</summary>
    public int Integer(string path)
    {
        if (root.TryGetProperty(path, out var element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var number))
        {
            return number;
        }
        Fail($"{path} must be a whole number");
        return 0;
    }

    public string OneOf(string path, params string[] allowed)
    {
        var value = Text(path);
        if (value.Length > 0 && !allowed.Contains(value)) Fail($"{path} must be one of {string.Join('/', allowed)}");
        return value;
    }

    public string Division(string path)
    {
        var value = Text(path);
        if (value.Length > 0 && (value.Length != 6 || !value.All(char.IsAsciiDigit))) Fail($"{path} must be 6 digits");
        return value;
    }

    private void Fail(string message) => _problem ??= message;
}
