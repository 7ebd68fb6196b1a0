using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using Tongban.Cases;
using Tongban.Configuration;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Operations;
using Tongban.Provinces;
using Tongban.Storage;
using Tongban.Workflows;
using Tongban.Workflows.Dispatch;

namespace Tongban.IntegrationTests.Storage;

/// <summary>The redrive timer's decisions, on Azurite with the orchestration client mocked: probe while down, all at once when up.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RedriveJobTests(AzuriteFixture azurite) : IDisposable
{
    private readonly CancellationToken ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
    private readonly Mock<DurableTaskClient> durable = new("test-hub");
    private readonly ServiceProvider http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);

    public void Dispose() => http.Dispose();

    private readonly CaseDetailsCipher cipher = CaseData.NewCipher();

    private CaseStore Cases => new(azurite.Tables, cipher, clock);

    private ProvinceHealthStore Health => new(azurite.Tables, clock, NullLogger<ProvinceHealthStore>.Instance);

    private RedriveJob Job()
    {
        durable.Setup(d => d.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        var registry = new ProvinceRegistry(new ConfigurationBuilder().Build(), [], http.GetRequiredService<IHttpClientFactory>());
        var options = Microsoft.Extensions.Options.Options.Create(new TongbanOptions { Redrive = { ProbeInterval = TimeSpan.FromMinutes(5) } });
        return new RedriveJob(registry, new AttentionIndex(azurite.Tables), Health, new ProvinceStepQueue(azurite.Queues),
            new CaseRedriver(Cases, durable.Object, clock, NullLogger<CaseRedriver>.Instance, AuditTrails.OnAzurite(azurite, clock)), options, clock, NullLogger<RedriveJob>.Instance);
    }

    /// <summary>A case with one step parked at <paramref name="province"/>.</summary>
    private async Task<string> ParkedCaseAsync(string province)
    {
        var command = CaseData.MarriageCommand(province, province, province);
        var record = CaseData.RecordFor(CaseData.NewCaseId(), command, clock.GetUtcNow());
        await Cases.CreateAsync(record, command, ct);
        await Cases.UpdateAsync(record.CaseId, r =>
        {
            var step = r.Step(StepNames.VerifyResident, "partyA", province);
            (step.Status, step.NeedsAttention, step.AwaitingRedrive, step.StartedAt) = (StepStatus.Waiting, true, true, clock.GetUtcNow());
            return true;
        }, ct);
        clock.Advance(TimeSpan.FromSeconds(1));
        return record.CaseId;
    }

    private void VerifyRedriven(string caseId, Times times) => durable.Verify(d => d.RaiseEventAsync(caseId, CaseEvents.Redrive("verify-resident.partyA"),
        It.Is<object?>(o => o is RedriveNotice && ((RedriveNotice)o).By == RedriveJob.Actor), It.IsAny<CancellationToken>()), times);

    [Fact]
    public async Task While_the_province_fails_one_parked_step_probes_per_interval()
    {
        var province = CaseData.NewProvinceCode();
        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([province], ct);
        var (first, second) = (await ParkedCaseAsync(province), await ParkedCaseAsync(province));
        await Health.RecordCallAsync(province, answered: false, ct);
        var job = Job();

        Assert.Equal(new RedrivePass(province, 0, 1, Probe: true), await job.RunAsync(province, ct));
        VerifyRedriven(first, Times.Once());
        VerifyRedriven(second, Times.Never());
        // The probe is in the oldest case's audit trail.
        var audit = Assert.Single((await Cases.GetAsync(first, ct))!.Record.Audit);
        Assert.Equal((CaseRedriver.Action, RedriveJob.Actor, "verify-resident.partyA"), (audit.Action, audit.Actor, audit.Step));

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(new RedrivePass(province, 0, 0, Probe: false), await job.RunAsync(province, ct));
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True((await job.RunAsync(province, ct)).Probe);
    }

    [Fact]
    public async Task Once_the_province_answers_its_poison_goes_back_and_every_parked_step_is_redriven()
    {
        var province = CaseData.NewProvinceCode();
        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([province], ct);
        var cases = new[] { await ParkedCaseAsync(province), await ParkedCaseAsync(province), await ParkedCaseAsync(province) };
        var poison = azurite.Queues.GetQueueClient(StorageNames.PoisonQueue(StorageNames.ProvinceQueue(province)));
        foreach (var caseId in cases.Take(2))
        {
            await poison.SendMessageAsync(TongbanJson.Serialize(new ProvinceStep(caseId, StepNames.VerifyResident, "partyA", "resident.verify", province, 1)), ct);
        }

        await Health.RecordCallAsync(province, answered: false, ct);
        clock.Advance(TimeSpan.FromSeconds(10));
        await Health.RecordCallAsync(province, answered: true, ct);

        Assert.Equal(new RedrivePass(province, 2, 3, Probe: false), await Job().RunAsync(province, ct));
        foreach (var caseId in cases) VerifyRedriven(caseId, Times.Once());
        Assert.Equal(new QueueDepth(2, 0), await new ProvinceStepQueue(azurite.Queues).DepthAsync(province, ct));
    }

    [Fact]
    public async Task A_province_with_nothing_parked_and_no_poison_is_left_alone()
    {
        var province = CaseData.NewProvinceCode();
        await new StorageInitializer(azurite.Tables, azurite.Queues).EnsureAsync([province], ct);

        Assert.Equal(new RedrivePass(province, 0, 0, Probe: false), await Job().RunAsync(province, ct));
        durable.VerifyNoOtherCalls();
    }
}
