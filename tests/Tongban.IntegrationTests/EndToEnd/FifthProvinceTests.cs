using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tongban.DevHost;
using Tongban.DevHost.Demo;
using Tongban.DevHost.Hosting;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Provinces;
using static Tongban.IntegrationTests.Infrastructure.Marriages;

namespace Tongban.IntegrationTests.EndToEnd;

/// <summary>
/// Adding a province is configuration plus one adapter class: Jiangsu (320000), test-only, joins a hub of its own with
/// nothing but its configuration keys and an adapter factory for its (test) protocol, and a marriage across it completes.
/// </summary>
public sealed class FifthProvinceTests : IAsyncLifetime
{
    private const string Jiangsu = "320000";
    private const string Secret = "js-partner-secret-for-tests-0001-32b";
    private AzuriteLauncher? azurite;
    private DevHostApp? hub;

    public async Task InitializeAsync()
    {
        azurite = await TestProcesses.StartAzuriteAsync();
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Tongban:TaskHub"] = "fifth" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)),
            ["Tongban:Pii:Keys:fifth"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Tongban:Pii:ActiveKeyId"] = "fifth",
            ["Logging:LogLevel:Default"] = "Warning",
            // The whole of Jiangsu's membership, as configuration.
            [$"Tongban:Partners:{Jiangsu}:Secret"] = Secret,
            [$"Tongban:Provinces:{Jiangsu}:Scheme"] = JiangsuTestProtocol.Scheme,
            [$"Tongban:Provinces:{Jiangsu}:BaseUrl"] = "http://jiangsu.test.invalid/",
        };
        try
        {
            hub = await DevHostApp.StartAsync([], config => config.AddInMemoryCollection(settings),
                services: services => services.AddSingleton<IProvinceAdapterFactory, JiangsuTestProtocol>());
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Once, whoever calls first: a failed start, or xUnit after the test.</summary>
    public Task DisposeAsync() => TestProcesses.StopAllAsync(
        () => Interlocked.Exchange(ref hub, null)?.DisposeAsync() ?? ValueTask.CompletedTask,
        () => Interlocked.Exchange(ref azurite, null)?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Fact]
    public async Task A_marriage_between_Jiangsu_and_Shanghai_opened_by_Jiangsu_completes()
    {
        using var http = new HttpClient(OpenApiConformance.Create()) { BaseAddress = hub!.Url };
        var jiangsu = new PartnerClient(http, Jiangsu, Secret);
        var groom = new Citizen(IdNumber("320106", "19900312", "123"), "周建国", Jiangsu);

        var opened = await jiangsu.PostAsync("/api/v1/cases", Body(Jiangsu, "320106", groom, ShWoman3), Key());
        Assert.Equal(202, opened.Status);
        var caseId = opened["caseId"]!;
        await HubFixture.WaitForStatusAsync(jiangsu, caseId, "AwaitingReview");
        Assert.Equal(202, (await jiangsu.PostAsync($"/api/v1/cases/{caseId}/decisions", new { step = "officer-review", decision = "approve", officer = "JS-1" })).Status);
        var done = await HubFixture.WaitForStatusAsync(jiangsu, caseId, "Completed", "Rejected", "Failed");

        Assert.Equal("Completed", done["status"]!.ToString());
        Assert.Equal([Jiangsu, "310000"], done["involvedProvinces"]!.AsArray().Select(p => p!.ToString()));
        Assert.Contains(done["steps"]!.AsArray(), s => s!["province"]!.ToString() == Jiangsu && s["name"]!.ToString() == "register-marriage");
        Assert.Equal(done["outcome"]!["certificateNo"]!.ToString(), Assert.Single(JiangsuTestProtocol.Registered).CertificateNo);
        Assert.Single(JiangsuTestProtocol.MaritalUpdates, u => u.IdNumber == groom.IdNumber);
        Assert.Contains(hub.Inventory.Queues, q => q == $"province-{Jiangsu}");
    }

    /// <summary>A GB 11643 number with its ISO 7064 MOD 11-2 check character.</summary>
    private static string IdNumber(string division, string birthDate, string sequence)
    {
        var body = division + birthDate + sequence;
        int[] weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        var sum = body.Select((c, i) => (c - '0') * weights[i]).Sum();
        return body + "10X98765432"[sum % 11];
    }

    /// <summary>Jiangsu's (test) protocol: the one adapter class a new province brings, answering in memory.</summary>
    private sealed class JiangsuTestProtocol : IProvinceAdapterFactory, IProvinceAdapter
    {
        public const string Scheme = "js-test";

        public static ConcurrentBag<MarriageCertificate> Registered { get; } = [];

        public static ConcurrentBag<MaritalUpdate> MaritalUpdates { get; } = [];

        string IProvinceAdapterFactory.Scheme => Scheme;

        public string ProvinceCode => Jiangsu;

        public SlowWorkCompletion SlowWork => SlowWorkCompletion.Polling;

        public IProvinceAdapter Create(ProvinceEndpoint endpoint, HttpClient http) => this;

        public Task<ProvinceAnswer<ResidentVerification>> VerifyResidentAsync(Person person, CancellationToken ct) =>
            Task.FromResult(ProvinceAnswer<ResidentVerification>.Ok(new(true, person.IdNumber[..6], ResidentStatus.Normal)));

        public Task<ProvinceAnswer<MaritalStatusRecord>> GetMaritalStatusAsync(Person person, CancellationToken ct) =>
            Task.FromResult(ProvinceAnswer<MaritalStatusRecord>.Ok(new(MaritalStatus.Unmarried)));

        public Task<ProvinceAnswer<MarriageCertificate>> RegisterMarriageAsync(MarriageRegistration request, CancellationToken ct)
        {
            var certificate = new MarriageCertificate("JS-" + request.HubCaseId[^8..]);
            if (!Registered.Contains(certificate)) Registered.Add(certificate);
            return Task.FromResult(ProvinceAnswer<MarriageCertificate>.Ok(certificate));
        }

        public Task<ProvinceAnswer<Acknowledged>> UpdateMaritalStatusAsync(MaritalUpdate request, CancellationToken ct)
        {
            if (!MaritalUpdates.Contains(request)) MaritalUpdates.Add(request);
            return Task.FromResult(ProvinceAnswer<Acknowledged>.Ok(Acknowledged.Instance));
        }

        public Task<ProvinceAnswer<BirthVerification>> VerifyBirthAsync(BirthVerifyRequest request, CancellationToken ct) => NotOffered<BirthVerification>();

        public Task<ProvinceAnswer<Acknowledged>> MarkBirthCertificateUsedAsync(BirthCertificateUse request, CancellationToken ct) => NotOffered<Acknowledged>();

        public Task<ProvinceAnswer<Acknowledged>> ReleaseBirthCertificateAsync(BirthCertificateUse request, CancellationToken ct) => NotOffered<Acknowledged>();

        public Task<ProvinceAnswer<SlowTicket>> RegisterNewbornAsync(NewbornRegistration request, CancellationToken ct) => NotOffered<SlowTicket>();

        public Task<ProvinceAnswer<StudentRecord>> GetStudentRecordAsync(string studentNo, CancellationToken ct) => NotOffered<StudentRecord>();

        public Task<ProvinceAnswer<SlowTicket>> RequestTransferOutAsync(TransferOutRequest request, CancellationToken ct) => NotOffered<SlowTicket>();

        public Task<ProvinceAnswer<Acknowledged>> EnrollStudentAsync(StudentEnrollment request, CancellationToken ct) => NotOffered<Acknowledged>();

        public Task<ProvinceAnswer<Acknowledged>> ConfirmTransferOutAsync(TransferOutReference request, CancellationToken ct) => NotOffered<Acknowledged>();

        public Task<ProvinceAnswer<Acknowledged>> CancelTransferOutAsync(TransferOutReference request, CancellationToken ct) => NotOffered<Acknowledged>();

        public Task<ProvinceAnswer<SlowWorkResult>> QueryTicketAsync(SlowTicket ticket, CancellationToken ct) => NotOffered<SlowWorkResult>();

        // This test province only marries people; a real adapter answers every canonical operation.
        private static Task<ProvinceAnswer<T>> NotOffered<T>() => Task.FromResult(ProvinceAnswer<T>.NoRecord("not offered by the test province"));
    }
}
