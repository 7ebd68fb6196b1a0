using System.Net;
using Tongban.Callbacks;

namespace Tongban.Tests.Callbacks;

/// <summary>Which addresses a callback may connect to: public ones only; every other range is named, IPv4 in IPv6 forms included.</summary>
public class CallbackAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", AddressKind.Loopback)]
    [InlineData("127.255.255.254", AddressKind.Loopback)]
    [InlineData("::1", AddressKind.Loopback)]
    [InlineData("10.0.0.1", AddressKind.Private)]
    [InlineData("10.255.255.255", AddressKind.Private)]
    [InlineData("172.16.0.1", AddressKind.Private)]
    [InlineData("172.31.255.255", AddressKind.Private)]
    [InlineData("192.168.1.1", AddressKind.Private)]
    [InlineData("100.64.0.1", AddressKind.SharedAddressSpace)]
    [InlineData("100.127.255.255", AddressKind.SharedAddressSpace)]
    [InlineData("169.254.0.1", AddressKind.LinkLocal)]
    [InlineData("fe80::1", AddressKind.LinkLocal)]
    [InlineData("febf::1", AddressKind.LinkLocal)]
    [InlineData("fc00::1", AddressKind.UniqueLocal)]
    [InlineData("fdff:ffff::1", AddressKind.UniqueLocal)]
    [InlineData("0.0.0.0", AddressKind.Unspecified)]
    [InlineData("::", AddressKind.Unspecified)]
    [InlineData("224.0.0.1", AddressKind.Multicast)]
    [InlineData("239.255.255.250", AddressKind.Multicast)]
    [InlineData("ff02::1", AddressKind.Multicast)]
    [InlineData("169.254.169.254", AddressKind.Metadata)]
    [InlineData("168.63.129.16", AddressKind.Metadata)]
    [InlineData("fd00:ec2::254", AddressKind.Metadata)]
    [InlineData("255.255.255.255", AddressKind.Reserved)]
    public void Names_each_range_that_is_not_public(string address, AddressKind kind)
    {
        Assert.Equal(kind, CallbackAddress.Classify(IPAddress.Parse(address)));
        Assert.False(CallbackAddress.IsPublic(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1", AddressKind.Loopback)]
    [InlineData("::ffff:10.1.2.3", AddressKind.Private)]
    [InlineData("::ffff:192.168.0.1", AddressKind.Private)]
    [InlineData("::ffff:169.254.169.254", AddressKind.Metadata)]
    [InlineData("::ffff:168.63.129.16", AddressKind.Metadata)]
    [InlineData("::ffff:100.64.1.1", AddressKind.SharedAddressSpace)]
    [InlineData("::127.0.0.1", AddressKind.Loopback)]             // IPv4-compatible
    [InlineData("64:ff9b::a9fe:a9fe", AddressKind.Metadata)]       // NAT64 of 169.254.169.254
    [InlineData("2002:7f00:1::1", AddressKind.Loopback)]           // 6to4 of 127.0.0.1
    [InlineData("2002:c0a8:101::1", AddressKind.Private)]          // 6to4 of 192.168.1.1
    public void Judges_ipv4_written_as_ipv6_by_the_ipv4_address(string address, AddressKind kind) =>
        Assert.Equal(kind, CallbackAddress.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.15.255.255")]   // just below 172.16/12
    [InlineData("172.32.0.0")]       // just above it
    [InlineData("100.63.255.255")]   // just below 100.64/10
    [InlineData("100.128.0.0")]      // just above it
    [InlineData("169.253.255.255")]
    [InlineData("223.255.255.255")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("fec0::1", false)]   // the old site-local range is not public
    public void Lets_public_addresses_through(string address, bool expected = true) =>
        Assert.Equal(expected, CallbackAddress.IsPublic(IPAddress.Parse(address)));
}
