using Microsoft.Extensions.DependencyInjection;
using Tongban.Provinces.Anhui;
using Tongban.Provinces.Jiangxi;
using Tongban.Provinces.Shanghai;
using Tongban.Provinces.Zhejiang;

namespace Tongban.Provinces;

/// <summary>The protocol families the hub speaks. A province joins by configuration; a new protocol adds one factory here.</summary>
public static class ProvinceAdapterRegistration
{
    public static IServiceCollection AddTongbanProvinceAdapters(this IServiceCollection services)
    {
        services.AddSingleton<IProvinceAdapterFactory, ZhejiangAdapterFactory>();
        services.AddSingleton<IProvinceAdapterFactory, ShanghaiAdapterFactory>();
        services.AddSingleton<IProvinceAdapterFactory, JiangxiAdapterFactory>();
        services.AddSingleton<IProvinceAdapterFactory, AnhuiAdapterFactory>();
        services.AddSingleton<IProvinceCallbackReader, ShanghaiCallbackReader>();
        return services;
    }
}
