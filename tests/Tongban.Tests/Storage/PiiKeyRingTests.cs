using System.Security.Cryptography;
using System.Text;
using Tongban.Configuration;
using Tongban.Storage;

namespace Tongban.Tests.Storage;

/// <summary>Case details at rest: tagged with their key, bound to their case, readable across a rotation, refused when tampered.</summary>
public class CaseDetailsCipherTests
{
    private const string CaseId = "TB-0001";
    private const string Details = """{"party":"张三丰","idNumber":"110101199003070011"}""";
    private static readonly byte[] KeyA = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] KeyB = RandomNumberGenerator.GetBytes(32);

    private static CaseDetailsCipher Cipher(string active, params (string Id, byte[] Key)[] keys) =>
        new(new PiiKeyRing(keys.ToDictionary(k => k.Id, k => k.Key), active));

    [Fact]
    public void Sealed_details_open_to_the_same_text_and_name_the_active_key()
    {
        var cipher = Cipher("a", ("a", KeyA));

        var sealedText = cipher.Seal(CaseId, Details);

        Assert.StartsWith("v1.a.", sealedText, StringComparison.Ordinal);
        Assert.DoesNotContain("110101199003070011", sealedText, StringComparison.Ordinal);
        Assert.Equal(Details, cipher.Open(CaseId, sealedText));
        Assert.NotEqual(sealedText, cipher.Seal(CaseId, Details)); // a fresh nonce each time
    }

    [Fact]
    public void A_changed_byte_of_the_ciphertext_is_refused()
    {
        var cipher = Cipher("a", ("a", KeyA));
        var sealedText = cipher.Seal(CaseId, Details);
        var body = Convert.FromBase64String(sealedText["v1.a.".Length..]);
        body[^1] ^= 1;

        Assert.ThrowsAny<CryptographicException>(() => cipher.Open(CaseId, "v1.a." + Convert.ToBase64String(body)));
    }

    [Fact]
    public void Details_copied_onto_another_case_do_not_open()
    {
        var cipher = Cipher("a", ("a", KeyA));
        var sealedText = cipher.Seal(CaseId, Details);

        Assert.ThrowsAny<CryptographicException>(() => cipher.Open("TB-0002", sealedText));
    }

    [Fact]
    public void Relabelling_ciphertext_with_another_key_id_of_the_ring_is_refused()
    {
        // Both IDs name the same key material: only the associated data (which binds the key ID) tells them apart.
        var cipher = Cipher("a", ("a", KeyA), ("b", KeyA));
        var sealedText = cipher.Seal(CaseId, Details);

        Assert.ThrowsAny<CryptographicException>(() => cipher.Open(CaseId, "v1.b." + sealedText["v1.a.".Length..]));
    }

    [Fact]
    public void Ciphertext_under_a_key_the_ring_does_not_hold_names_that_key()
    {
        var sealedText = Cipher("a", ("a", KeyA)).Seal(CaseId, Details);

        var refused = Assert.Throws<UnknownPiiKeyException>(() => Cipher("b", ("b", KeyB)).Open(CaseId, sealedText));
        Assert.Equal("a", refused.KeyId);
    }

    [Fact]
    public void Untagged_ciphertext_from_the_single_key_format_is_refused_with_a_clear_error()
    {
        var legacy = Convert.ToBase64String(RandomNumberGenerator.GetBytes(60));

        var refused = Assert.ThrowsAny<CryptographicException>(() => Cipher("a", ("a", KeyA)).Open(CaseId, legacy));
        Assert.Contains("tagged format", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void After_a_rotation_old_details_still_open_and_new_ones_use_the_new_key()
    {
        var before = Cipher("a", ("a", KeyA)).Seal(CaseId, Details);

        var rotated = Cipher("b", ("a", KeyA), ("b", KeyB));

        Assert.Equal(Details, rotated.Open(CaseId, before));
        Assert.False(rotated.IsUnderActiveKey(before));
        var after = rotated.Seal(CaseId, Details);
        Assert.True(rotated.IsUnderActiveKey(after));
        Assert.Equal("b", CaseDetailsCipher.KeyIdOf(after));
        Assert.Equal(Details, Cipher("b", ("b", KeyB)).Open(CaseId, after)); // readable once A has left the ring
    }

    [Fact]
    public void Case_details_are_not_sealed_with_the_raw_key()
    {
        // Sealed with the raw key (as before the ring) instead of the HKDF subkey, the same associated data would open it.
        var sealedText = Cipher("a", ("a", KeyA)).Seal(CaseId, Details);
        var body = Convert.FromBase64String(sealedText["v1.a.".Length..]);
        var plain = new byte[body.Length - 28];
        using var raw = new AesGcm(KeyA, 16);

        Assert.ThrowsAny<CryptographicException>(() =>
            raw.Decrypt(body.AsSpan(0, 12), body.AsSpan(28), body.AsSpan(12, 16), plain, Encoding.UTF8.GetBytes("v1|a|" + CaseId)));
    }
}

/// <summary>The ring: one subkey per purpose, hashes under the active key, and start-up validation that names the bad key.</summary>
public class PiiKeyRingTests
{
    private static readonly byte[] KeyA = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] KeyB = RandomNumberGenerator.GetBytes(32);

    private static PiiKeyRing Ring(string active, params (string Id, byte[] Key)[] keys) => new(keys.ToDictionary(k => k.Id, k => k.Key), active);

    [Fact]
    public void No_two_purposes_share_a_subkey_and_none_is_the_raw_key()
    {
        var ring = Ring("a", ("a", KeyA));

        var subkeys = Enum.GetValues<PiiPurpose>().Select(p => Convert.ToHexString(ring.Subkey("a", p))).ToList();

        Assert.Equal(4, subkeys.Distinct().Count());
        Assert.DoesNotContain(Convert.ToHexString(KeyA), subkeys);
        Assert.NotEqual(ring.KeyedHash(PiiPurpose.Idempotency, "same"), ring.KeyedHash(PiiPurpose.Continuation, "same"));
        Assert.NotEqual(ring.KeyedHash(PiiPurpose.Lookup, "same"), ring.KeyedHash(PiiPurpose.Idempotency, "same"));
    }

    [Fact]
    public void Keyed_hashes_use_the_active_key_and_the_older_ones_are_still_listed()
    {
        var before = Ring("a", ("a", KeyA)).KeyedHash(PiiPurpose.Idempotency, "key-1");
        var rotated = Ring("b", ("a", KeyA), ("b", KeyB));

        var hashes = rotated.KeyedHashes(PiiPurpose.Idempotency, "key-1").ToList();

        Assert.Equal(rotated.KeyedHash(PiiPurpose.Idempotency, "key-1"), hashes[0]);
        Assert.NotEqual(before, hashes[0]);
        Assert.Equal(before, hashes[1]);
    }

    [Fact]
    public void The_subkeys_are_fixed_by_the_key_and_the_purpose()
    {
        // Two processes with the same ring must agree (idempotency rows, continuation tokens from another instance).
        Assert.Equal(Ring("a", ("a", KeyA)).KeyedHash(PiiPurpose.Continuation, "x"), Ring("a", ("a", KeyA), ("b", KeyB)).KeyedHash(PiiPurpose.Continuation, "x"));
        Assert.Throws<UnknownPiiKeyException>(() => Ring("a", ("a", KeyA)).Subkey("b", PiiPurpose.CaseDetails));
    }

    [Fact]
    public void A_valid_ring_has_no_problems()
    {
        Assert.Empty(Options("k1", ("k1", Convert.ToBase64String(KeyA))).Problems());
    }

    [Theory]
    [InlineData("", "Tongban:Pii:ActiveKeyId")]
    [InlineData("k2", "Tongban:Pii:ActiveKeyId (no key 'k2' in Tongban:Pii:Keys)")]
    public void A_missing_or_unknown_active_key_is_named(string active, string expected)
    {
        Assert.Equal([expected], Options(active, ("k1", Convert.ToBase64String(KeyA))).Problems());
    }

    [Theory]
    [InlineData("AAAA")]
    [InlineData("not base64!")]
    [InlineData("")]
    public void A_key_of_the_wrong_length_is_named(string value)
    {
        var problem = Assert.Single(Options("k1", ("k1", Convert.ToBase64String(KeyA)), ("old", value)).Problems());
        Assert.Equal("Tongban:Pii:Keys:old (must be 32 bytes in Base64)", problem);
    }

    [Fact]
    public void A_key_id_that_cannot_sit_in_ciphertext_is_named()
    {
        var problem = Assert.Single(Options("k1", ("k1", Convert.ToBase64String(KeyA)), ("a.b", Convert.ToBase64String(KeyB))).Problems());
        Assert.StartsWith("Tongban:Pii:Keys:a.b ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_ring_and_the_old_single_key_are_named()
    {
        var options = new PiiOptions { Key = Convert.ToBase64String(KeyA) };

        var problems = options.Problems().ToList();

        Assert.Contains(problems, p => p.StartsWith("Tongban:Pii:Key (no longer read", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Tongban:Pii:Keys (no key configured", StringComparison.Ordinal));
        Assert.Contains("Tongban:Pii:ActiveKeyId", problems);
        Assert.Contains(problems, p => p.StartsWith("Tongban:Pii", StringComparison.Ordinal) && new TongbanOptions { Pii = options }.Problems().Contains(p));
    }

    private static PiiOptions Options(string active, params (string Id, string Value)[] keys) =>
        new() { ActiveKeyId = active, Keys = keys.ToDictionary(k => k.Id, k => k.Value) };
}

/// <summary>Continuation tokens stay the caller's own, and a listing in progress survives a key rotation.</summary>
public class ContinuationTokensTests
{
    private static readonly byte[] KeyA = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] KeyB = RandomNumberGenerator.GetBytes(32);

    private static Tongban.Api.ContinuationTokens Tokens(string active, params (string Id, byte[] Key)[] keys) =>
        new(new PiiKeyRing(keys.ToDictionary(k => k.Id, k => k.Key), active));

    [Fact]
    public void A_token_opens_for_its_partner_only_and_not_once_changed()
    {
        var tokens = Tokens("a", ("a", KeyA));
        var sealedToken = tokens.Seal("330000", "1!8!storage-token");

        Assert.True(tokens.TryOpen("330000", sealedToken, out var token));
        Assert.Equal("1!8!storage-token", token);
        Assert.False(tokens.TryOpen("310000", sealedToken, out _));
        Assert.False(tokens.TryOpen("330000", "x" + sealedToken, out _));
    }

    [Fact]
    public void A_token_sealed_before_a_rotation_opens_while_its_key_is_in_the_ring_and_not_after()
    {
        var sealedToken = Tokens("a", ("a", KeyA)).Seal("330000", "storage-token");

        Assert.True(Tokens("b", ("a", KeyA), ("b", KeyB)).TryOpen("330000", sealedToken, out var token));
        Assert.Equal("storage-token", token);
        Assert.False(Tokens("b", ("b", KeyB)).TryOpen("330000", sealedToken, out _));
    }
}
