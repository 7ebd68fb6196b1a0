using Microsoft.AspNetCore.Http;
using Tongban.Cases;
using Tongban.Cases.Deadlines;

namespace Tongban.Api;

/// <summary>
/// The partner API's answers about a case: the stored <see cref="CaseRecord"/> mapped to <see cref="PartnerCaseView"/> (its
/// deadlines and hub share as of now), never the record itself.
/// </summary>
public sealed class PartnerCaseResults(CaseDeadlineClock deadlines)
{
    public PartnerCaseView View(CaseRecord record) => PartnerCaseView.Of(record, deadlines.Of(record), deadlines.HubShareOf(record));

    /// <summary>The case's view as JSON with <paramref name="status"/>; with <paramref name="location"/>, its address in <c>Location</c>.</summary>
    public IResult Result(CaseRecord record, int status, bool location = false)
    {
        ArgumentNullException.ThrowIfNull(record);
        var json = Results.Json(View(record), TongbanJson.Options, "application/json", status);
        return location ? new Located(json, $"/{ApiRoutes.Prefix}/v1/cases/{record.CaseId}") : json;
    }

    private sealed class Located(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
