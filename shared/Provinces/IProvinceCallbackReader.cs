using Microsoft.AspNetCore.Http;

namespace Tongban.Provinces;

/// <summary>A slow-work result a province pushed to the hub, authenticated with that province's own scheme.</summary>
public sealed record ProvinceCallback(string Ticket, SlowWorkResult Result, string Nonce);

/// <summary>Why a callback was not taken: <see cref="Unauthenticated"/> answers 401, otherwise 400.</summary>
public sealed record CallbackRefusal(bool Unauthenticated, string Reason);

/// <summary>Reads a province's callbacks, for the protocol families that finish slow work by calling back.</summary>
public interface IProvinceCallbackReader
{
    string Scheme { get; }

    /// <summary>The callback, or why it is refused. <paramref name="pathAndQuery"/> is the raw target as received.</summary>
    (ProvinceCallback? Callback, CallbackRefusal? Refusal) Read(ProvinceEndpoint endpoint, HttpRequest request, string pathAndQuery, byte[] body, DateTimeOffset now);
}
