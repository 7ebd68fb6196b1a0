using Tongban.Audit;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Tongban.Configuration;
using Tongban.Provinces;
using Tongban.Storage;
using Tongban.Workflows.Activities;
using Tongban.Workflows.Dispatch;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>The queue dispatcher as the hosts build it, over Azurite's stores, with a test's provinces and orchestration client.</summary>
public static class ProvinceWorkHandlers
{
    public static ProvinceStepHandler OnAzurite(AzuriteFixture azurite, CaseStore cases, ProvinceRegistry provinces, DurableTaskClient durable,
        TongbanOptions? options = null)
    {
        var audit = AuditTrails.OnAzurite(azurite);
        return new(cases, new TicketStore(azurite.Tables, TimeProvider.System), azurite.Tables, new ProvinceStepInvoker(provinces), new ProvinceStepQueue(azurite.Queues),
            new ProvinceHealthStore(azurite.Tables, TimeProvider.System, NullLogger<ProvinceHealthStore>.Instance), durable, TimeProvider.System,
            Microsoft.Extensions.Options.Options.Create(options ?? new TongbanOptions()), NullLogger<ProvinceStepHandler>.Instance,
            new CitizenIndex(azurite.Tables, CaseData.NewCipher().Ring), audit, ActivitiesOnAzurite(azurite, cases, audit));
    }

    /// <summary>The workflow's activities as the hosts build them, over Azurite's stores (the audit trail: the test run's, unless given).</summary>
    public static CaseActivities ActivitiesOnAzurite(AzuriteFixture azurite, CaseStore cases, AuditTrail? audit = null) =>
        new(cases, new ProvinceStepQueue(azurite.Queues), new Callbacks.PartnerCallbackOutbox(azurite.Tables, azurite.Queues),
            NullLogger<CaseActivities>.Instance, audit ?? AuditTrails.OnAzurite(azurite));

    /// <summary>
    /// A registry with one province, <paramref name="code"/>, served by <paramref name="adapter"/> (a test's mock) under its own
    /// scheme; its base URL is never called.
    /// </summary>
    public static ProvinceRegistry RegistryOf(string code, IProvinceAdapter adapter, IHttpClientFactory http)
    {
        var scheme = $"test-{code}";
        var factory = new Mock<IProvinceAdapterFactory>();
        factory.SetupGet(f => f.Scheme).Returns(scheme);
        factory.Setup(f => f.Create(It.IsAny<ProvinceEndpoint>(), It.IsAny<HttpClient>())).Returns(adapter);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"Tongban:Provinces:{code}:Scheme"] = scheme,
            [$"Tongban:Provinces:{code}:BaseUrl"] = "http://127.0.0.1:9/",
        }).Build();
        return new ProvinceRegistry(configuration, [factory.Object], http);
    }

    /// <summary>Every raise succeeds, and the engine reports each instance with the status <paramref name="status"/> gives at the time.</summary>
    public static void AcceptsEvents(this Mock<DurableTaskClient> durable, Func<OrchestrationRuntimeStatus> status)
    {
        durable.Setup(d => d.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        durable.Setup(d => d.GetInstanceAsync(It.IsAny<string>(), false, It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, bool _, CancellationToken _) => new OrchestrationMetadata("CaseFlow", id) { RuntimeStatus = status() });
    }
}
