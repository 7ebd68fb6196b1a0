using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tongban.Client;
using Tongban.Security;

namespace Tongban.Tests.Client;

/// <summary>The partner's check of the hub's status callbacks, against callbacks signed as PartnerCallbackSender signs them.</summary>
public sealed class CallbackVerifierTests
{
    private const string Secret = "sh-partner-secret-0001";
    private const string Url = "https://partner.example/hooks/tongban?source=hub";
    private const string Body = """{"caseId":"c-20261205-0001","caseType":"marriage-registration","reference":"SH-1","status":"Completed","handlingProvince":"310000","involvedProvinces":["310000","330000"],"steps":[{"name":"verify-resident","province":"330000","subject":"partyA","status":"Succeeded","attempts":1}],"outcome":{"certificateNo":"J310115-2026-000001"}}""";

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 5, 4, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_callback_signed_by_the_hub_is_valid_and_carries_the_case_and_sequence()
    {
        var verifier = new CallbackVerifier(Secret, time: time);
        using var callback = HubCallback(Body, Secret, time.GetUtcNow(), sequence: 3);

        var check = await verifier.VerifyAsync(callback);

        Assert.True(check.IsValid, check.Failure);
        Assert.Equal(3, check.Sequence);
        Assert.Equal("c-20261205-0001", check.Case!.CaseId);
        Assert.Equal(CaseStatuses.Completed, check.Case.Status);
        Assert.True(check.Case.IsFinal);
        Assert.Equal("verify-resident.partyA", Assert.Single(check.Case.Steps).Key);
        Assert.Equal("J310115-2026-000001", check.Case.Outcome!.CertificateNo);
    }

    [Fact]
    public async Task A_tampered_body_is_refused()
    {
        var verifier = new CallbackVerifier(Secret, time: time);
        using var callback = HubCallback(Body, Secret, time.GetUtcNow(), sequence: 1);
        callback.Content = new StringContent(Body.Replace("Completed", "Rejected", StringComparison.Ordinal), Encoding.UTF8, "application/json");

        var check = await verifier.VerifyAsync(callback);

        Assert.False(check.IsValid);
        Assert.Contains("X-Tongban-Signature", check.Failure, StringComparison.Ordinal);
        Assert.Null(check.Case);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public async Task A_timestamp_beyond_the_tolerance_is_refused(int secondsOff)
    {
        var verifier = new CallbackVerifier(Secret, time: time);
        using var callback = HubCallback(Body, Secret, time.GetUtcNow().AddSeconds(secondsOff), sequence: 1);

        var check = await verifier.VerifyAsync(callback);

        Assert.False(check.IsValid);
        Assert.Contains("X-Tongban-Timestamp", check.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_timestamp_within_the_tolerance_is_accepted()
    {
        var verifier = new CallbackVerifier(Secret, time: time);
        using var callback = HubCallback(Body, Secret, time.GetUtcNow().AddSeconds(-299), sequence: 1);

        Assert.True((await verifier.VerifyAsync(callback)).IsValid);
    }

    [Fact]
    public async Task A_callback_signed_with_another_secret_is_refused()
    {
        var verifier = new CallbackVerifier(Secret, time: time);
        using var callback = HubCallback(Body, "zj-partner-secret-0001", time.GetUtcNow(), sequence: 1);

        var check = await verifier.VerifyAsync(callback);

        Assert.False(check.IsValid);
        Assert.Contains("X-Tongban-Signature", check.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replayed_callback_is_refused_the_second_time()
    {
        var verifier = new CallbackVerifier(Secret, time: time);
        using var first = HubCallback(Body, Secret, time.GetUtcNow(), sequence: 1, nonce: "replayed-nonce-0001");
        using var again = HubCallback(Body, Secret, time.GetUtcNow(), sequence: 1, nonce: "replayed-nonce-0001");

        Assert.True((await verifier.VerifyAsync(first)).IsValid);
        var check = await verifier.VerifyAsync(again);

        Assert.False(check.IsValid);
        Assert.Contains("replay", check.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caller_other_than_the_hub_is_refused_even_when_signed()
    {
        var verifier = new CallbackVerifier(Secret, time: time);
        using var callback = HubCallback(Body, Secret, time.GetUtcNow(), sequence: 1, caller: "310000");

        var check = await verifier.VerifyAsync(callback);

        Assert.False(check.IsValid);
        Assert.Contains("X-Tongban-Partner", check.Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    [InlineData("first")]
    public async Task A_missing_or_malformed_sequence_is_refused(string? sequence)
    {
        var verifier = new CallbackVerifier(Secret, time: time);
        using var callback = HubCallback(Body, Secret, time.GetUtcNow(), sequence: 1);
        callback.Headers.Remove("X-Tongban-Sequence");
        if (sequence is not null) callback.Headers.Add("X-Tongban-Sequence", sequence);

        var check = await verifier.VerifyAsync(callback);

        Assert.False(check.IsValid);
        Assert.Contains("X-Tongban-Sequence", check.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_body_that_is_not_a_case_is_refused()
    {
        var verifier = new CallbackVerifier(Secret, time: time);
        using var callback = HubCallback("{\"hello\":1}", Secret, time.GetUtcNow(), sequence: 1);

        var check = await verifier.VerifyAsync(callback);

        Assert.False(check.IsValid);
        Assert.Equal("The body is not a case.", check.Failure);
    }

    /// <summary>A callback as PartnerCallbackSender makes it: the hub's code, Unix ms, a hex nonce, the hub's own signer over the URL's path and query.</summary>
    private static HttpRequestMessage HubCallback(string body, string secret, DateTimeOffset at, int sequence, string? nonce = null, string caller = "330000")
    {
        var url = new Uri(Url);
        var bytes = Encoding.UTF8.GetBytes(body);
        var timestamp = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        nonce ??= Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Tongban-Partner", caller);
        request.Headers.Add("X-Tongban-Timestamp", timestamp);
        request.Headers.Add("X-Tongban-Nonce", nonce);
        request.Headers.Add("X-Tongban-Signature", HmacRequestSignature.Compute(secret, "POST", url.PathAndQuery, timestamp, nonce, bytes));
        request.Headers.Add("X-Tongban-Sequence", sequence.ToString(CultureInfo.InvariantCulture));
        return request;
    }
}
