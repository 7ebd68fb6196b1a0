using System.Net;
using Tongban.Configuration;

namespace Tongban.Callbacks;

/// <summary>
/// A partner's registered callback origin, <c>scheme://host[:port]</c>: https, or http on a literal loopback address
/// (127.0.0.0/8 or [::1]) for a partner testing on its own machine. Compared by scheme, host (case-insensitive) and
/// effective port.
/// </summary>
public sealed record CallbackOrigin(string Scheme, string Host, int Port)
{
    /// <summary>The host as an address when it is written as one (not a name).</summary>
    public IPAddress? Literal => IPAddress.TryParse(Host.Trim('[', ']'), out var address) ? address : null;

    public override string ToString() => $"{Scheme}://{Host}:{Port}";

    public static CallbackOrigin Of(Uri url) => new(url.Scheme, url.Host.ToLowerInvariant(), url.Port);

    /// <summary>Reads a configured origin; <paramref name="problem"/> says what is wrong with one that cannot be used.</summary>
    public static bool TryParse(string? text, out CallbackOrigin origin, out string problem)
    {
        origin = new CallbackOrigin("", "", 0);
        problem = "";
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
            || string.IsNullOrEmpty(uri.Host))
        {
            problem = "must be https://host[:port]";
            return false;
        }

        if (uri.UserInfo.Length > 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0 || text.Contains('#', StringComparison.Ordinal))
        {
            problem = "must be an origin only: scheme://host[:port], no user, path, query or fragment";
            return false;
        }

        var candidate = Of(uri);
        if (candidate.Scheme == "http" && !(candidate.Literal is { } literal && IPAddress.IsLoopback(literal)))
        {
            problem = "http is allowed only on a literal loopback address (127.0.0.0/8 or [::1]); use https";
            return false;
        }

        origin = candidate;
        return true;
    }

    public bool Matches(Uri url) =>
        string.Equals(Scheme, url.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Host, url.Host, StringComparison.OrdinalIgnoreCase)
        && Port == url.Port;
}

/// <summary>Every partner's registered callback origins (<c>Tongban:Partners:{code}:CallbackOrigins</c>), read once.</summary>
public sealed class PartnerCallbackOrigins
{
    private readonly IReadOnlyDictionary<string, IReadOnlyList<CallbackOrigin>> byPartner;

    public PartnerCallbackOrigins(IReadOnlyDictionary<string, IReadOnlyList<CallbackOrigin>> byPartner)
    {
        this.byPartner = byPartner;
        Literals = byPartner.Values.SelectMany(o => o).Select(o => o.Literal).OfType<IPAddress>().ToHashSet();
    }

    public static PartnerCallbackOrigins None { get; } = new(new Dictionary<string, IReadOnlyList<CallbackOrigin>>());

    /// <summary>The addresses registered literally as an origin's host: the only non-public addresses a callback may reach.</summary>
    public IReadOnlySet<IPAddress> Literals { get; }

    /// <summary>Origins that do not parse are left out; start-up validation has refused them already (<see cref="TongbanOptions.Problems"/>).</summary>
    public static PartnerCallbackOrigins From(TongbanOptions options) => new(options.Partners.ToDictionary(
        p => p.Key,
        p => (IReadOnlyList<CallbackOrigin>)p.Value.CallbackOrigins.Select(text => CallbackOrigin.TryParse(text, out var o, out _) ? o : null)
            .OfType<CallbackOrigin>().ToList()));

    public bool Allows(string partner, Uri url) => byPartner.TryGetValue(partner, out var origins) && origins.Any(o => o.Matches(url));
}
