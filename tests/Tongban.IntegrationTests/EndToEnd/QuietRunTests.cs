using System.Text.Json.Nodes;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.DurableTask.Worker.Grpc.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Tongban.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>
/// A healthy run logs no warnings (issue 12, section 4): completed cases of every service, then the hub left idle until
/// every cancelled step time-out and review window has fired after its case ended and the worker's work-item stream has
/// been idle longer than its silent-disconnect timeout. Both windows are shortened to fit the test in under a minute.
/// </summary>
public sealed class QuietRunTests(QuietRunTests.QuietHub hub, ITestOutputHelper output) : IClassFixture<QuietRunTests.QuietHub>
{
    /// <summary>Cancelled step time-outs and the review window fire this long after they were set, on a case already ended.</summary>
    private static readonly TimeSpan TimerWindow = TimeSpan.FromSeconds(8);

    /// <summary>
    /// The worker's silent-disconnect timeout here (120 s by default): an idle stream without pings is dropped after it. Six
    /// of the pings' 1 s intervals: at three, a ping held up by a test run's busiest moments on two cores was taken for a
    /// dead stream (once).
    /// </summary>
    private static readonly TimeSpan SilentDisconnect = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task A_healthy_run_of_every_service_logs_no_warning()
    {
        await Task.WhenAll(
            MarriageAsync(Marriages.ZjMan1, Marriages.ShWoman1),
            NewbornAsync(Newborns.AhToSh),
            NewbornAsync(Newborns.JxToAh),
            TransferAsync(Students.ShDongQiang, "330000"),
            TransferAsync(Students.ShXueXia, "360000"));

        // Idle: the cancelled timers come back to ended cases, and the stream sees no work item for longer than the timeout.
        await Task.Delay(TimerWindow + SilentDisconnect + TimeSpan.FromSeconds(3));

        var lines = hub.Logs.Lines();
        var warnings = lines.Where(l => l.StartsWith("Warning ", StringComparison.Ordinal) || l.StartsWith("Error ", StringComparison.Ordinal)
            || l.StartsWith("Critical ", StringComparison.Ordinal)).ToList();
        foreach (var line in warnings) output.WriteLine(line);
        Assert.True(warnings.Count == 0, $"{warnings.Count} lines at Warning or above:\n{string.Join('\n', warnings)}");
        // The run did meet the engine dropping late timers (now at Debug), so no warning here is not for want of them.
        Assert.Contains(lines, l => l.StartsWith("Debug DurableTask.AzureStorage:", StringComparison.Ordinal) && l.Contains("TimerFired", StringComparison.Ordinal));
    }

    private async Task MarriageAsync(Marriages.Citizen a, Marriages.Citizen b)
    {
        var shanghai = hub.Partner("310000");
        var opened = await shanghai.PostAsync("/api/v1/cases", Marriages.Body("310000", "310115", a, b), Marriages.Key());
        Assert.Equal(202, opened.Status);
        var caseId = opened["caseId"]!;
        await HubFixture.WaitForStatusAsync(shanghai, caseId, "AwaitingReview");
        var decided = await shanghai.PostAsync($"/api/v1/cases/{caseId}/decisions", new { step = "officer-review", decision = "approve", officer = "SH-OFFICER-1" });
        Assert.Equal(202, decided.Status);
        AssertCompleted(await HubFixture.WaitForStatusAsync(shanghai, caseId, "Completed", "Rejected", "Failed", "Expired"));
    }

    private async Task NewbornAsync(Newborns.Certificate certificate)
    {
        var partner = hub.Partner(certificate.Mother.Hukou);
        var opened = await partner.PostAsync("/api/v1/cases", Newborns.WithMother(certificate).ToJsonString(), Marriages.Key());
        Assert.Equal(202, opened.Status);
        AssertCompleted(await HubFixture.WaitForStatusAsync(partner, opened["caseId"]!, "Completed", "Rejected", "Failed", "Withdrawn"));
    }

    private async Task TransferAsync(Students.Student student, string target)
    {
        var partner = hub.Partner(target);
        var opened = await partner.PostAsync("/api/v1/cases", Students.Body(student, target), Marriages.Key());
        Assert.Equal(202, opened.Status);
        AssertCompleted(await HubFixture.WaitForStatusAsync(partner, opened["caseId"]!, "Completed", "Rejected", "Failed", "Withdrawn"));
    }

    private static void AssertCompleted(JsonNode done) => Assert.True(done["status"]!.ToString() == "Completed", done.ToJsonString());

    /// <summary>The hub with every log line captured at Information (the engine's own at Debug, to see what it drops), short windows.</summary>
    public sealed class QuietHub : HubFixture, IAsyncLifetime
    {
        public FakeLoggerProvider Logs { get; } = new();

        private Dictionary<string, TimeSpan>? slowWork;

        protected override void Configure(Dictionary<string, string?> settings)
        {
            // Information everywhere, under the devhost's own category filters (Azure at Error: its ETag-race 412s are retried),
            // as a console run logs; the capture alone hears the Azure Storage engine at Debug.
            settings["Logging:LogLevel:Default"] = "Information";
            settings[$"Logging:{CapturedHubLog.Alias}:LogLevel:DurableTask.AzureStorage"] = "Debug";
            settings["Logging:Console:LogLevel:Default"] = "Warning";
            settings["Logging:Console:LogLevel:Azure"] = "Error";
            settings["Tongban:Workflow:StepTimeout"] = TimerWindow.ToString();
            settings["Tongban:Marriage:ReviewWindow"] = TimerWindow.ToString();
            settings["Tongban:Engine:HealthPingInterval"] = "00:00:01";
        }

        protected override void ConfigureServices(IServiceCollection services)
        {
            // As an instance, so the devhost also gives it the Durable engine's log factory.
            services.AddSingleton<ILoggerProvider>(Logs);
            // The SDK's own knob (internal-use API): the default 120 s would not fit a test.
            services.ConfigureAll<GrpcDurableTaskWorkerOptions>(o => o.SetSilentDisconnectTimeout(SilentDisconnect));
        }

        async Task IAsyncLifetime.InitializeAsync()
        {
            await base.InitializeAsync();
            slowWork = Newborns.FastSlowWork(Sandbox, E2eTimings.SlowWorkDelay);
        }

        async Task IAsyncLifetime.DisposeAsync()
        {
            if (slowWork is not null) Newborns.RestoreSlowWork(Sandbox, slowWork);
            await base.DisposeAsync();
        }
    }
}
