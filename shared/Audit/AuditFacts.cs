using System.Globalization;
using Tongban.Cases;
using Tongban.Security;
using Tongban.Workflows;

namespace Tongban.Audit;

/// <summary>
/// Every kind of audit entry, with the identity that makes it appear once: derived from what caused it (the step and its
/// round, the status change's number, the callback's sequence), never from when the code happened to run.
/// </summary>
public static class AuditFacts
{
    public const string Hub = "hub";

    public static AuditFact Opened(string partner, string handlingProvince, string bodyHash) =>
        new("opened", "opened", Province: handlingProvince, Actor: $"partner {partner}", Detail: $"body sm3 {bodyHash}");

    /// <summary>A province answered a step's round: the operation, the outcome, and SM3 of the canonical answer (never the answer).</summary>
    public static AuditFact ProvinceCall(ProvinceStep item, StepResult result) =>
        new($"call:{item.StepKey}#{item.Round}", "province-call", item.StepKey, item.Province, result.Outcome.ToString(), Hub,
            item.Operation, AuditChain.AnswerHash(result));

    /// <summary>A step's round whose queue retries ran out without an answer.</summary>
    public static AuditFact ProvinceCallGaveUp(ProvinceStep item) =>
        new($"call:{item.StepKey}#{item.Round}:gave-up", "province-call", item.StepKey, item.Province, "Unanswered", Hub, item.Operation);

    /// <summary>Slow work's result, polled or called back; a new ID number in it is hashed masked, as a low-entropy value's hash would give it away.</summary>
    public static AuditFact SlowWork(ProvinceStep item, Provinces.SlowWorkResult result) =>
        new($"slow:{item.StepKey}#{item.Round}", "slow-work-result", item.StepKey, item.Province, result.State.ToString(), Hub,
            item.Operation, AuditChain.AnswerHash(result with { IdNumber = result.IdNumber is null ? null : IdNumberMask.Mask(result.IdNumber) }));

    public static AuditFact Decision(string step, string partner, string decision, string officer) =>
        new($"decision:{step}:{decision}", "decision", step, partner, decision, $"officer {officer} at {partner}");

    public static AuditFact Withdrawal(string partner) =>
        new("withdrawal", "withdrawal-requested", Province: partner, Actor: $"partner {partner}");

    /// <summary>The case's <paramref name="number"/>th status change; the one that closes the case is <c>closed</c>.</summary>
    public static AuditFact Status(int number, CaseStatus status, string? reason, bool closes) =>
        new($"status:{number.ToString(CultureInfo.InvariantCulture)}{(closes ? ":closed" : "")}", closes ? "closed" : "status",
            Outcome: status.ToString(), Actor: Hub, Detail: reason);

    /// <summary>An operator's (or the redrive timer's) redrive of a held step: who and why, for operators only.</summary>
    public static AuditFact Redrive(string step, string actor, string reason, DateTimeOffset at) =>
        new($"redrive:{step}:{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}", "redrive", step, Actor: actor, Detail: reason);

    public static AuditFact CallbackDelivered(int sequence, string partner) =>
        new($"callback:{sequence.ToString(CultureInfo.InvariantCulture)}", "callback-delivered", Province: partner,
            Outcome: sequence.ToString(CultureInfo.InvariantCulture), Actor: Hub);
}
