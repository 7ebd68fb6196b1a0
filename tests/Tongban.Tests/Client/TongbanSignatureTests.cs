using System.Security.Cryptography;
using System.Text;
using Tongban.Client;
using Tongban.Security;

namespace Tongban.Tests.Client;

/// <summary>The client's own signer against the contract's worked example, and against the hub's verifier (they check each other).</summary>
public sealed class TongbanSignatureTests
{
    [Fact]
    public void Worked_example_of_the_contract_gives_its_signature()
    {
        var signature = TongbanSignature.Sign("sh-partner-secret-0001", "GET", "/api/v1/cases/c-1", "1767225600000", "n0nce-0000000001", []);

        Assert.Equal("xe7X/RKahg4vY3XJk61QkOJ0LgjgrCSA7mxvqY9WVco=", signature);
    }

    [Fact]
    public void String_to_sign_is_the_five_lines_of_the_contract()
    {
        var toSign = TongbanSignature.StringToSign("get", "/api/v1/cases/c-1", "1767225600000", "n0nce-0000000001", []);

        Assert.Equal("GET\n/api/v1/cases/c-1\n1767225600000\nn0nce-0000000001\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", toSign);
    }

    [Fact]
    public void Client_and_hub_signers_agree_on_random_requests()
    {
        for (var i = 0; i < 50; i++)
        {
            var body = RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(0, 300));
            var path = $"/api/v1/cases?status=Completed&pageSize={i}&x={Convert.ToHexString(RandomNumberGenerator.GetBytes(4))}";
            var nonce = TongbanSignature.NewNonce();
            var signature = TongbanSignature.Sign("zj-partner-secret-0001", "POST", path, "1767225600123", nonce, body);

            Assert.True(HmacRequestSignature.Verify("zj-partner-secret-0001", "POST", path, "1767225600123", nonce, body, signature));
            Assert.Equal(HmacRequestSignature.Compute("zj-partner-secret-0001", "POST", path, "1767225600123", nonce, body), signature);
        }
    }

    [Fact]
    public void Matches_refuses_another_secret_a_changed_body_and_no_signature()
    {
        var body = Encoding.UTF8.GetBytes("{\"reason\":\"moved\"}");
        var signature = TongbanSignature.Sign("s1-secret", "POST", "/p", "1", "nonce-0123456789ab", body);

        Assert.True(TongbanSignature.Matches("s1-secret", "POST", "/p", "1", "nonce-0123456789ab", body, signature));
        Assert.False(TongbanSignature.Matches("s2-secret", "POST", "/p", "1", "nonce-0123456789ab", body, signature));
        Assert.False(TongbanSignature.Matches("s1-secret", "POST", "/p", "1", "nonce-0123456789ab", Encoding.UTF8.GetBytes("{\"reason\":\"moveD\"}"), signature));
        Assert.False(TongbanSignature.Matches("s1-secret", "POST", "/p", "1", "nonce-0123456789ab", body, null));
    }

    [Fact]
    public void Nonces_are_fresh_and_within_the_contracts_alphabet()
    {
        var nonces = Enumerable.Range(0, 100).Select(_ => TongbanSignature.NewNonce()).ToList();

        Assert.Equal(100, nonces.Distinct().Count());
        Assert.All(nonces, n => Assert.Matches("^[A-Za-z0-9-]{16,64}$", n));
    }

    [Fact]
    public void Operator_credentials_sign_under_the_operator_header_and_never_print_the_secret()
    {
        var credentials = TongbanCredentials.Operator("ops-1", "ops-secret-0001");
        var headers = TongbanSignature.Headers(credentials, "GET", "/api/v1/operator/provinces", [], DateTimeOffset.FromUnixTimeMilliseconds(1767225600000), "n0nce-0000000001");

        Assert.Equal([TongbanSignature.OperatorHeader, TongbanSignature.TimestampHeader, TongbanSignature.NonceHeader, TongbanSignature.SignatureHeader], headers.Select(h => h.Key));
        Assert.Equal("ops-1", headers[0].Value);
        Assert.Equal("1767225600000", headers[1].Value);
        Assert.Equal(TongbanSignature.Sign("ops-secret-0001", "GET", "/api/v1/operator/provinces", "1767225600000", "n0nce-0000000001", []), headers[3].Value);
        Assert.DoesNotContain("ops-secret", credentials.ToString(), StringComparison.Ordinal);
    }
}
