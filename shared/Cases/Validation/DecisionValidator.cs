using System.Text.Json;

namespace Tongban.Cases.Validation;

public enum OfficerDecision { Approve, Reject }

/// <summary>A validated <c>POST /api/v1/cases/{caseId}/decisions</c> body.</summary>
public sealed record CaseDecision(string Step, OfficerDecision Decision, string Officer, string? Reason);

/// <summary>Checks an officer's decision: the step, approve or reject, who decided, and why (required when rejecting).</summary>
public static class DecisionValidator
{
    public const string OfficerReviewStep = "officer-review";
    public const int OfficerMaxLength = 64;
    public const int ReasonMaxLength = 500;

    private static readonly string[] Steps = [OfficerReviewStep];
    private static readonly string[] Decisions = ["approve", "reject"];

    public static Validated<CaseDecision> Validate(JsonElement body)
    {
        var errors = new ValidationErrors();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add(OpenCaseValidator.BodyPath, "The request body must be a JSON object.");
            return new Validated<CaseDecision>(null, errors);
        }

        var read = new JsonFieldReader(errors);
        var step = read.OneOf(body, "step", "step", Steps);
        var decisionText = read.OneOf(body, "decision", "decision", Decisions);
        OfficerDecision? decision = decisionText switch { "approve" => OfficerDecision.Approve, "reject" => OfficerDecision.Reject, _ => null };
        var officer = read.Text(body, "officer", "officer", 1, OfficerMaxLength);
        var reason = read.Text(body, "reason", "reason", 1, ReasonMaxLength, required: false, multiline: true);
        if (decision == OfficerDecision.Reject && reason is null && !errors.Has("reason"))
        {
            errors.Add("reason", "reason is required when the decision is reject.");
        }

        return errors.IsEmpty && step is not null && decision is not null && officer is not null
            ? new Validated<CaseDecision>(new CaseDecision(step, decision.Value, officer, reason), errors)
            : new Validated<CaseDecision>(null, errors);
    }
}
