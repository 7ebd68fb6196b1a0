namespace Tongban.Audit;

/// <summary>
/// A case's trail as the API answers it: <c>{"caseId", "entries": [...], "head": {...}}</c>. Partners get every entry
/// without <c>actor</c> and <c>detail</c> (an operator's identity, an officer's, free text); operators get everything.
/// </summary>
public static class AuditView
{
    public static object Of(AuditTrailRead read, bool forOperator) => new
    {
        caseId = read.CaseId,
        entries = read.Entries.Select(e => new
        {
            seq = e.Seq, at = e.At, action = e.Action, step = e.Step, province = e.Province, outcome = e.Outcome,
            actor = forOperator ? e.Actor : null, detail = forOperator ? e.Detail : null,
            answerHash = e.AnswerHash, prevHash = e.PrevHash, hash = e.Hash,
        }),
        head = read.Head is not { Signature: not null } head ? null : new
        {
            seq = head.SignedSeq, hash = head.SignedHash, signedAt = head.SignedAt, signature = head.Signature, keyId = head.KeyId,
        },
    };
}
