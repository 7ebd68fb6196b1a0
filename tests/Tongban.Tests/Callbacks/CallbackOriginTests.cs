using Tongban.Callbacks;
using Tongban.Configuration;

namespace Tongban.Tests.Callbacks;

/// <summary>Registered callback origins are checked at start-up: a malformed one names its key.</summary>
public class CallbackOriginTests
{
    private static TongbanOptions WithOrigins(params string[] origins) => new()
    {
        Partners = { ["310000"] = new PartnerOptions { Secret = "s", CallbackOrigins = [.. origins] } },
        Pii = { Key = Convert.ToBase64String(new byte[32]) },
    };

    [Theory]
    [InlineData("https://partner.example")]
    [InlineData("https://partner.example:8443")]
    [InlineData("https://partner.example/")]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("http://127.8.9.10")]
    [InlineData("http://[::1]:5000")]
    public void Accepts_https_origins_and_http_on_a_literal_loopback_address(string origin) =>
        Assert.DoesNotContain(WithOrigins(origin).Problems(), p => p.Contains("CallbackOrigins", StringComparison.Ordinal));

    [Theory]
    [InlineData("http://localhost:5000")]          // a name, not a literal address
    [InlineData("http://partner.example")]         // http off loopback
    [InlineData("http://10.0.0.1:5000")]           // http on a private, not loopback, address
    [InlineData("https://partner.example/hooks")]  // a path
    [InlineData("https://partner.example?x=1")]
    [InlineData("https://partner.example#x")]
    [InlineData("https://user@partner.example")]
    [InlineData("ftp://partner.example")]
    [InlineData("partner.example")]
    [InlineData("")]
    public void Refuses_a_malformed_origin_naming_its_key(string origin)
    {
        var problems = WithOrigins("https://good.example", origin).Problems().ToList();
        Assert.Single(problems, p => p.StartsWith("Tongban:Partners:310000:CallbackOrigins:1 ", StringComparison.Ordinal));
    }

    [Fact]
    public void Compares_scheme_host_case_insensitively_and_effective_port()
    {
        var origins = PartnerCallbackOrigins.From(WithOrigins("https://Partner.Example", "http://127.0.0.1:5000"));
        Assert.True(origins.Allows("310000", new Uri("https://partner.example:443/a")));
        Assert.True(origins.Allows("310000", new Uri("HTTPS://PARTNER.EXAMPLE/a")));
        Assert.False(origins.Allows("310000", new Uri("https://partner.example:444/a")));
        Assert.False(origins.Allows("310000", new Uri("http://partner.example/a")));
        Assert.False(origins.Allows("310000", new Uri("http://127.0.0.1:5001/a")));
        Assert.False(origins.Allows("330000", new Uri("https://partner.example/a")));
        Assert.Equal([System.Net.IPAddress.Loopback], origins.Literals);
    }

    [Theory]
    [InlineData("Timeout", "00:00:00")]
    [InlineData("MaxResponseBytes", "-1")]
    [InlineData("RetryFor", "-00:00:01")]
    [InlineData("RetryDelay", "00:00:00")]
    public void Refuses_unusable_delivery_settings_naming_the_key(string key, string value)
    {
        var options = WithOrigins();
        var property = typeof(CallbackOptions).GetProperty(key)!;
        property.SetValue(options.Callbacks, property.PropertyType == typeof(int) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(options.Problems(), p => p.StartsWith("Tongban:Callbacks:" + key, StringComparison.Ordinal));
    }
}
