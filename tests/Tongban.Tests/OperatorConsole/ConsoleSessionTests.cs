using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Tongban.Configuration;
using Tongban.OperatorConsole;

namespace Tongban.Tests.OperatorConsole;

/// <summary>Issue 12 §3: the console's stateless session cookie, its CSRF token and its cookie flags.</summary>
public sealed class ConsoleSessionTests
{
    private const string Secret = "operator-secret-for-unit-tests-at-least-32-bytes";
    private FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 5, 4, 0, 0, TimeSpan.Zero));
    private readonly TongbanOptions options = new() { Operators = { ["ops-1"] = new PartnerOptions { Secret = Secret } } };

    private ConsoleSessions Sessions() => new(Options.Create(options), clock);

    private static DefaultHttpContext Context(string remote = "127.0.0.1", string host = "127.0.0.1:7071", bool https = false)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        context.Request.Host = new HostString(host);
        context.Request.Scheme = https ? "https" : "http";
        return context;
    }

    private static string CookieValue(HttpContext context)
    {
        var header = context.Response.Headers.SetCookie.ToString();
        return header[(header.IndexOf('=') + 1)..header.IndexOf(';')];
    }

    private string Issue(HttpContext context, string operatorId = "ops-1")
    {
        var sessions = Sessions();
        sessions.Write(context.Response, sessions.Begin(operatorId).Session);
        return CookieValue(context);
    }

    [Fact]
    public void A_written_session_reads_back_as_its_operator()
    {
        var value = Issue(Context());
        var session = Sessions().Open(value);
        Assert.NotNull(session);
        Assert.Equal("ops-1", session.OperatorId);
        Assert.Equal(clock.GetUtcNow() + options.Console.SessionIdle, session.ExpiresAt);
    }

    [Fact]
    public void A_changed_byte_another_operators_name_or_a_changed_secret_makes_the_cookie_worthless()
    {
        var value = Issue(Context());
        var parts = value.Split('.');
        parts[4] = (long.Parse(parts[4], System.Globalization.CultureInfo.InvariantCulture) + 3600).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Null(Sessions().Open(string.Join('.', parts)));
        options.Operators["ops-2"] = new PartnerOptions { Secret = Secret + "-2" };
        parts = value.Split('.');
        parts[1] = Convert.ToBase64String("ops-2"u8.ToArray()).TrimEnd('=');
        Assert.Null(Sessions().Open(string.Join('.', parts)));
        Assert.Null(Sessions().Open("v1.garbage"));

        options.Operators["ops-1"].Secret = Secret + "-rotated";
        Assert.Null(Sessions().Open(value));
        options.Operators.Remove("ops-1");
        Assert.Null(Sessions().Open(value));
    }

    [Fact]
    public void A_session_lapses_when_idle_and_at_its_lifetime_however_busy()
    {
        var sessions = Sessions();
        var (session, _) = sessions.Begin("ops-1");
        clock.SetUtcNow(clock.Start + options.Console.SessionIdle - TimeSpan.FromSeconds(1));
        var context = Context();
        sessions.Write(context.Response, session);
        var value = CookieValue(context);
        Assert.NotNull(sessions.Open(value));
        clock.SetUtcNow(clock.Start + options.Console.SessionIdle);
        Assert.Null(sessions.Open(value));

        // Sliding every few minutes keeps it alive, until its lifetime; from the start again, on a fresh clock (a fake one never goes back).
        clock = new FakeTimeProvider(clock.Start);
        sessions = Sessions();
        var live = session;
        for (var at = TimeSpan.Zero; at < options.Console.SessionLifetime; at += TimeSpan.FromMinutes(10))
        {
            clock.SetUtcNow(clock.Start + at);
            live = sessions.Slide(live);
        }

        Assert.Equal(session.IssuedAt + options.Console.SessionLifetime, live.ExpiresAt);
        clock.SetUtcNow(clock.Start + options.Console.SessionLifetime);
        var late = Context();
        sessions.Write(late.Response, live with { ExpiresAt = clock.GetUtcNow() + TimeSpan.FromHours(1) });
        Assert.Null(sessions.Open(CookieValue(late)));
    }

    [Fact]
    public void The_csrf_token_is_the_sessions_own()
    {
        var sessions = Sessions();
        var (one, csrf) = sessions.Begin("ops-1");
        var (other, _) = sessions.Begin("ops-1");
        var request = Context().Request;
        Assert.False(sessions.CsrfHolds(request, one));
        request.Headers[ConsoleSessions.CsrfHeader] = csrf;
        Assert.True(sessions.CsrfHolds(request, one));
        Assert.False(sessions.CsrfHolds(request, other));
        request.Headers[ConsoleSessions.CsrfHeader] = csrf[..^1] + (csrf[^1] == 'A' ? 'B' : 'A');
        Assert.False(sessions.CsrfHolds(request, one));
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1:7071", false, false)]
    [InlineData("::1", "[::1]:7071", false, false)]
    [InlineData("127.0.0.1", "localhost:7071", false, false)]
    [InlineData("10.0.0.5", "tongban.example.cn", false, true)]
    [InlineData("127.0.0.1", "tongban.example.cn", false, true)]
    [InlineData("127.0.0.1", "127.0.0.1:7071", true, true)]
    public void The_cookie_is_http_only_strict_and_secure_outside_plain_loopback(string remote, string host, bool https, bool secure)
    {
        var context = Context(remote, host, https);
        Issue(context);
        var header = context.Response.Headers.SetCookie.ToString().ToLowerInvariant();
        Assert.StartsWith(ConsoleSessions.CookieName + "=", header, StringComparison.Ordinal);
        Assert.Contains("httponly", header, StringComparison.Ordinal);
        Assert.Contains("samesite=strict", header, StringComparison.Ordinal);
        Assert.Contains("path=/api", header, StringComparison.Ordinal);
        Assert.Equal(secure, header.Contains("secure", StringComparison.Ordinal));
    }
}
