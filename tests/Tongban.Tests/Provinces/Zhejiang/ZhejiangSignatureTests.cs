using Tongban.Provinces.Zhejiang;
using Tongban.Security;

namespace Tongban.Tests.Provinces.Zhejiang;

public sealed class ZhejiangSignatureTests
{
    [Fact]
    public void Token_sign_matches_the_specs_worked_example() =>
        Assert.Equal("2473f795839ce29139b50ba206f04cea", ZhejiangSignature.ForToken("tongban-hub", "zj-app-secret-0001", "1767225600000"));

    [Fact]
    public void Call_sign_matches_the_specs_worked_example() =>
        Assert.Equal("11527fe7abddb87855861254b5ba4af9", ZhejiangSignature.ForCall("tongban-hub", "rs-5f1d2c3b4a", "1767225600000"));

    [Fact]
    public void Partner_api_signature_matches_its_worked_example() =>
        Assert.Equal("xe7X/RKahg4vY3XJk61QkOJ0LgjgrCSA7mxvqY9WVco=",
            HmacRequestSignature.Compute("sh-partner-secret-0001", "GET", "/api/v1/cases/c-1", "1767225600000", "n0nce-0000000001", []));
}
