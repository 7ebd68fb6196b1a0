using Tongban.Security;

namespace Tongban.Tests.Cases;

public class IdNumberMaskTests
{
    [Theory]
    [InlineData("330106200006179053", "330106********9053")]
    [InlineData("31011519991117804X", "310115********804X")]
    [InlineData("330106000617905", "330106*****7905")] // 15-character first-generation number
    public void Shows_first_six_and_last_four(string value, string expected) =>
        Assert.Equal(expected, IdNumberMask.Mask(value));

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("1", "*")]
    [InlineData("3301062000", "**********")]
    [InlineData("33010620000617", "**************")]
    public void Masks_short_or_garbage_input_entirely(string? value, string expected) =>
        Assert.Equal(expected, IdNumberMask.Mask(value));

    [Theory]
    [InlineData("330106200006179053")]
    [InlineData("33010620000617905312345")]
    [InlineData("abcdefghijklmnopqrstuvwxyz")]
    public void Never_shows_more_than_ten_characters(string value)
    {
        var masked = IdNumberMask.Mask(value);
        Assert.Equal(value.Length, masked.Length);
        Assert.True(masked.Count(c => c != '*') <= 10);
        Assert.Equal(value[..6], masked[..6]);
        Assert.Equal(value[^4..], masked[^4..]);
    }
}
