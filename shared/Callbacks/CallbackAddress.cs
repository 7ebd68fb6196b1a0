using System.Net;
using System.Net.Sockets;

namespace Tongban.Callbacks;

/// <summary>What kind of network an address belongs to, as far as a callback may go there.</summary>
public enum AddressKind { Public, Unspecified, Loopback, Private, SharedAddressSpace, LinkLocal, UniqueLocal, Multicast, Metadata, Reserved }

/// <summary>
/// Sorts the addresses a callback could connect to: only <see cref="AddressKind.Public"/> ones are for partners'
/// servers; the rest reach the hub itself, its network, or a cloud's metadata service (SSRF). IPv4 addresses written
/// in IPv6 form (mapped <c>::ffff:a.b.c.d</c>, compatible <c>::a.b.c.d</c>, NAT64 <c>64:ff9b::/96</c>, 6to4
/// <c>2002::/16</c>) are judged by the IPv4 address they carry.
/// </summary>
public static class CallbackAddress
{
    private static readonly IPAddress[] Metadata =
    [
        IPAddress.Parse("169.254.169.254"), // AWS, Azure IMDS, GCP, Alibaba Cloud, …
        IPAddress.Parse("168.63.129.16"),   // Azure wireserver
        IPAddress.Parse("100.100.100.200"), // Alibaba Cloud
        IPAddress.Parse("fd00:ec2::254"),   // AWS over IPv6
    ];

    public static bool IsPublic(IPAddress address) => Classify(address) == AddressKind.Public;

    public static AddressKind Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (EmbeddedIPv4(address) is { } v4) address = v4;
        if (Metadata.Any(m => m.Equals(address))) return AddressKind.Metadata;
        return address.AddressFamily == AddressFamily.InterNetwork ? ClassifyIPv4(address.GetAddressBytes()) : ClassifyIPv6(address);
    }

    private static AddressKind ClassifyIPv4(byte[] b) => b switch
    {
        [0, ..] => AddressKind.Unspecified,                                   // 0.0.0.0/8, "this network"
        [127, ..] => AddressKind.Loopback,
        [10, ..] => AddressKind.Private,
        [172, >= 16 and <= 31, ..] => AddressKind.Private,
        [192, 168, ..] => AddressKind.Private,
        [100, >= 64 and <= 127, ..] => AddressKind.SharedAddressSpace,     // 100.64.0.0/10, carrier-grade NAT
        [169, 254, ..] => AddressKind.LinkLocal,
        [192, 0, 0, _] => AddressKind.Reserved,                             // IETF protocol assignments
        [198, 18 or 19, ..] => AddressKind.Reserved,                        // benchmarking
        [>= 224 and <= 239, ..] => AddressKind.Multicast,
        [>= 240, ..] => AddressKind.Reserved,                               // 240.0.0.0/4 and the broadcast address
        _ => AddressKind.Public,
    };

    private static AddressKind ClassifyIPv6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6None)) return AddressKind.Unspecified;
        if (address.Equals(IPAddress.IPv6Loopback)) return AddressKind.Loopback;
        var b = address.GetAddressBytes();
        if (b[0] == 0xff) return AddressKind.Multicast;
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressKind.LinkLocal;   // fe80::/10
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressKind.Private;     // fec0::/10, the old site-local
        if ((b[0] & 0xfe) == 0xfc) return AddressKind.UniqueLocal;                   // fc00::/7
        if (b.Take(10).All(x => x == 0)) return AddressKind.Reserved;               // the rest of ::/80 (v4 forms are handled above)
        return AddressKind.Public;
    }

    /// <summary>The IPv4 address an IPv6 address carries, for the forms that reach an IPv4 host.</summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return null;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        var b = address.GetAddressBytes();
        if (b.Take(12).All(x => x == 0) && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1)) return new IPAddress(b[12..]); // ::a.b.c.d
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].All(x => x == 0)) return new IPAddress(b[12..]); // 64:ff9b::/96
        if (b[0] == 0x20 && b[1] == 0x02) return new IPAddress(b[2..6]); // 2002::/16
        return null;
    }
}
