namespace Tongban.Cases;

/// <summary>
/// The hub's case IDs: <c>c-</c> and 32 lower-case hex digits (a version 7 GUID). A path parameter that is not one is
/// answered 404 before it reaches a table key, where <c>#</c>, <c>/</c>, <c>\</c>, <c>?</c> or control characters
/// would make storage refuse the request.
/// </summary>
public static class CaseIds
{
    public const string Prefix = "c-";

    public static string New(DateTimeOffset at) => Prefix + Guid.CreateVersion7(at).ToString("N");

    public static bool IsWellFormed(string? caseId) =>
        caseId is { Length: 34 } && caseId.StartsWith(Prefix, StringComparison.Ordinal) && !caseId.AsSpan(Prefix.Length).ContainsAnyExcept(LowerHex);

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");
}
