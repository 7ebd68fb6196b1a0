using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Tongban.IntegrationTests.Infrastructure;
using Tongban.Provinces;

namespace Tongban.Functions.Tests;

/// <summary>
/// Rule: no ID number reaches a log sink at any level, in the Functions app too. The Functions app cannot run here
/// (no Core Tools), so this builds its service collection as Program.cs does, logs everything at Trace into a capture,
/// and sends a Shanghai call (ID number in the URL path, name in the query) through the registered province HttpClient
/// to a loopback stub. IHttpClientFactory's default logging would print that URL at Information.
/// </summary>
public sealed class ProvinceCallLogTests : IAsyncLifetime
{
    private const string IdNumber = "310115199001011232";
    private const string Name = "张敏";

    private WebApplication stub = null!;
    private Uri stubUrl = null!;
    private readonly ConcurrentQueue<string> stubPaths = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        stub = builder.Build();
        stub.Run(async context =>
        {
            stubPaths.Enqueue(context.Request.Path.Value ?? "");
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"match":true,"hukouDivision":"310115","residentStatus":"normal"}""");
        });
        await stub.StartAsync();
        stubUrl = new Uri(stub.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync() => await stub.DisposeAsync();

    [Fact]
    public void The_Durable_extension_does_not_trace_inputs_and_outputs()
    {
        // In Azure the Durable extension runs in the Functions host and logs there; with this on, its traces would carry
        // orchestration inputs, activity results and event payloads, whatever the worker's own logging does.
        using var hostJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(DevHost.Hosting.RepoRoot.Find(), "host.json")));
        var tracing = hostJson.RootElement.GetProperty("extensions").GetProperty("durableTask").GetProperty("tracing");

        Assert.False(tracing.GetProperty("traceInputsAndOutputs").GetBoolean());
    }

    [Fact]
    public async Task A_province_call_with_an_id_number_in_its_url_logs_none_at_trace()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Logging:LogLevel:Default"] = "Trace",
            ["Tongban:Provinces:310000:Scheme"] = "sh-hmac",
            ["Tongban:Provinces:310000:BaseUrl"] = stubUrl.ToString(),
            ["Tongban:Provinces:310000:appKey"] = "tongban-hub",
            ["Tongban:Provinces:310000:appSecret"] = "sh-app-secret-0001",
        }).Build();
        var capture = new FakeLoggerProvider();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddConfiguration(configuration.GetSection("Logging")).SetMinimumLevel(LogLevel.Trace).AddProvider(capture));
        services.AddTongbanFunctionsApp(configuration);
        await using var provider = services.BuildServiceProvider();

        var answer = await provider.GetRequiredService<ProvinceRegistry>().Adapter("310000").VerifyResidentAsync(new Person(IdNumber, Name), default);

        Assert.True(answer.IsOk);
        Assert.Contains($"/sh/api/v2/residents/{IdNumber}", stubPaths); // the ID number did travel in the URL
        var lines = capture.Lines();
        Assert.Contains(lines, l => l.Contains("310115********1232", StringComparison.Ordinal)); // and the call was logged, masked
        Assert.DoesNotContain(lines, l => l.Contains(IdNumber, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(Name, StringComparison.Ordinal) || l.Contains(Uri.EscapeDataString(Name), StringComparison.OrdinalIgnoreCase));
    }
}
