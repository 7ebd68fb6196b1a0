using System.Text.Json;

namespace Tongban.Cases.Validation;

/// <summary>A validated <c>POST /api/v1/cases/{caseId}/withdrawal</c> body.</summary>
public sealed record CaseWithdrawal(string Reason);

public static class WithdrawalValidator
{
    public const int ReasonMaxLength = 500;

    public static Validated<CaseWithdrawal> Validate(JsonElement body)
    {
        var errors = new ValidationErrors();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add(OpenCaseValidator.BodyPath, "The request body must be a JSON object.");
            return new Validated<CaseWithdrawal>(null, errors);
        }

        var reason = new JsonFieldReader(errors).Text(body, "reason", "reason", 1, ReasonMaxLength, multiline: true);
        return reason is not null
            ? new Validated<CaseWithdrawal>(new CaseWithdrawal(reason), errors)
            : new Validated<CaseWithdrawal>(null, errors);
    }
}
