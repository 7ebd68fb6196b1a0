using System.Text.Json;
using Microsoft.DurableTask.Client;
using Moq;

namespace Tongban.Functions.Tests;

public sealed class BoundDurableTaskClientTests
{
    [Fact]
    public async Task Unbound_client_names_the_missing_binding()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new BoundDurableTaskClient().RaiseEventAsync("c-1", "withdrawal"));
        Assert.Contains("[DurableClient]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forwards_to_the_attached_client()
    {
        var host = new Mock<DurableTaskClient>("host");
        host.Setup(c => c.RaiseEventAsync("c-1", "withdrawal", "why", It.IsAny<CancellationToken>())).Returns(Task.CompletedTask).Verifiable();
        var bound = new BoundDurableTaskClient();

        bound.Attach(host.Object);
        await bound.RaiseEventAsync("c-1", "withdrawal", "why");

        host.Verify();
    }

    [Fact]
    public void Functions_whose_handlers_use_Durable_declare_the_Durable_client_binding()
    {
        var path = typeof(BoundDurableTaskClientTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "FunctionsMetadataPath").Value!;
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var declaring = json.RootElement.EnumerateArray()
            .Where(f => f.GetProperty("bindings").EnumerateArray().Any(b => b.GetProperty("type").GetString() == "durableClient"))
            .Select(f => f.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToList();

        // CaseApi.OpenCase/Decide/Withdraw, HealthApi, ProvinceStepHandler (also behind the Shanghai callback and the ticket
        // poller), CaseRedriver (the operator's redrive and the redrive timer) and AuditHousekeeping (the housekeeping timer purges
        // ended cases' orchestration history) call DurableTaskClient.
        string[] expected = ["OpenCase", "DecideCase", "WithdrawCase", "Health", "ProvinceCallback", "PollSlowWork", "RedriveCase", "RedriveParked", "Housekeeping",
            "ZhejiangWork", "ZhejiangPoison", "ShanghaiWork", "ShanghaiPoison", "JiangxiWork", "JiangxiPoison", "AnhuiWork", "AnhuiPoison"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), declaring);
    }
}
