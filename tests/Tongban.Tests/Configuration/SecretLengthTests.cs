using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tongban.Configuration;

namespace Tongban.Tests.Configuration;

/// <summary>Issue 11: partner and operator secrets are at least 32 bytes at start-up; only the devhost's own sandbox secrets are let through.</summary>
public class SecretLengthTests
{
    private static readonly string Long = new('s', TongbanOptions.MinSecretBytes);

    private static TongbanOptions Options(string partnerSecret, string operatorSecret) => new()
    {
        Partners = { ["310000"] = new PartnerOptions { Secret = partnerSecret } },
        Operators = { ["ops-1"] = new PartnerOptions { Secret = operatorSecret } },
        Pii = { Keys = { ["k1"] = Convert.ToBase64String(new byte[32]) }, ActiveKeyId = "k1" },
    };

    [Fact]
    public void Secrets_of_32_bytes_are_accepted() => Assert.Empty(Options(Long, Long).Problems());

    [Fact]
    public void A_short_partner_or_operator_secret_is_refused_naming_its_key()
    {
        Assert.Equal(["Tongban:Partners:310000:Secret (must be at least 32 bytes)"], Options(Long[..31], Long).Problems());
        Assert.Equal(["Tongban:Operators:ops-1:Secret (must be at least 32 bytes)"], Options(Long, "sh-partner-secret-0001").Problems());
    }

    [Fact]
    public void Length_is_counted_in_UTF8_bytes()
    {
        // 11 CJK characters are 33 bytes; 10 are 30.
        Assert.Empty(Options(new string('密', 11), Long).Problems());
        Assert.NotEmpty(Options(new string('密', 10), Long).Problems());
    }

    [Fact]
    public void A_sandbox_secret_passes_only_as_the_file_gave_it_and_only_for_its_key()
    {
        var sandbox = new SandboxSecrets([KeyValuePair.Create("Tongban:partners:310000:secret", "sh-partner-secret-0001")]);
        Assert.Empty(Options("sh-partner-secret-0001", Long).Problems(sandbox));
        Assert.NotEmpty(Options("sh-partner-secret-0002", Long).Problems(sandbox));
        // An operator's short secret is never a sandbox one.
        Assert.NotEmpty(Options(Long, "sh-partner-secret-0001").Problems(sandbox));
    }

    [Fact]
    public void Start_up_fails_with_the_key_unless_the_sandbox_secrets_are_registered()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Tongban:Partners:310000:Secret"] = "sh-partner-secret-0001",
            ["Tongban:Pii:Keys:k1"] = Convert.ToBase64String(new byte[32]),
            ["Tongban:Pii:ActiveKeyId"] = "k1",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        var plain = new ServiceCollection().AddTongbanCore(configuration).BuildServiceProvider();
        var failure = Assert.Throws<OptionsValidationException>(() => plain.GetRequiredService<IOptions<TongbanOptions>>().Value);
        Assert.Contains("Tongban:Partners:310000:Secret (must be at least 32 bytes)", failure.Message, StringComparison.Ordinal);

        var devhost = new ServiceCollection().AddTongbanCore(configuration)
            .AddSingleton(new SandboxSecrets([KeyValuePair.Create("Tongban:partners:310000:secret", "sh-partner-secret-0001")])).BuildServiceProvider();
        Assert.Equal("sh-partner-secret-0001", devhost.GetRequiredService<IOptions<TongbanOptions>>().Value.Partners["310000"].Secret);
    }

    [Fact]
    public void The_sandbox_allowance_cannot_be_made_outside_the_core_and_the_devhost()
    {
        // The Functions app references the core but is not among its friends: it has no way to build the allowance.
        Assert.All(typeof(SandboxSecrets).GetConstructors(), c => Assert.False(c.IsPublic));
    }

    [Fact]
    public void Rate_limits_must_be_positive()
    {
        var options = Options(Long, Long);
        options.Partners["310000"].RateLimit = new RateLimitOptions { RequestsPerSecond = 0, Burst = 0 };
        Assert.Equal(["Tongban:Partners:310000:RateLimit:RequestsPerSecond (must be at least 1)", "Tongban:Partners:310000:RateLimit:Burst (must be at least 1)"],
            options.Problems());
    }
}
