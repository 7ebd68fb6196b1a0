using Azure;
using Tongban.Audit;
using Tongban.Configuration;

namespace Tongban.Tests.Audit;

public sealed class AuditChainTests
{
    private const string CaseId = "c-0123456789abcdef0123456789abcdef";
    private static readonly (string Private, string Public) Keys = AuditSigner.NewKeyPair();
    private static readonly AuditSigner Signer = AuditSigner.From(new AuditOptions { SigningKey = Keys.Private, KeyId = "k1" });
    private static readonly DateTimeOffset At = new(2026, 12, 5, 4, 0, 0, TimeSpan.Zero);

    /// <summary>A sound chain of <paramref name="count"/> entries, its head signed at the last.</summary>
    private static (List<AuditEntry> Entries, AuditHead Head) Chain(int count)
    {
        var entries = new List<AuditEntry>();
        var prev = AuditChain.Genesis(CaseId);
        for (var seq = 1; seq <= count; seq++)
        {
            var at = At.AddSeconds(seq);
            var hash = AuditChain.HashOf(seq, at, "status", null, null, $"s{seq}", "hub", null, null, prev);
            entries.Add(new AuditEntry(seq, at, "status", null, null, $"s{seq}", "hub", null, null, prev, hash));
            prev = hash;
        }

        var signedAt = At.AddMinutes(1);
        var signature = Signer.Sign(AuditChain.HeadText(CaseId, count, prev, signedAt, "k1"));
        return (entries, new AuditHead(CaseId, count, prev, false, At, count, prev, signedAt, signature, "k1", false, ETag.All));
    }

    private static AuditFailure? Check(IReadOnlyList<AuditEntry> entries, AuditHead? head, IReadOnlyList<long>? places = null) =>
        AuditVerifier.Check(new AuditTrailRead(CaseId, entries, places ?? entries.Select((_, i) => i + 1L).ToList(), head), Signer);

    [Fact]
    public void A_sound_signed_chain_holds()
    {
        var (entries, head) = Chain(5);
        Assert.Null(Check(entries, head));
    }

    [Fact]
    public void Each_hash_covers_the_previous_one_and_every_field()
    {
        var (entries, _) = Chain(2);
        Assert.Equal(entries[0].Hash, entries[1].PrevHash);
        Assert.Equal(AuditChain.Genesis(CaseId), entries[0].PrevHash);
        Assert.NotEqual(entries[1].Hash, (entries[1] with { Detail = "x" }).ComputeHash());
        Assert.NotEqual(entries[1].Hash, (entries[1] with { At = entries[1].At.AddTicks(1) }).ComputeHash());
        // A field's text moved into its neighbour gives another hash (the canonical form keeps fields apart).
        var a = AuditChain.HashOf(1, At, "x", "ab", null, null, null, null, null, "p");
        var b = AuditChain.HashOf(1, At, "x", "a", "b", null, null, null, null, "p");
        Assert.NotEqual(a, b);
        Assert.NotEqual(AuditChain.Genesis(CaseId), AuditChain.Genesis("c-ffffffffffffffffffffffffffffffff"));
    }

    [Fact]
    public void A_changed_entry_is_reported_at_that_entry()
    {
        var (entries, head) = Chain(5);
        entries[2] = entries[2] with { Outcome = "Completed" };
        Assert.Equal(new AuditFailure(CaseId, 3, "changed"), Check(entries, head));
    }

    [Fact]
    public void An_entry_rewritten_with_a_fresh_hash_is_reported_at_that_entry()
    {
        var (entries, head) = Chain(5);
        var forged = entries[1] with { Outcome = "Completed" };
        entries[1] = forged with { Hash = forged.ComputeHash() };
        Assert.Equal(new AuditFailure(CaseId, 2, "changed"), Check(entries, head));
    }

    [Fact]
    public void A_removed_entry_is_reported_at_its_place_in_the_middle_and_at_the_end()
    {
        var (entries, head) = Chain(5);
        var middle = entries.Where(e => e.Seq != 3).ToList();
        Assert.Equal(new AuditFailure(CaseId, 3, "removed"), Check(middle, head, middle.Select(e => e.Seq).ToList()));
        Assert.Equal(new AuditFailure(CaseId, 5, "removed"), Check(entries.Take(4).ToList(), head));
    }

    [Fact]
    public void Swapped_entries_are_reported_as_reordered_at_the_first()
    {
        var (entries, head) = Chain(5);
        (entries[1], entries[2]) = (entries[2], entries[1]);
        Assert.Equal(new AuditFailure(CaseId, 2, "reordered"), Check(entries, head));
    }

    [Fact]
    public void An_entry_put_in_the_middle_is_reported_as_inserted_at_its_place()
    {
        var (entries, head) = Chain(4);
        // Chained properly onto entry 2 and numbered 3; the old 3 and 4 pushed down a place.
        var hash = AuditChain.HashOf(3, At, "status", null, null, "forged", "hub", null, null, entries[1].Hash);
        var forged = new AuditEntry(3, At, "status", null, null, "forged", "hub", null, null, entries[1].Hash, hash);
        var tampered = entries.Take(2).Append(forged).Concat(entries.Skip(2)).ToList();
        Assert.Equal(new AuditFailure(CaseId, 3, "inserted"), Check(tampered, head with { Seq = 5 }));
    }

    [Fact]
    public void An_entry_appended_past_the_head_is_reported_as_inserted()
    {
        var (entries, head) = Chain(3);
        var hash = AuditChain.HashOf(4, At, "status", null, null, "forged", "hub", null, null, entries[2].Hash);
        entries.Add(new AuditEntry(4, At, "status", null, null, "forged", "hub", null, null, entries[2].Hash, hash));
        Assert.Equal(new AuditFailure(CaseId, 4, "inserted"), Check(entries, head));
    }

    [Fact]
    public void A_forged_or_foreign_signature_fails_and_a_moved_signed_head_mismatches()
    {
        var (entries, head) = Chain(4);
        var other = AuditSigner.From(new AuditOptions { SigningKey = AuditSigner.NewKeyPair().PrivatePem, KeyId = "k1" });
        var forged = other.Sign(AuditChain.HeadText(CaseId, 4, head.SignedHash!, head.SignedAt!.Value, "k1"));
        Assert.Equal(new AuditFailure(CaseId, 4, "head-signature"), Check(entries, head with { Signature = forged }));
        Assert.Equal(new AuditFailure(CaseId, 4, "head-signature"), Check(entries, head with { KeyId = "unknown" }));
        Assert.Equal(new AuditFailure(CaseId, 4, "head-signature"), Check(entries, head with { SignedAt = head.SignedAt.Value.AddSeconds(1) }));
        // Signed properly, but over a hash the chain does not have at that place.
        var wrong = new string('0', 64);
        var signature = Signer.Sign(AuditChain.HeadText(CaseId, 4, wrong, head.SignedAt.Value, "k1"));
        Assert.Equal(new AuditFailure(CaseId, 4, "head-mismatch"), Check(entries, head with { SignedHash = wrong, Signature = signature }));
        Assert.Equal(new AuditFailure(CaseId, 4, "head-mismatch"), Check(entries, head with { Hash = wrong }));
    }

    [Fact]
    public void The_public_key_alone_verifies_a_head()
    {
        var text = AuditChain.HeadText(CaseId, 1, "ab", At, "k0");
        var signature = Signer.Sign(text);
        var verifyOnly = AuditSigner.From(new AuditOptions { KeyId = "k1", PublicKeys = { ["k0"] = Keys.Public } });
        Assert.False(verifyOnly.CanSign);
        Assert.False(Signer.Verify(text, "k0", signature)); // k0 is not the signer's key ID
        Assert.True(verifyOnly.Verify(text, "k0", signature));
        Assert.False(verifyOnly.Verify(text + "x", "k0", signature));
        Assert.False(verifyOnly.Verify(text, "k0", "not base64!"));
        Assert.Throws<InvalidOperationException>(() => verifyOnly.Sign(text));
    }

    [Fact]
    public void Start_up_names_a_bad_key_and_key_id()
    {
        Assert.Empty(AuditSigner.Problems(new AuditOptions { SigningKey = Keys.Private }));
        Assert.Empty(AuditSigner.Problems(new AuditOptions())); // unset: heads stay unsigned
        Assert.Equal(["Tongban:Audit:SigningKey (not an SM2 private key in PKCS#8 PEM)"], AuditSigner.Problems(new AuditOptions { SigningKey = "nonsense" }));
        Assert.Equal(["Tongban:Audit:KeyId (letters, digits and -)"], AuditSigner.Problems(new AuditOptions { SigningKey = Keys.Private, KeyId = "a b" }));
        Assert.Equal(["Tongban:Audit:PublicKeys:old (not an SM2 public key in PEM)"],
            AuditSigner.Problems(new AuditOptions { SigningKey = Keys.Private, PublicKeys = { ["old"] = Keys.Private } }));
        Assert.Equal(["Tongban:Audit:SignEvery (more than zero, at most 1 day)"],
            AuditSigner.Problems(new AuditOptions { SigningKey = Keys.Private, SignEvery = TimeSpan.FromDays(2) }));
    }
}
