using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Tongban.Storage;

/// <summary>What a subkey of the ring is for. No key feeds two purposes: each is derived with HKDF under its own label.</summary>
public enum PiiPurpose
{
    /// <summary>AES-256-GCM over a case's details (<see cref="CaseDetailsCipher"/>).</summary>
    CaseDetails,

    /// <summary>HMAC of a partner's Idempotency-Key, the row key of its claim.</summary>
    Idempotency,

    /// <summary>HMAC binding a list continuation token to the partner it was given to.</summary>
    Continuation,

    /// <summary>Keyed hashes of citizens' identifiers for look-ups (reserved for issue 16).</summary>
    Lookup,
}

/// <summary>
/// The hub's PII keys (<c>Tongban:Pii:Keys:{id}</c>, 32 bytes Base64 each, Key Vault in Azure) and which one is active
/// (<c>Tongban:Pii:ActiveKeyId</c>). New ciphertext and new keyed hashes use the active key; ciphertext names its key, so
/// rows written under an older key stay readable while that key is in the ring (and
/// <see cref="Operations.CaseDetailsReencryption"/> moves them to the active key). Every use gets its own subkey,
/// HKDF-SHA256(key, info = "tongban/pii/{purpose}"): the raw key is never used directly.
/// </summary>
/// <remarks>
/// Rotation: add the new key to the ring everywhere, then make it active, and remove the old key only after the
/// re-encryption job has moved every case (its log says when none is left) and the idempotency window is past.
/// Keyed hashes are matched, not decrypted: an idempotency claim made under the old key is still found (the store looks
/// under every key of the ring), and a continuation token sealed under the old key is still accepted, as long as the old key
/// stays in the ring. Once it is removed, such a token is refused as invalid (the partner lists again from the start) and a
/// retry with an Idempotency-Key claimed under it is taken as a new request.
/// </remarks>
public sealed partial class PiiKeyRing
{
    public const int KeySize = 32;

    private readonly FrozenDictionary<string, byte[]> keys;
    private readonly FrozenDictionary<(string KeyId, PiiPurpose Purpose), byte[]> subkeys;

    public PiiKeyRing(IReadOnlyDictionary<string, byte[]> keys, string activeKeyId)
    {
        if (keys.Count == 0) throw new ArgumentException("The PII key ring is empty.", nameof(keys));
        foreach (var (id, key) in keys)
        {
            if (!IsKeyId(id)) throw new ArgumentException($"PII key ID '{id}' is not letters, digits and '-' (at most 32).", nameof(keys));
            if (key.Length != KeySize) throw new ArgumentException($"PII key '{id}' is not {KeySize} bytes.", nameof(keys));
        }

        this.keys = keys.ToFrozenDictionary(k => k.Key, k => k.Value, StringComparer.OrdinalIgnoreCase);
        ActiveKeyId = this.keys.Keys.FirstOrDefault(id => string.Equals(id, activeKeyId, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"The active PII key '{activeKeyId}' is not in the ring.", nameof(activeKeyId));
        subkeys = this.keys.SelectMany(k => Enum.GetValues<PiiPurpose>().Select(p => (Id: k.Key, Purpose: p, Key: k.Value)))
            .ToFrozenDictionary(s => (s.Id, s.Purpose), s => Derive(s.Key, s.Purpose));
    }

    /// <summary>The ring the options describe (validated at start-up by <see cref="Problems"/>).</summary>
    public static PiiKeyRing From(IReadOnlyDictionary<string, string> keys, string activeKeyId) =>
        new(keys.ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value)), activeKeyId);

    /// <summary>The ID new ciphertext and new keyed hashes are made under, as the ring spells it.</summary>
    public string ActiveKeyId { get; }

    /// <summary>Every key ID of the ring, the active one first.</summary>
    public IEnumerable<string> KeyIds => keys.Keys.OrderBy(id => id == ActiveKeyId ? 0 : 1);

    /// <summary>The ring's own spelling of <paramref name="keyId"/>, or null when the ring has no such key.</summary>
    public string? Find(string keyId) => keys.ContainsKey(keyId) ? keys.Keys.First(k => string.Equals(k, keyId, StringComparison.OrdinalIgnoreCase)) : null;

    /// <summary>The subkey of <paramref name="keyId"/> for <paramref name="purpose"/>.</summary>
    public byte[] Subkey(string keyId, PiiPurpose purpose) =>
        subkeys.TryGetValue((Find(keyId) ?? throw new UnknownPiiKeyException(keyId), purpose), out var subkey) ? subkey : throw new UnknownPiiKeyException(keyId);

    /// <summary>A keyed hash (HMAC-SHA256, lower-case hex) under the active key, for values only ever matched, never read back.</summary>
    public string KeyedHash(PiiPurpose purpose, string value) => KeyedHash(ActiveKeyId, purpose, value);

    /// <summary>The keyed hash of <paramref name="value"/> under each key of the ring, the active key first: what an older hash may be.</summary>
    public IEnumerable<string> KeyedHashes(PiiPurpose purpose, string value) => KeyIds.Select(id => KeyedHash(id, purpose, value));

    public string KeyedHash(string keyId, PiiPurpose purpose, string value) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Subkey(keyId, purpose), Encoding.UTF8.GetBytes(value)));

    /// <summary>The names of the bad <c>Tongban:Pii</c> keys, for start-up validation.</summary>
    /// <param name="keys">Base64 keys by key ID.</param>
    /// <param name="legacyKey">The single key before the ring, which must no longer be set.</param>
    public static IEnumerable<string> Problems(IReadOnlyDictionary<string, string> keys, string activeKeyId, string? legacyKey)
    {
        if (!string.IsNullOrWhiteSpace(legacyKey))
        {
            yield return "Tongban:Pii:Key (no longer read: set Tongban:Pii:Keys:{id} and Tongban:Pii:ActiveKeyId instead)";
        }

        if (keys.Count == 0) yield return "Tongban:Pii:Keys (no key configured: Tongban:Pii:Keys:{id}, 32 bytes in Base64)";
        foreach (var (id, value) in keys)
        {
            if (!IsKeyId(id)) yield return $"Tongban:Pii:Keys:{id} (a key ID is letters, digits and '-', at most 32)";
            else if (!IsKey(value)) yield return $"Tongban:Pii:Keys:{id} (must be 32 bytes in Base64)";
        }

        if (string.IsNullOrWhiteSpace(activeKeyId)) yield return "Tongban:Pii:ActiveKeyId";
        else if (!keys.Keys.Any(id => string.Equals(id, activeKeyId, StringComparison.OrdinalIgnoreCase)))
        {
            yield return $"Tongban:Pii:ActiveKeyId (no key '{activeKeyId}' in Tongban:Pii:Keys)";
        }
    }

    /// <summary>Key IDs go into ciphertext between dots and into configuration paths: a short, plain shape.</summary>
    public static bool IsKeyId(string? id) => id is not null && KeyIdShape().IsMatch(id);

    private static bool IsKey(string? base64)
    {
        var buffer = new byte[64];
        return base64 is not null && Convert.TryFromBase64String(base64, buffer, out var written) && written == KeySize;
    }

    private static byte[] Derive(byte[] key, PiiPurpose purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key, KeySize, salt: [], info: Encoding.ASCII.GetBytes("tongban/pii/" + Label(purpose)));

    /// <summary>The HKDF label of each purpose: fixed strings, so renaming an enum member never changes a key.</summary>
    private static string Label(PiiPurpose purpose) => purpose switch
    {
        PiiPurpose.CaseDetails => "case-details",
        PiiPurpose.Idempotency => "idempotency",
        PiiPurpose.Continuation => "continuation",
        PiiPurpose.Lookup => "lookup",
        _ => throw new ArgumentOutOfRangeException(nameof(purpose)),
    };

    [GeneratedRegex("^[A-Za-z0-9-]{1,32}$")]
    private static partial Regex KeyIdShape();
}

/// <summary>Ciphertext or a hash names a key the ring does not hold (removed too early, or from another deployment).</summary>
public sealed class UnknownPiiKeyException(string keyId)
    : CryptographicException($"The PII key '{keyId}' is not in the key ring (Tongban:Pii:Keys).")
{
    public string KeyId { get; } = keyId;
}
