using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tongban.Sandbox;

namespace Tongban.Tests.Sandbox;

/// <summary>The down-for-a-while knob: a province out until a time, then back by itself; on its own clock and on the control surface.</summary>
public sealed class TimedOutageTests : IAsyncLifetime
{
    // Moved by hand only: "still down at 59 s of 60" must not depend on how long the test itself takes on a busy machine.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private ProvinceSandbox _sandbox = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await ProvinceSandbox.StartAsync(new SandboxOptions { TimeProvider = _time }, CancellationToken.None);
        _http = new HttpClient { BaseAddress = _sandbox.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sandbox.DisposeAsync();
    }

    /// <summary>A path of each province; an unsigned POST there gets the province's own refusal when it is up, 503 when down.</summary>
    public static TheoryData<string, string> Provinces() => new()
    {
        { "330000", "zj/gateway/token" },
        { "310000", "sh/api/v2/students/G310104201612075770" },
        { "360000", "jx/esb/service" },
        { "340000", "ah/tif/student.record" },
    };

    private async Task<HttpStatusCode> PostAsync(string path)
    {
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(path, content);
        return response.StatusCode;
    }

    private async Task<JsonElement> KnobsAsync(string code) => (await _http.GetFromJsonAsync<JsonElement>("_sandbox/knobs")).GetProperty(code);

    private Task<HttpResponseMessage> PutAsync(string code, object change) =>
        _http.PutAsJsonAsync("_sandbox/knobs", new Dictionary<string, object> { [code] = change });

    [Theory]
    [MemberData(nameof(Provinces))]
    public async Task Down_for_a_while_answers_503_until_the_time_is_up_then_the_province_is_back_by_itself(string code, string path)
    {
        var knobs = _sandbox.Knobs[code];
        knobs.DownFor(TimeSpan.FromSeconds(60));
        Assert.True(knobs.IsDown);
        Assert.False(knobs.Down);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await PostAsync(path));
        Assert.All(_sandbox.Knobs.ProvinceCodes.Where(c => c != code), other => Assert.False(_sandbox.Knobs[other].IsDown));

        _time.SetUtcNow(_time.Start + TimeSpan.FromSeconds(59));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await PostAsync(path));

        _time.SetUtcNow(_time.Start + TimeSpan.FromSeconds(61));
        Assert.False(knobs.IsDown);
        Assert.NotEqual(HttpStatusCode.ServiceUnavailable, await PostAsync(path));
    }

    [Fact]
    public async Task Down_knob_and_a_timed_outage_are_independent()
    {
        var knobs = _sandbox.Knobs.Jiangxi;
        knobs.DownFor(TimeSpan.FromSeconds(10));
        knobs.Down = true;
        _time.SetUtcNow(_time.Start + TimeSpan.FromSeconds(11));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await PostAsync("jx/esb/service"));
        knobs.Down = false;
        Assert.Equal(HttpStatusCode.OK, await PostAsync("jx/esb/service"));

        knobs.DownFor(TimeSpan.FromSeconds(10));
        knobs.DownFor(TimeSpan.Zero);
        Assert.False(knobs.IsDown);
        Assert.Throws<ArgumentOutOfRangeException>(() => knobs.DownFor(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public async Task Control_surface_takes_a_timed_outage_shows_what_is_left_and_ends_it_early()
    {
        var putAt = _time.GetUtcNow();
        using (var put = await PutAsync("360000", new { downForSeconds = 60 }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var shown = await KnobsAsync("360000");
        Assert.Equal((60, false), (shown.GetProperty("downForSeconds").GetInt32(), shown.GetProperty("down").GetBoolean()));
        Assert.InRange(shown.GetProperty("downUntil").GetDateTimeOffset() - putAt, TimeSpan.FromSeconds(59.5), TimeSpan.FromSeconds(61));
        Assert.Equal(0, (await KnobsAsync("330000")).GetProperty("downForSeconds").GetInt32());
        Assert.Equal(JsonValueKind.Null, (await KnobsAsync("330000")).GetProperty("downUntil").ValueKind);

        _time.SetUtcNow(_time.Start + TimeSpan.FromSeconds(45));
        Assert.Equal(15, (await KnobsAsync("360000")).GetProperty("downForSeconds").GetInt32());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await PostAsync("jx/esb/service"));

        // Ended early with 0; an absolute downUntil is taken too; a negative duration is refused.
        using (var end = await PutAsync("360000", new { downForSeconds = 0 }))
        {
            Assert.Equal(HttpStatusCode.OK, end.StatusCode);
        }

        Assert.Equal(JsonValueKind.Null, (await KnobsAsync("360000")).GetProperty("downUntil").ValueKind);
        Assert.Equal(HttpStatusCode.OK, await PostAsync("jx/esb/service"));
        using (var until = await PutAsync("360000", new { downUntil = _time.GetUtcNow().AddSeconds(30) }))
        {
            Assert.Equal(HttpStatusCode.OK, until.StatusCode);
        }

        Assert.Equal(30, (await KnobsAsync("360000")).GetProperty("downForSeconds").GetInt32());
        using var negative = await PutAsync("360000", new { downForSeconds = -1 });
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
    }

    [Fact]
    public async Task Control_surface_sets_and_shows_the_wrong_signatures_knob()
    {
        Assert.False((await KnobsAsync("340000")).GetProperty("wrongSignatures").GetBoolean());
        using var put = await PutAsync("340000", new { wrongSignatures = true });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.True(_sandbox.Knobs.Anhui.WrongSignatures);
        Assert.True((await KnobsAsync("340000")).GetProperty("wrongSignatures").GetBoolean());
        Assert.False(_sandbox.Knobs.Jiangxi.WrongSignatures);
    }
}
