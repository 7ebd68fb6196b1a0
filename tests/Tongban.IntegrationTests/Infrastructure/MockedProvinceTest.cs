using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Tongban.Cases;
using Tongban.Provinces;
using Tongban.Storage;
using Tongban.Workflows.Activities;
using Tongban.Workflows.Dispatch;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>
/// A test of the step handler on Azurite: a fresh province code whose adapter is a mock, and the orchestration client a mock
/// that takes every raise and reports each instance running.
/// </summary>
public abstract class MockedProvinceTest(AzuriteFixture azurite) : IDisposable
{
    private readonly ServiceProvider http = new ServiceCollection().AddHttpClient().BuildServiceProvider();

    protected AzuriteFixture Azurite => azurite;

    protected CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    protected Mock<DurableTaskClient> Durable { get; } = new("test-hub");

    protected Mock<IProvinceAdapter> Province { get; } = new();

    /// <summary>The cipher of the test's case details: another host's store opens them with it.</summary>
    protected CaseDetailsCipher Cipher { get; } = CaseData.NewCipher();

    protected string Code { get; } = CaseData.NewProvinceCode();

    /// <summary>The table requests of the case store <see cref="MarriageAsync"/> builds (the handler's and the activities').</summary>
    protected TableRequestLog Requests { get; } = new();

    public void Dispose()
    {
        http.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A marriage case whose handling province and both parties are the test's province, with its stores, activities and step handler.</summary>
    protected async Task<MockedMarriage> MarriageAsync()
    {
        Durable.AcceptsEvents(() => OrchestrationRuntimeStatus.Running);
        Province.SetupGet(p => p.ProvinceCode).Returns(Code);
        var registry = ProvinceWorkHandlers.RegistryOf(Code, Province.Object, http.GetRequiredService<IHttpClientFactory>());
        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([Code], Ct);
        var options = new Azure.Data.Tables.TableClientOptions();
        options.AddPolicy(Requests, Azure.Core.HttpPipelinePosition.PerRetry);
        var cases = new CaseStore(new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString, options), Cipher, TimeProvider.System);
        var command = CaseData.MarriageCommand(Code, Code, Code);
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, DateTimeOffset.UtcNow);
        await cases.CreateAsync(record, command, Ct);
        return new MockedMarriage(cases, ProvinceWorkHandlers.ActivitiesOnAzurite(azurite, cases),
            ProvinceWorkHandlers.OnAzurite(azurite, cases, registry, Durable.Object), record.CaseId);
    }

    /// <summary>
    /// A marriage (<see cref="MarriageAsync"/>) whose province verifies both residents and finds them unmarried, partyB as
    /// <paramref name="partyB"/> says; its four checks' first round dispatched in one batch as the workflow does: with the move to
    /// review (version 5) unless <paramref name="move"/> is false, told together (version 8) when <paramref name="together"/> is.
    /// </summary>
    protected async Task<MarriageChecks> ChecksDispatchedAsync(bool move = true, bool together = false, MaritalStatus partyB = MaritalStatus.Unmarried)
    {
        Province.Setup(p => p.VerifyResidentAsync(It.IsAny<Person>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ProvinceAnswer<ResidentVerification>.Ok(new ResidentVerification(true, Code, ResidentStatus.Normal)));
        Province.Setup(p => p.GetMaritalStatusAsync(It.IsAny<Person>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((Person person, CancellationToken _) =>
                ProvinceAnswer<MaritalStatusRecord>.Ok(new MaritalStatusRecord(person.IdNumber == CaseData.PartyBIdNumber ? partyB : MaritalStatus.Unmarried)));
        var marriage = await MarriageAsync();
        IReadOnlyList<Workflows.ProvinceStep> checks = [.. new[] { "partyA", "partyB" }.SelectMany(p => new[]
        {
            new Workflows.ProvinceStep(marriage.CaseId, StepNames.VerifyResident, p, CanonicalOperations.ResidentVerify, Code, 1),
            new Workflows.ProvinceStep(marriage.CaseId, StepNames.CheckMaritalStatus, p, CanonicalOperations.MaritalStatus, Code, 1),
        })];
        IReadOnlyList<string> keys = [.. checks.Select(c => c.StepKey)];
        if (together) checks = [.. checks.Select(c => c with { Together = keys })];
        await marriage.Activities.DispatchProvinceStepsAsync(new Workflows.ProvinceStepDispatch(marriage.CaseId, checks, DateTimeOffset.UtcNow, CaseStatus.InProgress)
        {
            Move = move ? new CaseMove([.. keys], CaseStatus.AwaitingReview, StepNames.OfficerReview, Code, StepStatus.Waiting, "awaiting the officer's decision") : null,
        }, Ct);
        return new MarriageChecks(marriage, checks);
    }

    /// <summary>Hands <paramref name="item"/>'s queue message to the handler as delivery <paramref name="delivery"/>.</summary>
    protected Task HandleAsync(MockedMarriage marriage, Workflows.ProvinceStep item, int delivery = 1) =>
        marriage.Handler.HandleAsync(TongbanJson.Serialize(item), delivery, Ct);

    protected async Task<CaseRecord> RecordAsync(MockedMarriage marriage) => (await marriage.Cases.GetAsync(marriage.CaseId, Ct))!.Record;
}

/// <summary>A case of a <see cref="MockedProvinceTest"/>, with what works on it (a test's rig adds the steps it dispatched).</summary>
public record MockedMarriage(CaseStore Cases, CaseActivities Activities, ProvinceStepHandler Handler, string CaseId);

/// <summary>A <see cref="MockedMarriage"/> with its four checks dispatched (<see cref="MockedProvinceTest.ChecksDispatchedAsync"/>).</summary>
public sealed record MarriageChecks(MockedMarriage Case, IReadOnlyList<Workflows.ProvinceStep> Checks) : MockedMarriage(Case);
