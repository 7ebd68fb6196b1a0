using Tongban.Storage;

namespace Tongban.Functions.Tests;

public sealed class ProvinceQueueNamesTests
{
    [Theory]
    [InlineData("330000")]
    [InlineData("310000")]
    [InlineData("360000")]
    [InlineData("340000")]
    public void Queue_constants_match_the_storage_names(string code)
    {
        var (queue, poison) = ProvinceQueueNames.ByProvince[code];
        Assert.Equal(StorageNames.ProvinceQueue(code), queue);
        Assert.Equal(StorageNames.PoisonQueue(StorageNames.ProvinceQueue(code)), poison);
    }

    [Fact]
    public void Every_member_province_has_a_queue_pair()
    {
        Assert.Equal(["310000", "330000", "340000", "360000"], ProvinceQueueNames.ByProvince.Keys.Order(StringComparer.Ordinal));
    }
}
