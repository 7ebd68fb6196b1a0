using Microsoft.AspNetCore.Http;
using Tongban.Provinces;

namespace Tongban.Api;

/// <summary>
/// <c>POST /api/v1/provinces/{code}/callbacks</c>: slow-work results pushed by a province's own systems,
/// authenticated with that province's scheme. Marriage needs none; provinces without callbacks get 404.
/// </summary>
public sealed class ProvinceCallbackApi(ProvinceRegistry provinces)
{
    public Task<IResult> HandleAsync(HttpRequest request, string code)
    {
        if (!provinces.IsMember(code) || provinces.Adapter(code).SlowWork != SlowWorkCompletion.Callback)
        {
            return Task.FromResult(Problems.NotFound("This province does not send callbacks."));
        }

        return Task.FromResult(Problems.NotFound("No slow work of this province is awaiting a callback."));
    }
}
