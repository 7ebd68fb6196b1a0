using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Tongban.Configuration;
using Tongban.Provinces;
using Tongban.Storage;
using Tongban.Workflows.Dispatch;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>The queue dispatcher as the hosts build it, over Azurite's stores, with a test's provinces and orchestration client.</summary>
public static class ProvinceWorkHandlers
{
    public static ProvinceStepHandler OnAzurite(AzuriteFixture azurite, CaseStore cases, ProvinceRegistry provinces, DurableTaskClient durable,
        TongbanOptions? options = null) =>
        new(cases, new TicketStore(azurite.Tables, TimeProvider.System), azurite.Tables, new ProvinceStepInvoker(provinces), new ProvinceStepQueue(azurite.Queues),
            new ProvinceHealthStore(azurite.Tables, TimeProvider.System, NullLogger<ProvinceHealthStore>.Instance), durable, TimeProvider.System,
            Microsoft.Extensions.Options.Options.Create(options ?? new TongbanOptions()), NullLogger<ProvinceStepHandler>.Instance,
            new CitizenIndex(azurite.Tables, CaseData.NewCipher().Ring), AuditTrails.OnAzurite(azurite));

    /// <summary>Every raise succeeds, and the engine reports each instance with the status <paramref name="status"/> gives at the time.</summary>
    public static void AcceptsEvents(this Mock<DurableTaskClient> durable, Func<OrchestrationRuntimeStatus> status)
    {
        durable.Setup(d => d.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        durable.Setup(d => d.GetInstanceAsync(It.IsAny<string>(), false, It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, bool _, CancellationToken _) => new OrchestrationMetadata("CaseFlow", id) { RuntimeStatus = status() });
    }
}
