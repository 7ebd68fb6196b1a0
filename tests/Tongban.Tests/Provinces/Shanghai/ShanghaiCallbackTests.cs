using System.Text;
using Microsoft.AspNetCore.Http;
using Tongban.Provinces;
using Tongban.Provinces.Shanghai;
using Tongban.Security;

namespace Tongban.Tests.Provinces.Shanghai;

public sealed class ShanghaiCallbackTests
{
    private const string Key = "sh-callback";
    private const string Secret = "sh-callback-secret-0001";
    private const string Nonce = "9a9b0c1d-0000-4000-8000-00000000000a";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1767225600000);

    private static (HeaderDictionary Headers, byte[] Body) Signed(string json, DateTimeOffset? at = null, string key = Key, string secret = Secret)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var timestamp = (at ?? Now).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var headers = new HeaderDictionary
        {
            ["X-Ca-Key"] = key,
            ["X-Ca-Timestamp"] = timestamp,
            ["X-Ca-Nonce"] = Nonce,
            ["X-Ca-Signature"] = HmacRequestSignature.Compute(secret, "POST", ShanghaiCallback.Path, timestamp, Nonce, body),
        };
        return (headers, body);
    }

    private static ShanghaiCallbackResult Read(HeaderDictionary headers, byte[] body, DateTimeOffset? now = null) =>
        ShanghaiCallback.Read("POST", ShanghaiCallback.Path, headers, body, Key, Secret, now ?? Now);

    [Fact]
    public void Approved_newborn_registration_yields_id_number_and_household()
    {
        var (headers, body) = Signed("""{"ticket":"sh-t-001","type":"newborn-registration","result":"approved","reason":"","data":{"idNumber":"310115202602140021","householdNo":"H-77"}}""");

        var result = Read(headers, body);

        Assert.True(result.IsValid, result.FailureReason);
        Assert.Equal("sh-t-001", result.Ticket);
        Assert.Equal(ShanghaiSlowWorkType.NewbornRegistration, result.Type);
        Assert.Equal(new SlowWorkResult(SlowWorkState.Approved, IdNumber: "310115202602140021", HouseholdNo: "H-77"), result.Result);
        Assert.Equal(Nonce, result.Nonce);
    }

    [Fact]
    public void Approved_transfer_out_yields_the_transfer_id()
    {
        var (headers, body) = Signed("""{"ticket":"sh-t-002","type":"transfer-out","result":"approved","data":{"transferId":"TR-5"}}""");

        var result = Read(headers, body);

        Assert.True(result.IsValid, result.FailureReason);
        Assert.Equal(ShanghaiSlowWorkType.TransferOut, result.Type);
        Assert.Equal(new SlowWorkResult(SlowWorkState.Approved, TransferId: "TR-5"), result.Result);
    }

    [Fact]
    public void Rejection_carries_the_reason()
    {
        var (headers, body) = Signed("""{"ticket":"sh-t-002","type":"transfer-out","result":"rejected","reason":"school full","data":{}}""");

        var result = Read(headers, body);

        Assert.True(result.IsValid, result.FailureReason);
        Assert.Equal(new SlowWorkResult(SlowWorkState.Rejected, "school full"), result.Result);
    }

    [Fact]
    public void Unknown_key_is_refused()
    {
        var (headers, body) = Signed("""{"ticket":"t","type":"transfer-out","result":"rejected","data":{}}""", key: "tongban-hub");

        Assert.Equal(ShanghaiCallbackFailure.UnknownKey, Read(headers, body).Failure);
    }

    [Fact]
    public void Tampered_body_fails_the_signature()
    {
        var (headers, _) = Signed("""{"ticket":"t","type":"transfer-out","result":"rejected","data":{}}""");
        var tampered = Encoding.UTF8.GetBytes("""{"ticket":"t","type":"transfer-out","result":"approved","data":{"transferId":"X"}}""");

        var result = Read(headers, tampered);

        Assert.False(result.IsValid);
        Assert.Equal(ShanghaiCallbackFailure.BadSignature, result.Failure);
        Assert.Null(result.Result);
    }

    [Fact]
    public void Signature_with_the_wrong_secret_is_refused()
    {
        var (headers, body) = Signed("""{"ticket":"t","type":"transfer-out","result":"rejected","data":{}}""", secret: "sh-app-secret-0001");

        Assert.Equal(ShanghaiCallbackFailure.BadSignature, Read(headers, body).Failure);
    }

    [Fact]
    public void Signature_covers_the_path()
    {
        var (headers, body) = Signed("""{"ticket":"t","type":"transfer-out","result":"rejected","data":{}}""");

        var result = ShanghaiCallback.Read("POST", "/api/v1/provinces/330000/callbacks", headers, body, Key, Secret, Now);

        Assert.Equal(ShanghaiCallbackFailure.BadSignature, result.Failure);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(-301)]
    public void Timestamp_more_than_300_seconds_off_is_stale(int offsetSeconds)
    {
        var (headers, body) = Signed("""{"ticket":"t","type":"transfer-out","result":"rejected","data":{}}""", at: Now.AddSeconds(offsetSeconds));

        Assert.Equal(ShanghaiCallbackFailure.StaleTimestamp, Read(headers, body).Failure);
    }

    [Fact]
    public void Timestamp_within_300_seconds_is_accepted()
    {
        var (headers, body) = Signed("""{"ticket":"t","type":"transfer-out","result":"rejected","data":{}}""", at: Now.AddSeconds(-299));

        Assert.True(Read(headers, body).IsValid);
    }

    [Theory]
    [InlineData("X-Ca-Key")]
    [InlineData("X-Ca-Timestamp")]
    [InlineData("X-Ca-Nonce")]
    [InlineData("X-Ca-Signature")]
    public void Missing_header_is_refused(string header)
    {
        var (headers, body) = Signed("""{"ticket":"t","type":"transfer-out","result":"rejected","data":{}}""");
        headers.Remove(header);

        Assert.Equal(ShanghaiCallbackFailure.MissingHeader, Read(headers, body).Failure);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"type":"transfer-out","result":"rejected"}""")]
    [InlineData("""{"ticket":"t","type":"marriage","result":"rejected"}""")]
    [InlineData("""{"ticket":"t","type":"transfer-out","result":"maybe"}""")]
    [InlineData("""{"ticket":"t","type":"transfer-out","result":"approved","data":{}}""")]
    [InlineData("""{"ticket":"t","type":"newborn-registration","result":"approved","data":{"idNumber":"310115202602140021"}}""")]
    public void Authenticated_but_malformed_body_is_reported_not_thrown(string json)
    {
        var (headers, body) = Signed(json);

        var result = Read(headers, body);

        Assert.Equal(ShanghaiCallbackFailure.MalformedBody, result.Failure);
        Assert.False(string.IsNullOrEmpty(result.FailureReason));
        Assert.Equal(Nonce, result.Nonce);
    }

    [Fact]
    public void Header_lookup_overload_reads_the_same_headers()
    {
        var (headers, body) = Signed("""{"ticket":"t","type":"transfer-out","result":"rejected","data":{}}""");

        var result = ShanghaiCallback.Read("POST", ShanghaiCallback.Path, name => headers[name].ToString(), body, Key, Secret, Now);

        Assert.True(result.IsValid, result.FailureReason);
    }

    [Theory]
    [InlineData("n0nce-0000000001")]
    [InlineData("9a9b0c1d-0000-4000-8000-00000000000a#")]
    [InlineData("9a9b0c1d/0000/4000/8000/00000000000a")]
    [InlineData("{9a9b0c1d-0000-4000-8000-00000000000a}")]
    [InlineData("9a9b0c1d-0000-4000-8000-00000000000\u0001")]
    public void A_nonce_that_is_not_a_UUID_is_refused_before_it_can_be_a_table_key(string nonce)
    {
        var (headers, body) = Signed("""{"ticket":"t","type":"transfer-out","result":"rejected","data":{}}""");
        headers["X-Ca-Nonce"] = System.Text.RegularExpressions.Regex.Unescape(nonce);

        var result = Read(headers, body);

        Assert.Equal(ShanghaiCallbackFailure.MalformedNonce, result.Failure);
        Assert.Null(result.Nonce);
    }

    [Theory]
    [InlineData("TK310000-#1")]
    [InlineData("TK/310000")]
    [InlineData("TK\\\\310000")]
    [InlineData("TK?310000")]
    [InlineData("TK\\u0000")]
    [InlineData("票据-1")]
    public void A_ticket_of_another_shape_is_a_malformed_body(string ticket)
    {
        var (headers, body) = Signed($$$"""{"ticket":"{{{ticket}}}","type":"transfer-out","result":"rejected","data":{}}""");

        Assert.Equal(ShanghaiCallbackFailure.MalformedBody, Read(headers, body).Failure);
    }

    [Fact]
    public void A_ticket_at_the_length_limit_passes_and_one_past_it_does_not()
    {
        var at = new string('T', ShanghaiCallback.MaxTicketLength);
        var (headers, body) = Signed($$$"""{"ticket":"{{{at}}}","type":"transfer-out","result":"rejected","data":{}}""");
        Assert.True(Read(headers, body).IsValid);
        (headers, body) = Signed($$$"""{"ticket":"{{{at}}}T","type":"transfer-out","result":"rejected","data":{}}""");
        Assert.Equal(ShanghaiCallbackFailure.MalformedBody, Read(headers, body).Failure);
        Assert.True(ShanghaiCallback.IsTicket("TK310000-000001"));
    }
}
