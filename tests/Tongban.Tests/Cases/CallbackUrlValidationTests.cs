using Tongban.Cases.Divisions;
using Tongban.Cases.Validation;
using static Tongban.Tests.Cases.CaseBodies;

namespace Tongban.Tests.Cases;

/// <summary>
/// callbackUrl must lie in an origin the calling partner registered (partner-api.md): each refusal is a 400 on
/// callbackUrl alone, and the case is not created (no command comes out of validation).
/// </summary>
public class CallbackUrlValidationTests
{
    // Shanghai registers its own server and a loopback port for testing; Zhejiang registers another server.
    private static readonly OpenCaseValidator Validator = new(DivisionCatalog.Shared, Members, Origins(
        ("310000", ["https://hooks.shanghai.example", "http://127.0.0.1:5000"]),
        ("330000", ["https://hooks.zhejiang.example"])));

    private static Validated<Tongban.Cases.OpenCaseCommand> ValidateAsShanghai(string callbackUrl)
    {
        var body = Marriage(); // handled by 310000
        body["callbackUrl"] = callbackUrl;
        return Validator.Validate(body.ToElement(), Today, "310000");
    }

    [Theory]
    [InlineData("https://hooks.shanghai.example/tongban")]
    [InlineData("https://HOOKS.Shanghai.example:443/tongban?tenant=1")]
    [InlineData("http://127.0.0.1:5000/tongban")]
    public void Accepts_a_url_in_a_registered_origin(string url) =>
        Assert.Equal(new Uri(url), AssertValid(ValidateAsShanghai(url)).CallbackUrl);

    [Theory]
    [InlineData("https://evil.example/tongban")]                       // another host
    [InlineData("https://hooks.shanghai.example:8443/tongban")]        // another port
    [InlineData("https://hooks.shanghai.example.evil.example/tongban")] // a suffix is not the host
    [InlineData("https://169.254.169.254/latest/meta-data")]           // the cloud's metadata service
    [InlineData("https://10.0.0.5/tongban")]                           // the hub's own network
    [InlineData("https://127.0.0.1:5000/tongban")]                     // the registered loopback port, other scheme
    public void Refuses_an_origin_the_partner_did_not_register(string url) =>
        AssertErrorsAt(ValidateAsShanghai(url), "callbackUrl");

    [Fact]
    public void Refuses_another_partners_origin() =>
        AssertErrorsAt(ValidateAsShanghai("https://hooks.zhejiang.example/tongban"), "callbackUrl");

    [Theory]
    [InlineData("http://hooks.shanghai.example/tongban")]
    [InlineData("http://8.8.8.8/tongban")]
    public void Refuses_http_off_loopback(string url)
    {
        var result = ValidateAsShanghai(url);
        AssertErrorsAt(result, "callbackUrl");
        Assert.Contains("https", result.Errors.ToDictionary()["callbackUrl"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:5000/tongban")]
    [InlineData("http://LOCALHOST:5000/tongban")]
    public void Refuses_localhost_by_name_though_its_address_is_registered(string url) =>
        AssertErrorsAt(ValidateAsShanghai(url), "callbackUrl");

    [Theory]
    [InlineData("https://user@hooks.shanghai.example/tongban")]
    [InlineData("https://user:secret@hooks.shanghai.example/tongban")]
    [InlineData("http://user@127.0.0.1:5000/tongban")]
    public void Refuses_user_info(string url) =>
        AssertErrorsAt(ValidateAsShanghai(url), "callbackUrl");

    [Theory]
    [InlineData("https://hooks.shanghai.example/tongban#part")]
    [InlineData("https://hooks.shanghai.example/tongban#")]
    public void Refuses_a_fragment(string url) =>
        AssertErrorsAt(ValidateAsShanghai(url), "callbackUrl");

    [Fact]
    public void Refuses_every_url_when_the_partner_registered_none()
    {
        var none = new OpenCaseValidator(DivisionCatalog.Shared, Members);
        var body = Marriage();
        body["callbackUrl"] = "https://partner.example/hooks/tongban";
        AssertErrorsAt(none.Validate(body.ToElement(), Today, "310000"), "callbackUrl");
    }
}
