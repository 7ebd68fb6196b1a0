using System.Text.Json;
using Tongban.Cases.Identity;

namespace Tongban.Cases.Validation;

/// <summary>A validated <c>POST /api/v1/operator/case-search</c> body: whose cases (the ID number, normalised) and why.</summary>
public sealed record CaseSearch(ResidentIdNumber IdNumber, string Reason);

/// <summary>
/// The bodies of operator actions the operators' audit log records: each needs a reason (free text, line breaks allowed,
/// no ID number in it, at most <see cref="ReasonMaxLength"/> characters), and a case search its ID number, checked as the
/// partner API checks ID numbers.
/// </summary>
public static class OperatorActionValidator
{
    public const int ReasonMaxLength = 500;

    /// <summary><c>{"idNumber": "...", "reason": "..."}</c>, the ID number valid on <paramref name="today"/> (Beijing).</summary>
    public static Validated<CaseSearch> ValidateSearch(JsonElement body, DateOnly today)
    {
        var errors = new ValidationErrors();
        if (!IsObject(body, errors)) return new Validated<CaseSearch>(null, errors);
        var reader = new JsonFieldReader(errors);
        var id = OpenCaseValidator.ReadIdNumber(reader, body, "idNumber", today);
        var reason = Reason(reader, body);
        return errors.IsEmpty && id is not null && reason is not null
            ? new Validated<CaseSearch>(new CaseSearch(id, reason), errors)
            : new Validated<CaseSearch>(null, errors);
    }

    /// <summary><c>{"reason": "..."}</c>: the reason alone.</summary>
    public static Validated<string> ValidateReason(JsonElement body)
    {
        var errors = new ValidationErrors();
        if (!IsObject(body, errors)) return new Validated<string>(null, errors);
        var reason = Reason(new JsonFieldReader(errors), body);
        return errors.IsEmpty && reason is not null ? new Validated<string>(reason, errors) : new Validated<string>(null, errors);
    }

    private static string? Reason(JsonFieldReader reader, JsonElement body) =>
        reader.Text(body, "reason", "reason", 1, ReasonMaxLength, multiline: true);

    private static bool IsObject(JsonElement body, ValidationErrors errors)
    {
        if (body.ValueKind == JsonValueKind.Object) return true;
        errors.Add(OpenCaseValidator.BodyPath, "The request body must be a JSON object.");
        return false;
    }
}
