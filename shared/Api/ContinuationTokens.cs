using System.Security.Cryptography;
using System.Text;
using Tongban.Storage;

namespace Tongban.Api;

/// <summary>
/// List continuation tokens: the storage token, bound to the partner it was given to with an HMAC under the ring's
/// continuation subkey, so no one can page through another's index. Sealed under the active key; a token sealed before a
/// rotation is still accepted while its key is in the ring (a listing in progress goes on), and refused once the key has
/// left it (the partner lists again from the start).
/// </summary>
public sealed class ContinuationTokens(PiiKeyRing keys)
{
    private const int MacLength = 32;

    public string Seal(string partner, string token)
    {
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes(token)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return payload + "." + keys.KeyedHash(PiiPurpose.Continuation, partner + "|" + payload)[..MacLength];
    }

    /// <summary>The storage token, when <paramref name="sealedToken"/> was sealed for <paramref name="partner"/> under a key of the ring.</summary>
    public bool TryOpen(string partner, string sealedToken, out string? token)
    {
        token = null;
        var dot = sealedToken.LastIndexOf('.');
        if (dot <= 0) return false;
        var payload = sealedToken[..dot];
        var mac = Encoding.ASCII.GetBytes(sealedToken[(dot + 1)..]);
        // Every key is compared (no early exit), so the time taken does not tell which key matched.
        var matches = keys.KeyedHashes(PiiPurpose.Continuation, partner + "|" + payload)
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
