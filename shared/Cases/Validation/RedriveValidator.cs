using System.Text.Json;

namespace Tongban.Cases.Validation;

/// <summary>A validated <c>POST /api/v1/operator/cases/{caseId}/redrive</c> body: why, and optionally which held step.</summary>
public sealed record CaseRedrive(string Reason, string? Step);

public static class RedriveValidator
{
    public const int ReasonMaxLength = 500;
    public const int StepMaxLength = 100;

    public static Validated<CaseRedrive> Validate(JsonElement body)
    {
        var errors = new ValidationErrors();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add(OpenCaseValidator.BodyPath, "The request body must be a JSON object.");
            return new Validated<CaseRedrive>(null, errors);
        }

        var reader = new JsonFieldReader(errors);
        var reason = reader.Text(body, "reason", "reason", 1, ReasonMaxLength, multiline: true);
        var step = reader.Text(body, "step", "step", 1, StepMaxLength, required: false);
        return errors.IsEmpty && reason is not null
            ? new Validated<CaseRedrive>(new CaseRedrive(reason, step), errors)
            : new Validated<CaseRedrive>(null, errors);
    }
}
