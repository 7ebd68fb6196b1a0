using Microsoft.Playwright;
using Tongban.IntegrationTests.Infrastructure;

namespace Tongban.IntegrationTests.OperatorConsole;

/// <summary>
/// A hub for the console's browser tests: a held step stays held (one round, then parked for 10 min; the redrive timer
/// effectively off, so only the operator re-drives), one operator, and headless Chromium from the Debian package.
/// </summary>
public sealed class ConsoleHubFixture : HubFixture
{
    public const string OperatorId = "console-op";
    public const string OperatorSecret = "console-operator-secret-for-browser-tests-01";

    /// <summary>Playwright's own browser download cannot work here: the Debian chromium, by path.</summary>
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: <c>TONGBAN_CONSOLE_SCREENSHOTS</c> (eng/test.sh names one), else TestResults/console beside the tests.</summary>
    public static string ScreenshotFolder { get; } = Environment.GetEnvironmentVariable("TONGBAN_CONSOLE_SCREENSHOTS") is { Length: > 0 } folder
        ? folder : Path.Combine(AppContext.BaseDirectory, "TestResults", "console");

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Tongban:Workflow:MaxRounds"] = "1";
        settings["Tongban:Workflow:StepTimeout"] = "00:00:10";
        settings["Tongban:Workflow:ParkFor"] = "00:10:00";
        settings["Tongban:Workflow:RedriveWindow"] = "00:10:00";
        settings["Tongban:Redrive:Period"] = "00:10:00";
        settings["Tongban:Redrive:ProbeInterval"] = "00:10:00";
        settings[$"Tongban:Operators:{OperatorId}:Secret"] = OperatorSecret;
    }

    protected override async Task BeforeStartAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install chromium (eng/test.sh does)");
        playwright = await Playwright.CreateAsync();
        // --no-sandbox: the tests may run as root, where Chromium's own sandbox refuses to start.
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        Directory.CreateDirectory(ScreenshotFolder);
    }

    protected override async ValueTask AfterStopAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        playwright?.Dispose();
    }

    /// <summary>A fresh browser context (cold cache, no cookies) sized as a laptop screen.</summary>
    public Task<IBrowserContext> NewContextAsync() =>
        Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 768 }, BaseURL = Hub.Url.ToString() });
}

[CollectionDefinition(Name)]
public sealed class ConsoleHubCollection : ICollectionFixture<ConsoleHubFixture>
{
    public const string Name = "console-hub";
}
