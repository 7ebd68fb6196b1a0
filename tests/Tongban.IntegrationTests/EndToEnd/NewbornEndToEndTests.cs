using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Sandbox.State;
using Xunit.Abstractions;
using static Tongban.IntegrationTests.Infrastructure.Newborns;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>
/// Newborn household registration through the hub, signed as the registering province signs, for every ordered
/// pair (birth province, registering province) the sandbox population allows.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class NewbornEndToEndTests : IDisposable
{
    private readonly HubFixture hub;
    private readonly ITestOutputHelper output;
    private readonly Dictionary<string, TimeSpan> slowWork;

    public NewbornEndToEndTests(HubFixture hub, ITestOutputHelper output)
    {
        this.hub = hub;
        this.output = output;
        slowWork = FastSlowWork(hub.Sandbox, E2eTimings.SlowWorkDelay);
    }

    public void Dispose() => RestoreSlowWork(hub.Sandbox, slowWork);

    private static readonly Dictionary<string, (Certificate Certificate, Parent? Father)> Pairs = new(StringComparer.Ordinal)
    {
        // Registered with the mother, in her hukou province.
        ["330000->340000"] = (ZjToAh, null),
        ["330000->360000"] = (ZjToJx, null),
        ["310000->330000"] = (ShToZj, null),
        ["310000->340000"] = (ShToAh, null),
        ["360000->330000"] = (JxToZj, null),
        ["360000->340000"] = (JxToAh, null),
        ["340000->360000"] = (AhToJx, null),
        ["340000->310000"] = (AhToSh, null),
        // No mother of the population has her hukou in Jiangxi for a Shanghai certificate: registered with the father.
        ["310000->360000"] = (ShMotherZj, JxFather),
    };

    public static TheoryData<string> MatrixPairs() => [.. Pairs.Keys];

    [Theory]
    [MemberData(nameof(MatrixPairs))]
    public async Task Newborn_born_in_one_province_and_registered_in_another_completes(string pair)
    {
        var (certificate, father) = Pairs[pair];
        await RegisterAndAssertCompletedAsync(certificate, father);
    }

    [Fact]
    public async Task Shanghai_duplicate_callbacks_complete_the_registration_once()
    {
        var knobs = hub.Sandbox.Knobs.Shanghai;
        knobs.DuplicateCallbacks = true;
        try
        {
            // Born in Zhejiang, registered in Shanghai with the father (no Shanghai mother has a free Zhejiang certificate).
            var (caseId, ticket) = await RegisterAndAssertCompletedAsync(ZjMotherJx, ShFather1);
            await SandboxCallbacks.DuplicateTakenAsync(hub.Sandbox, ticket.Ticket);
            var deliveries = hub.Sandbox.State.CallbackDeliveries.Where(d => d.Ticket == ticket.Ticket).ToList();
            output.WriteLine(string.Join("\n", deliveries));
            Assert.Equal([1, 2], deliveries.Select(d => d.Delivery).Distinct().Order());
            Assert.All(deliveries.GroupBy(d => d.Delivery), g => Assert.Equal(204, g.OrderBy(d => d.Attempt).Last().StatusCode));
            Assert.Single(hub.Sandbox.State.Tickets, t => t.HubCaseId == caseId);
        }
        finally
        {
            knobs.DuplicateCallbacks = false;
        }
    }

    [Fact]
    public async Task Shanghai_callback_before_the_ticket_is_recorded_still_completes_the_registration()
    {
        var knobs = hub.Sandbox.Knobs.Shanghai;
        knobs.EarlyCallbacks = true;
        try
        {
            var (caseId, ticket) = await RegisterAndAssertCompletedAsync(JxMotherZj, ShFather2);
            var deliveries = hub.Sandbox.State.CallbackDeliveries.Where(d => d.Ticket == ticket.Ticket).ToList();
            output.WriteLine(string.Join("\n", deliveries));
            Assert.Contains(deliveries, d => d.StatusCode == 204);

            // The child's new number came only in that early callback, kept masked beside its keyed hash: the case is
            // still found by the child's own number.
            var citizens = hub.Hub.Services.GetRequiredService<Tongban.Storage.CitizenIndex>();
            var found = await citizens.FindAsync(ticket.Data["idNumber"], CancellationToken.None);
            Assert.Contains(found, f => f.CaseId == caseId && f.Roles.Contains("child"));
        }
        finally
        {
            knobs.EarlyCallbacks = false;
        }
    }

    [Fact]
    public async Task A_certificate_already_used_is_rejected_before_anything_is_marked()
    {
        var zhejiang = hub.Partner("330000");
        var opened = await zhejiang.PostAsync("/api/v1/cases", WithMother(UsedShMotherZj), Marriages.Key());
        Assert.Equal(202, opened.Status);
        var caseId = opened["caseId"]!;

        var done = await HubFixture.WaitForStatusAsync(zhejiang, caseId, "Rejected", "Completed", "Failed");
        output.WriteLine(done.ToJsonString());
        Assert.Equal("Rejected", done["status"]!.ToString());
        var reason = done["outcome"]!["reason"]!.ToString();
        Assert.True(reason.StartsWith("birth-certificate.used", StringComparison.Ordinal)
            || reason.StartsWith("birth-certificate.held", StringComparison.Ordinal), reason);
        Assert.DoesNotContain(Steps(done), s => s.StartsWith("mark-birth-certificate-used", StringComparison.Ordinal) && s.EndsWith("Succeeded", StringComparison.Ordinal));
        Assert.DoesNotContain(Steps(done), s => s.StartsWith("register-newborn", StringComparison.Ordinal));
        Assert.Null(done["outcome"]!["childIdNumber"]);

        var state = hub.Sandbox.State;
        Assert.Equal(SandboxState.PreexistingHolder, state.CertificateHolder(UsedShMotherZj.No));
        Assert.DoesNotContain(state.Tickets, t => t.HubCaseId == caseId);
    }

    // newborn.register cannot be called back: a withdrawal during the police review waits for their answer. Approved (as the
    // sandbox's police do for this family), the child is registered, the certificate stays held, the case completes flagged.
    [Fact]
    public async Task Withdrawal_while_the_police_review_does_not_free_a_certificate_the_police_then_register_the_child_with()
    {
        var certificate = AhMotherJx;
        var zhejiang = hub.Partner("330000");
        var knobs = hub.Sandbox.Knobs.Zhejiang;
        knobs.SlowWorkDelay = TimeSpan.FromSeconds(3);
        try
        {
            var caseId = (await zhejiang.PostAsync("/api/v1/cases", WithFather(certificate, ZjFather), Marriages.Key()))["caseId"]!;
            await HubFixture.WaitForCaseAsync(zhejiang, caseId, c => Steps(c).Any(s => s.StartsWith("register-newborn|330000|Waiting", StringComparison.Ordinal)));
            Assert.Equal(202, (await zhejiang.PostAsync($"/api/v1/cases/{caseId}/withdrawal", new { reason = "the family moved" })).Status);
            var done = await HubFixture.WaitForStatusAsync(zhejiang, caseId, "Withdrawn", "Completed", "Rejected", "Failed");
            output.WriteLine(done.ToJsonString());
            Assert.Equal("Completed", done["status"]!.ToString());
            Assert.NotNull(done["outcome"]!["householdNo"]);

            // The police decide anyway (there is no way to cancel newborn.register).
            var ticket = Assert.Single(hub.Sandbox.State.Tickets, t => t.HubCaseId == caseId);
            await Eventually.UntilAsync(() => Task.FromResult(hub.Sandbox.State.Ticket(ticket.Ticket)!.IsFinal), TimeSpan.FromSeconds(10), "the police decide");
            if (hub.Sandbox.State.Ticket(ticket.Ticket)!.State == TicketStates.Approved)
            {
                // The child is registered with this certificate: it must stay held by this case, and the case must say so.
                var final = await HubFixture.WaitForCaseAsync(zhejiang, caseId,
                    c => c["steps"]!.AsArray().Any(s => s!["name"]!.ToString() == "register-newborn" && s["status"]!.ToString() == "Succeeded"),
                    TimeSpan.FromSeconds(10));
                Assert.Equal(caseId, hub.Sandbox.State.CertificateHolder(certificate.No));
                Assert.Contains(final["steps"]!.AsArray(), s => s!["name"]!.ToString() == "register-newborn" && s["needsAttention"]!.GetValue<bool>());
            }
            else
            {
                Assert.Null(hub.Sandbox.State.CertificateHolder(certificate.No));
            }
        }
        finally
        {
            knobs.SlowWorkDelay = E2eTimings.SlowWorkDelay;
        }
    }

    /// <summary>Opens the registration as the registering province, waits for Completed and checks the case and the provinces' side.</summary>
    private async Task<(string CaseId, TicketRecord Ticket)> RegisterAndAssertCompletedAsync(Certificate certificate, Parent? father)
    {
        var registering = (father ?? certificate.Mother).Hukou;
        var partner = hub.Partner(registering);
        var clock = Stopwatch.StartNew();
        var opened = await partner.PostAsync("/api/v1/cases", father is null ? WithMother(certificate) : WithFather(certificate, father), Marriages.Key());
        Assert.Equal(202, opened.Status);
        var caseId = opened["caseId"]!;

        var done = await HubFixture.WaitForStatusAsync(partner, caseId, "Completed", "Rejected", "Failed", "Withdrawn");
        clock.Stop();
        Assert.True(done["status"]!.ToString() == "Completed", done.ToJsonString());
        output.WriteLine($"{certificate.BirthProvince} -> {registering}: {E2eTimings.Record("newborn-registration", clock.Elapsed)}");

        var childId = done["outcome"]!["childIdNumber"]!.ToString();
        Assert.Matches(@"^\d{6}\*{8}[0-9X]{4}$", childId);
        Assert.False(string.IsNullOrWhiteSpace(done["outcome"]!["householdNo"]?.ToString()));
        Assert.Equal(new[] { certificate.BirthProvince, registering }.Order(StringComparer.Ordinal),
            done["involvedProvinces"]!.AsArray().Select(p => p!.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(
            new[]
            {
                $"mark-birth-certificate-used|{certificate.BirthProvince}|Succeeded",
                $"register-newborn|{registering}|Succeeded",
                $"verify-birth-certificate|{certificate.BirthProvince}|Succeeded",
                $"verify-resident|{registering}|Succeeded",
            },
            Steps(done).Order(StringComparer.Ordinal));

        // The provinces' side: the certificate held by this case, one approved registration at the registering police.
        var state = hub.Sandbox.State;
        Assert.Equal(caseId, state.CertificateHolder(certificate.No));
        var ticket = Assert.Single(state.Tickets, t => t.HubCaseId == caseId);
        Assert.Equal((registering, TicketTypes.NewbornRegistration, TicketStates.Approved), (ticket.ProvinceCode, ticket.Type, ticket.State));
        Assert.Equal(ticket.Data["idNumber"][..6] + new string('*', 8) + ticket.Data["idNumber"][^4..], childId);
        Assert.Equal(ticket.Data["householdNo"], done["outcome"]!["householdNo"]!.ToString());
        Assert.Equal(0, state.Snapshot().CertificateUsage.Single(u => u.CertificateNo == certificate.No).Releases);
        return (caseId, ticket);
    }

    private static List<string> Steps(JsonNode c) =>
        [.. c["steps"]!.AsArray().Select(s => $"{s!["name"]}|{s["province"]}|{s["status"]}")];
}
