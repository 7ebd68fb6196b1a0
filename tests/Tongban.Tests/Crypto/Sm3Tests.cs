using System.Text;
using Tongban.Crypto;

namespace Tongban.Tests.Crypto;

public class Sm3Tests
{
    [Fact]
    public void Hashes_abc_to_the_GB_T_32905_example_value()
    {
        Assert.Equal("66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0", Sm3.HashHex("abc"));
    }

    [Fact]
    public void Hashes_the_64_byte_GB_T_32905_example_to_its_value()
    {
        var input = string.Concat(Enumerable.Repeat("abcd", 16));
        Assert.Equal("DEBE9FF92275B8A138604889C18E5A4D6FDB70E5387E5765293DCBA39C0C5732", Sm3.HashHex(input));
    }

    [Fact]
    public void Hashes_text_as_its_UTF8_bytes()
    {
        Assert.Equal(Convert.ToHexString(Sm3.Hash(Encoding.UTF8.GetBytes("张敏"))), Sm3.HashHex("张敏"));
        Assert.Equal(Sm3.HashSize, Sm3.Hash([]).Length);
    }
}
