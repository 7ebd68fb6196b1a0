using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tongban.Security;

namespace Tongban.Provinces.Shanghai;

/// <summary>The kind of slow work a Shanghai callback finishes.</summary>
public enum ShanghaiSlowWorkType { NewbornRegistration, TransferOut }

/// <summary>Why a callback was not accepted; anything but <see cref="None"/> means "do not take the result".</summary>
public enum ShanghaiCallbackFailure
{
    None,
    /// <summary>An X-Ca-* header is missing.</summary>
    MissingHeader,
    /// <summary>X-Ca-Nonce is not a UUID (shanghai.md), so it is never used as a table key.</summary>
    MalformedNonce,
    /// <summary>X-Ca-Key is not the configured callbackKey.</summary>
    UnknownKey,
    /// <summary>X-Ca-Signature does not match the request.</summary>
    BadSignature,
    /// <summary>X-Ca-Timestamp is unreadable or more than 300 s from now.</summary>
    StaleTimestamp,
    /// <summary>Authenticated, but the body is not a callback the contract allows.</summary>
    MalformedBody,
}

/// <summary>
/// The outcome of reading one callback. When <see cref="IsValid"/>, Ticket, Type and Result are set; the caller
/// still has to refuse a nonce it has seen before (<see cref="Nonce"/>).
/// </summary>
public sealed record ShanghaiCallbackResult(
    ShanghaiCallbackFailure Failure,
    string? FailureReason,
    string? Nonce,
    string? Ticket,
    ShanghaiSlowWorkType? Type,
    SlowWorkResult? Result)
{
    public bool IsValid => Failure == ShanghaiCallbackFailure.None;

    internal static ShanghaiCallbackResult Fail(ShanghaiCallbackFailure failure, string reason, string? nonce = null) =>
        new(failure, reason, nonce, null, null, null);
}

/// <summary>
/// Verifies and parses Shanghai's slow-work callback (<c>POST /api/v1/provinces/310000/callbacks</c>, shanghai.md):
/// X-Ca-* headers signed with callbackKey/callbackSecret, timestamp within 300 s, body
/// <c>{"ticket","type","result","reason","data"}</c>. Never throws for a bad request; returns the failure instead.
/// </summary>
public static class ShanghaiCallback
{
    public const string Path = "/api/v1/provinces/310000/callbacks";

    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(300);

    /// <summary>The longest ticket taken: Shanghai's are short (<c>TK310000-000001</c> in the sandbox); a table key allows 1 KiB.</summary>
    public const int MaxTicketLength = 128;

    /// <summary>
    /// shanghai.md says only "a ticket"; the hub takes letters, digits, <c>.</c>, <c>_</c> and <c>-</c> up to
    /// <see cref="MaxTicketLength"/>, which keeps out every character a table key refuses (<c># / \ ?</c>, controls).
    /// </summary>
    public static bool IsTicket(string? ticket) =>
        ticket is { Length: > 0 and <= MaxTicketLength } && !ticket.AsSpan().ContainsAnyExcept(TicketCharacters);

    /// <summary>shanghai.md: X-Ca-Nonce is a UUID (8-4-4-4-12 hex digits).</summary>
    public static bool IsNonce(string? nonce) => nonce is { Length: 36 } && Guid.TryParseExact(nonce, "D", out _);

    private static readonly System.Buffers.SearchValues<char> TicketCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    /// <summary>Reads the X-Ca-* headers from an ASP.NET Core request's headers.</summary>
    /// <param name="pathAndQuery">The path and query exactly as received (raw target), which is what Shanghai signed.</param>
    public static ShanghaiCallbackResult Read(
        string method, string pathAndQuery, IHeaderDictionary headers, ReadOnlySpan<byte> body,
        string callbackKey, string callbackSecret, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return Read(method, pathAndQuery, name => headers.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : null,
            body, callbackKey, callbackSecret, now);
    }

    /// <param name="header">Looks up one request header by name (null when absent or repeated).</param>
    public static ShanghaiCallbackResult Read(
        string method, string pathAndQuery, Func<string, string?> header, ReadOnlySpan<byte> body,
        string callbackKey, string callbackSecret, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(header);
        var key = header("X-Ca-Key");
        var timestamp = header("X-Ca-Timestamp");
        var nonce = header("X-Ca-Nonce");
        var signature = header("X-Ca-Signature");
        if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(nonce) || string.IsNullOrEmpty(signature))
        {
            return ShanghaiCallbackResult.Fail(ShanghaiCallbackFailure.MissingHeader, "X-Ca-Key, X-Ca-Timestamp, X-Ca-Nonce and X-Ca-Signature are required", nonce);
        }

        if (!IsNonce(nonce))
        {
            return ShanghaiCallbackResult.Fail(ShanghaiCallbackFailure.MalformedNonce, "X-Ca-Nonce is not a UUID");
        }

        if (!string.Equals(key, callbackKey, StringComparison.Ordinal))
        {
            return ShanghaiCallbackResult.Fail(ShanghaiCallbackFailure.UnknownKey, "X-Ca-Key is not Shanghai's callback key", nonce);
        }

        if (!HmacRequestSignature.Verify(callbackSecret, method, pathAndQuery, timestamp, nonce, body, signature))
        {
            return ShanghaiCallbackResult.Fail(ShanghaiCallbackFailure.BadSignature, "X-Ca-Signature does not match", nonce);
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || ms > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            || (DateTimeOffset.FromUnixTimeMilliseconds(ms) - now).Duration() > MaxClockSkew)
        {
            return ShanghaiCallbackResult.Fail(ShanghaiCallbackFailure.StaleTimestamp, "X-Ca-Timestamp is more than 300 s from the hub's clock", nonce);
        }

        return ParseBody(body, nonce);
    }

    private static ShanghaiCallbackResult ParseBody(ReadOnlySpan<byte> body, string nonce)
    {
        CallbackBody? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<CallbackBody>(body, ShanghaiMessages.Json);
        }
        catch (JsonException ex)
        {
            return ShanghaiCallbackResult.Fail(ShanghaiCallbackFailure.MalformedBody, $"body is not a callback (at {ex.Path})", nonce);
        }

        if (parsed is null || string.IsNullOrWhiteSpace(parsed.Ticket))
        {
            return ShanghaiCallbackResult.Fail(ShanghaiCallbackFailure.MalformedBody, "ticket is missing", nonce);
        }

        if (!IsTicket(parsed.Ticket))
        {
            return ShanghaiCallbackResult.Fail(ShanghaiCallbackFailure.MalformedBody,
                $"ticket must be 1-{MaxTicketLength} characters of letters, digits, '.', '_' and '-'", nonce);
        }

        ShanghaiSlowWorkType? type = parsed.Type switch
        {
            "newborn-registration" => ShanghaiSlowWorkType.NewbornRegistration,
            "transfer-out" => ShanghaiSlowWorkType.TransferOut,
            _ => null,
        };
        if (type is null)
        {
            return ShanghaiCallbackResult.Fail(ShanghaiCallbackFailure.MalformedBody, "type is not newborn-registration or transfer-out", nonce);
        }

        var reason = string.IsNullOrWhiteSpace(parsed.Reason) ? null : parsed.Reason;
        SlowWorkResult result;
        switch (parsed.Result)
        {
            case "rejected":
                result = new SlowWorkResult(SlowWorkState.Rejected, reason);
                break;
            case "approved" when type == ShanghaiSlowWorkType.NewbornRegistration:
                if (string.IsNullOrWhiteSpace(parsed.Data?.IdNumber) || string.IsNullOrWhiteSpace(parsed.Data.HouseholdNo))
                {
                    return ShanghaiCallbackResult.Fail(ShanghaiCallbackFailure.MalformedBody, "approved newborn registration lacks data.idNumber or data.householdNo", nonce);
                }

                result = new SlowWorkResult(SlowWorkState.Approved, reason, IdNumber: parsed.Data.IdNumber, HouseholdNo: parsed.Data.HouseholdNo);
                break;
            case "approved":
                if (string.IsNullOrWhiteSpace(parsed.Data?.TransferId))
                {
                    return ShanghaiCallbackResult.Fail(ShanghaiCallbackFailure.MalformedBody, "approved transfer-out lacks data.transferId", nonce);
                }

                result = new SlowWorkResult(SlowWorkState.Approved, reason, TransferId: parsed.Data.TransferId);
                break;
            default:
                return ShanghaiCallbackResult.Fail(ShanghaiCallbackFailure.MalformedBody, "result is not approved or rejected", nonce);
        }

        return new ShanghaiCallbackResult(ShanghaiCallbackFailure.None, null, nonce, parsed.Ticket, type, result);
    }

    private sealed record CallbackBody(string? Ticket, string? Type, string? Result, string? Reason, CallbackData? Data);

    private sealed record CallbackData(string? IdNumber, string? HouseholdNo, string? TransferId);
}
