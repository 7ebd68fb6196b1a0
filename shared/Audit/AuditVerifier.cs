namespace Tongban.Audit;

/// <summary>The first thing wrong with a case's trail: where, and what (<c>changed</c>, <c>removed</c>, <c>reordered</c>, <c>inserted</c>, <c>head-signature</c>, <c>head-mismatch</c>).</summary>
public sealed record AuditFailure(string CaseId, long Seq, string Problem);

/// <summary>What a verification pass found.</summary>
public sealed record AuditVerification(int CheckedCases, long CheckedEntries, long ElapsedMs, IReadOnlyList<AuditFailure> Failures);

/// <summary>
/// Checks a case's chain against itself and its signed head, with the public key alone. It walks the rows in order and
/// reports the first fault: a row whose fields no longer give its hash (<c>changed</c>), a gap in the places (<c>removed</c>),
/// an entry at another's place (<c>reordered</c>), an entry that chains onto the one before its predecessor or runs past the
/// head (<c>inserted</c>), a head whose SM2 signature fails (<c>head-signature</c>), or a signed or current head that is not the
/// chain's hash at its place (<c>head-mismatch</c>).
/// </summary>
public sealed class AuditVerifier(AuditTrail trail, AuditSigner signer, TimeProvider time)
{
    public async Task<AuditVerification> VerifyAsync(string? caseId, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var failures = new List<AuditFailure>();
        var cases = 0;
        long entries = 0;
        async IAsyncEnumerable<AuditTrailRead> One()
        {
            yield return await trail.ReadAsync(caseId!, ct);
        }

        await foreach (var read in caseId is null ? trail.ReadAllAsync(ct) : One())
        {
            cases++;
            entries += read.Entries.Count;
            if (Check(read, signer) is { } failure) failures.Add(failure);
        }

        return new AuditVerification(cases, entries, (long)time.GetElapsedTime(started).TotalMilliseconds, failures);
    }

    /// <summary>The first fault in one case's trail, or null when it holds.</summary>
    public static AuditFailure? Check(AuditTrailRead read, AuditSigner signer)
    {
        var caseId = read.CaseId;
        var prev = AuditChain.Genesis(caseId);
        var hashes = new List<string>(read.Entries.Count);
        for (var i = 0; i < read.Entries.Count; i++)
        {
            var entry = read.Entries[i];
            var place = read.Places[i];
            var expected = i + 1L;
            if (place != expected) return new AuditFailure(caseId, expected, "removed");
            if (entry.ComputeHash() != entry.Hash) return new AuditFailure(caseId, place, "changed");
            if (entry.Seq != place)
            {
                // A sound entry at the wrong place. Chaining onto the one before its predecessor, it was pushed down by one
                // put in before it; otherwise entries were swapped.
                return i >= 1 && entry.Seq == place - 1 && entry.PrevHash == read.Entries[i - 1].PrevHash
                    ? new AuditFailure(caseId, place - 1, "inserted")
                    : new AuditFailure(caseId, place, "reordered");
            }

            if (entry.PrevHash != prev)
            {
                // A sound entry that does not chain onto its predecessor: itself put in (the next one sits a place down), or the
                // predecessor rewritten, hash and all.
                var pushedDown = i + 1 < read.Entries.Count && read.Entries[i + 1].Seq == place;
                return pushedDown ? new AuditFailure(caseId, place, "inserted") : new AuditFailure(caseId, Math.Max(1, place - 1), "changed");
            }
            prev = entry.Hash;
            hashes.Add(entry.Hash);
        }

        var head = read.Head;
        if (head is null) return hashes.Count > 0 ? new AuditFailure(caseId, hashes.Count, "head-mismatch") : null;
        if (hashes.Count > head.Seq) return new AuditFailure(caseId, head.Seq + 1, "inserted");
        if (hashes.Count < head.Seq) return new AuditFailure(caseId, hashes.Count + 1, "removed");
        if (head.Seq > 0 && head.Hash != hashes[^1]) return new AuditFailure(caseId, head.Seq, "head-mismatch");
        if (head.Signature is null) return null; // not signed yet (the case is young, or no key is configured)
        if (head.SignedAt is not { } signedAt || head.KeyId is null || head.SignedHash is null
            || !signer.Verify(AuditChain.HeadText(caseId, head.SignedSeq, head.SignedHash, signedAt, head.KeyId), head.KeyId, head.Signature))
        {
            return new AuditFailure(caseId, head.SignedSeq, "head-signature");
        }

        if (head.SignedSeq < 1 || head.SignedSeq > hashes.Count || hashes[(int)head.SignedSeq - 1] != head.SignedHash)
            return new AuditFailure(caseId, head.SignedSeq, "head-mismatch");
        return null;
    }
}
