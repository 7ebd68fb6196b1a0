using Microsoft.AspNetCore.Http;
using Tongban.Sandbox.Population;

namespace Tongban.Sandbox.Zhejiang;

/// <summary>
/// Reads a service's form fields, remembering the first problem (97 missing, 98 malformed) so a handler
/// reads all its parameters and then asks <see cref="Refusal"/> once.
/// </summary>
internal sealed class ZhejiangForm(IFormCollection form)
{
    private (string Code, string Message)? _problem;

    public IResult? Refusal => _problem is { } p ? ZhejiangReply.Fail(p.Code, p.Message) : null;

    public string Text(string name)
    {
        var value = form[name].ToString();
        if (string.IsNullOrWhiteSpace(value)) Fail(ZhejiangReply.ParameterMissing, $"parameter {name} is missing");
        return value;
    }

    public string? Optional(string name) => form[name] is { Count: > 0 } v && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString() : null;

    public string IdNumber(string name)
    {
        var value = Text(name);
        if (value.Length > 0 && !ResidentIdNumber.IsWellFormed(value)) Fail(ZhejiangReply.ParameterMalformed, $"parameter {name} is malformed");
        return value;
    }

    public DateOnly Date(string name)
    {
        var value = Text(name);
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", out var date)) return date;
        if (value.Length > 0) Fail(ZhejiangReply.ParameterMalformed, $"parameter {name} is not yyyy-MM-dd");
        return default;
    }

    public int Integer(string name)
    {
        var value = Text(name);
        if (int.TryParse(value, out var number)) return number;
        if (value.Length > 0) Fail(ZhejiangReply.ParameterMalformed, $"parameter {name} is not a number");
        return 0;
    }

    public string OneOf(string name, params string[] allowed)
    {
        var value = Text(name);
        if (value.Length > 0 && !allowed.Contains(value)) Fail(ZhejiangReply.ParameterMalformed, $"parameter {name} must be one of {string.Join('/', allowed)}");
        return value;
    }

    private void Fail(string code, string message) => _problem ??= (code, message);
}
