using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Tongban.Cases.Validation;
using Tongban.Storage;

namespace Tongban.Api;

/// <summary>
/// List continuation tokens: the storage token, bound to the caller it was given to with an HMAC under the ring's
/// continuation subkey, so no one can page through another's index. Sealed under the active key; a token sealed before a
/// rotation is still accepted while its key is in the ring (a listing in progress goes on), and refused once the key has
/// left it (the caller lists again from the start). Partners and operators seal in namespaces of their own
/// (<see cref="ForPartner"/>, <see cref="ForOperator"/>).
/// </summary>
public sealed class ContinuationTokens(PiiKeyRing keys)
{
    /// <summary>The validation message for a token that does not open for its caller.</summary>
    public const string NotIssued = "This continuation token was not issued to this caller.";

    private const int MacLength = 32;

    /// <summary>The tokens of a partner's lists.</summary>
    public ContinuationScope ForPartner(string partner) => new(this, partner);

    /// <summary>The tokens of an operator's lists (case list and operators' audit log alike), apart from the partners'.</summary>
    public ContinuationScope ForOperator(string operatorId) => new(this, "operator:" + operatorId);

    public string Seal(string caller, string token)
    {
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes(token)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return payload + "." + keys.KeyedHash(PiiPurpose.Continuation, caller + "|" + payload)[..MacLength];
    }

    /// <summary>The storage token, when <paramref name="sealedToken"/> was sealed for <paramref name="caller"/> under a key of the ring.</summary>
    public bool TryOpen(string caller, string sealedToken, [NotNullWhen(true)] out string? token)
    {
        token = null;
        var dot = sealedToken.LastIndexOf('.');
        if (dot <= 0) return false;
        var payload = sealedToken[..dot];
        var mac = Encoding.ASCII.GetBytes(sealedToken[(dot + 1)..]);
        // Every key is compared (no early exit), so the time taken does not tell which key matched.
        var matches = keys.KeyedHashes(PiiPurpose.Continuation, caller + "|" + payload)
            .Count(expected => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected[..MacLength]), mac));
        if (matches == 0) return false;
        var base64 = payload.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var written)) return false;
        token = Encoding.UTF8.GetString(bytes, 0, written);
        return true;
    }
}

/// <summary>One caller's continuation tokens: a list's next token sealed for the caller, and one sent back opened.</summary>
public sealed class ContinuationScope(ContinuationTokens tokens, string caller)
{
    /// <summary>The storage token of <paramref name="sealedToken"/> (none sent: null); one not sealed for this caller adds a validation error.</summary>
    public string? Open(string? sealedToken, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (sealedToken is null) return null;
        if (tokens.TryOpen(caller, sealedToken, out var token)) return token;
        errors.Add("continuation", ContinuationTokens.NotIssued);
        return null;
    }

    /// <summary>The token to give the caller for the next page (none when the list ended).</summary>
    public string? Seal(string? storageToken) => storageToken is null ? null : tokens.Seal(caller, storageToken);
}
