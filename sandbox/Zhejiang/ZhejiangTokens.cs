using System.Security.Cryptography;

namespace Tongban.Sandbox.Zhejiang;

/// <summary>Zhejiang's token gateway: requestSecrets issued to the app key, each living for the token lifetime.</summary>
internal sealed class ZhejiangTokens(ZhejiangCredentials credentials, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _secrets = new(StringComparer.Ordinal);

    /// <summary>True when appKey is ours and sign = MD5(appKey + appSecret + requestTime).</summary>
    public bool IsValidTokenRequest(string appKey, string requestTime, string sign) =>
        appKey == credentials.AppKey && ZhejiangWire.SameSign(ZhejiangWire.TokenSign(appKey, credentials.AppSecret, requestTime), sign);

    public string Issue(TimeSpan lifetime)
    {
        var secret = "rs-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        lock (_gate) _secrets[secret] = time.GetUtcNow() + lifetime;
        return secret;
    }

    /// <summary>True when sign = MD5(appKey + requestSecret + requestTime) for a live secret (the secret itself is never sent).</summary>
    public bool IsValidCall(string appKey, string requestTime, string sign)
    {
        if (appKey != credentials.AppKey) return false;
        var now = time.GetUtcNow();
        lock (_gate)
        {
            foreach (var (secret, expiresAt) in _secrets.ToList())
            {
                if (expiresAt <= now)
                {
                    _secrets.Remove(secret);
                    continue;
                }
                if (ZhejiangWire.SameSign(ZhejiangWire.CallSign(appKey, secret, requestTime), sign)) return true;
            }
        }
        return false;
    }
}
