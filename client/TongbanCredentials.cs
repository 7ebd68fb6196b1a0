namespace Tongban.Client;

/// <summary>
/// Who signs: a member province (<c>X-Tongban-Partner</c>, its GB/T 2260 code) or a hub operator (<c>X-Tongban-Operator</c>),
/// with the shared secret. The secret is never written out by <see cref="ToString"/>.
/// </summary>
public sealed class TongbanCredentials
{
    private TongbanCredentials(string callerHeader, string callerId, string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(callerId);
        ArgumentException.ThrowIfNullOrEmpty(secret);
        CallerHeader = callerHeader;
        CallerId = callerId;
        Secret = secret;
    }

    /// <summary>The header naming the caller: <see cref="TongbanSignature.PartnerHeader"/> or <see cref="TongbanSignature.OperatorHeader"/>.</summary>
    public string CallerHeader { get; }

    public string CallerId { get; }

    public string Secret { get; }

    public bool IsOperator => CallerHeader == TongbanSignature.OperatorHeader;

    public static TongbanCredentials Partner(string provinceCode, string secret) => new(TongbanSignature.PartnerHeader, provinceCode, secret);

    public static TongbanCredentials Operator(string operatorId, string secret) => new(TongbanSignature.OperatorHeader, operatorId, secret);

    public override string ToString() => $"{CallerHeader}: {CallerId}";
}
