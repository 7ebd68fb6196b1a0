namespace Tongban.Cases.Validation;

/// <summary>
/// A validated <c>GET /api/v1/cases</c> query. Status is one of <see cref="CaseQueryValidator.Statuses"/>;
/// Continuation is passed through unchecked (the API checks it was issued to the caller).
/// </summary>
public sealed record CaseQuery(
    string? Status,
    CaseType? CaseType,
    DateTimeOffset? UpdatedSince,
    int PageSize,
    string? Continuation);
