using Moq;
using Tongban.Cases;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Provinces;
using Tongban.Storage;
using Tongban.Workflows;

namespace Tongban.IntegrationTests.Storage;

/// <summary>
/// A query step (a check that only reads a province's records) starts from the case row as this process last wrote it, its
/// dispatch as a rule, instead of reading it (issue 14: one read fewer per check); so does a call nothing withholds once sent
/// (marriage.register, marital.update: <see cref="CanonicalOperations.NeverWithheld"/>) when that row carries what it needs (the
/// certificate), and otherwise reads the row first. A row another host closed since costs the query a refused write and a read,
/// and changes nothing.
/// On Azurite, the province and the orchestration client mocked, the case store's table requests counted.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueryStepTests(AzuriteFixture azurite) : MockedProvinceTest(azurite)
{
    /// <param name="registered">The certificate recorded with the dispatch (as the registration's success does), or none.</param>
    private async Task<(MockedMarriage Case, ProvinceStep Check, ProvinceStep Update)> DispatchedAsync(bool registered = true)
    {
        Province.Setup(p => p.VerifyResidentAsync(It.IsAny<Person>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProvinceAnswer<ResidentVerification>.Ok(new ResidentVerification(true, Code, ResidentStatus.Normal)));
        Province.Setup(p => p.UpdateMaritalStatusAsync(It.IsAny<MaritalUpdate>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProvinceAnswer<Acknowledged>.Ok(Acknowledged.Instance));
        var marriage = await MarriageAsync();
        var check = new ProvinceStep(marriage.CaseId, StepNames.VerifyResident, "partyA", CanonicalOperations.ResidentVerify, Code, 1);
        var update = new ProvinceStep(marriage.CaseId, StepNames.UpdateMaritalStatus, "partyA", CanonicalOperations.MaritalUpdate, Code, 1);
        await marriage.Activities.DispatchProvinceStepsAsync(new ProvinceStepDispatch(marriage.CaseId, [check, update], DateTimeOffset.UtcNow, CaseStatus.InProgress)
        {
            Outcome = registered ? Registered : null,
        }, Ct);
        Requests.Clear();
        return (marriage, check, update);
    }

    private static readonly CaseOutcome Registered = new() { CertificateNo = "J-1", RegisteredOn = "2026-12-06" };

    private int CaseReads => Requests.Lines.Count(l => l == "GET TongbanCases");

    private void VerifyUpdateSentWithTheCertificate() =>
        Province.Verify(p => p.UpdateMaritalStatusAsync(It.Is<MaritalUpdate>(u => u.CertificateNo == Registered.CertificateNo), It.IsAny<CancellationToken>()), Times.Once());

    [Fact]
    public async Task A_query_and_a_marital_update_read_no_case_row_this_process_wrote_last_with_the_certificate()
    {
        var (marriage, check, update) = await DispatchedAsync();

        await HandleAsync(marriage, check);
        Assert.Equal(0, CaseReads);
        Assert.Equal(StepStatus.Succeeded, (await RecordAsync(marriage)).FindStep(check.StepKey)!.Status);
        Requests.Clear();

        await HandleAsync(marriage, update);
        Assert.Equal(0, CaseReads);
        VerifyUpdateSentWithTheCertificate();
        Assert.Equal(StepStatus.Succeeded, (await RecordAsync(marriage)).FindStep(update.StepKey)!.Status);
    }

    [Fact]
    public async Task A_marital_update_whose_last_written_row_lacks_the_certificate_reads_the_row_another_host_recorded_it_on()
    {
        var (marriage, _, update) = await DispatchedAsync(registered: false);
        // Another host's handler recorded the registration's certificate: this process's row predates it.
        var elsewhere = new CaseStore(Azurite.Tables, Cipher, TimeProvider.System);
        await ProvinceWorkHandlers.ActivitiesOnAzurite(Azurite, elsewhere).RecordCaseProgressAsync(new CaseProgress(marriage.CaseId, Outcome: Registered), Ct);
        Requests.Clear();

        await HandleAsync(marriage, update);

        // Read before the call (the write after it tries this process's row first, as a step's answer always does, and reads again).
        Assert.Equal("GET TongbanCases", Requests.Lines.First(l => l.Contains("TongbanCases", StringComparison.Ordinal)));
        VerifyUpdateSentWithTheCertificate();
    }

    [Fact]
    public async Task A_query_answered_after_another_host_closed_the_case_changes_nothing_on_it()
    {
        var (marriage, check, _) = await DispatchedAsync();
        // Another host's workflow ends the case (a refusal at another check): this process's row is stale now.
        var elsewhere = new CaseStore(Azurite.Tables, Cipher, TimeProvider.System);
        await ProvinceWorkHandlers.ActivitiesOnAzurite(Azurite, elsewhere).RecordCaseProgressAsync(
            new CaseProgress(marriage.CaseId, CaseStatus.Rejected, Outcome: new CaseOutcome { Reason = "partyB.married: partyB is married" }), Ct);
        var closed = await RecordAsync(marriage);
        Requests.Clear();

        await HandleAsync(marriage, check);

        // The stale row was tried (refused), then read: the case is closed, so nothing is written.
        Assert.Equal(["PATCH TongbanCases 412", "GET TongbanCases"], Requests.Lines.Where(l => l.Contains("TongbanCases", StringComparison.Ordinal)));
        var after = await RecordAsync(marriage);
        Assert.Equal((CaseStatus.Rejected, true, closed.UpdatedAt), (after.Status, after.Closed, after.UpdatedAt));
        Assert.Equal(StepStatus.Skipped, after.FindStep(check.StepKey)!.Status);
    }
}
