using System.Globalization;
using Tongban.Sandbox.Population;

namespace Tongban.Sandbox.Jiangxi;

/// <summary>
/// Reads a service's bizContent fields, remembering the first problem (1001) so a handler reads all its
/// fields and then asks <see cref="Refusal"/> once.
/// </summary>
internal sealed class JiangxiBiz(IReadOnlyDictionary<string, string> fields)
{
    private string? _problem;

    public JiangxiResult? Refusal => _problem is { } p ? JiangxiResult.Fail(JiangxiResult.ParameterError, p) : null;

    public string Text(string name)
    {
        var value = fields.GetValueOrDefault(name) ?? "";
        if (string.IsNullOrWhiteSpace(value)) Fail($"{name} is missing");
        return value;
    }

    public string IdNumber(string name)
    {
        var value = Text(name);
        if (value.Length > 0 && !ResidentIdNumber.IsWellFormed(value)) Fail($"{name} is malformed");
        return value;
    }

    /// <summary>yyyyMMdd.</summary>
    public DateOnly Date(string name)
    {
        var value = Text(name);
        if (DateOnly.TryParseExact(value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        if (value.Length > 0) Fail($"{name} is not yyyyMMdd");
        return default;
    }

    public int Integer(string name)
    {
        var value = Text(name);
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return number;
        if (value.Length > 0) Fail($"{name} is not a number");
        return 0;
    }

    public string Division(string name)
    {
        var value = Text(name);
        if (value.Length > 0 && (value.Length != 6 || !value.All(char.IsAsciiDigit))) Fail($"{name} must be 6 digits");
        return value;
    }

    /// <summary>A coded field (xb, hyzk, ...) read as its canonical word.</summary>
    public string Coded(string name, JiangxiCodeList list)
    {
        var value = Text(name);
        if (value.Length == 0) return "";
        if (list.TryWordOf(value, out var word)) return word;
        Fail($"{name} holds a value outside its code list");
        return "";
    }

    public void Fail(string message) => _problem ??= message;
}
