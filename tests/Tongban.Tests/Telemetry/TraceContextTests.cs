using System.Diagnostics;
using Tongban.Telemetry;

namespace Tongban.Tests.Telemetry;

/// <summary>How a span continues the trace a message carried, and what the scrubber leaves of a URL.</summary>
public sealed class TraceContextTests : IDisposable
{
    private readonly ActivityListener listener = new()
    {
        ShouldListenTo = source => source.Name is TongbanTelemetry.Name or "test-host",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    private static readonly ActivitySource Host = new("test-host");

    public TraceContextTests() => ActivitySource.AddActivityListener(listener);

    public void Dispose() => listener.Dispose();

    [Fact]
    public void A_span_continuing_a_carried_context_has_it_as_parent_and_links_the_hosts_span()
    {
        using var producer = TongbanTelemetry.Source.StartActivity("producer", ActivityKind.Producer)!;
        var carried = producer.Id;
        producer.Stop();

        using var invocation = Host.StartActivity("host invocation")!;
        using var consumer = TongbanTelemetry.Continue("consumer", ActivityKind.Consumer, carried)!;

        Assert.Equal(producer.TraceId, consumer.TraceId);
        Assert.Equal(producer.SpanId, consumer.ParentSpanId);
        var link = Assert.Single(consumer.Links);
        Assert.Equal(invocation.SpanId, link.Context.SpanId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not a traceparent")]
    public void Without_a_usable_carried_context_a_span_is_the_current_spans_child(string? carried)
    {
        using var invocation = Host.StartActivity("host invocation")!;
        using var consumer = TongbanTelemetry.Continue("consumer", ActivityKind.Consumer, carried)!;

        Assert.Equal(invocation.SpanId, consumer.ParentSpanId);
        Assert.Empty(consumer.Links);
    }

    [Fact]
    public void The_scrubber_masks_id_numbers_in_url_paths_and_drops_queries()
    {
        using var span = TongbanTelemetry.Source.StartActivity("GET /residents/310104199001011237")!;
        span.SetTag("url.full", "http://127.0.0.1:5000/sh/residents/310104199001011237?name=%E5%BC%A0%E4%B8%89");
        span.SetTag("url.path", "/sh/students/G310104201612075770");
        span.SetTag("url.query", "?name=张三");
        span.Stop();

        new PersonalDataSpanScrubber().OnEnd(span);

        var full = (string)span.GetTagItem("url.full")!;
        Assert.StartsWith("http://127.0.0.1:5000/sh/residents/", full, StringComparison.Ordinal);
        Assert.DoesNotContain("310104199001011237", full, StringComparison.Ordinal);
        Assert.DoesNotContain("?", full, StringComparison.Ordinal);
        Assert.DoesNotContain("201612075770", (string)span.GetTagItem("url.path")!, StringComparison.Ordinal);
        Assert.Null(span.GetTagItem("url.query"));
        Assert.DoesNotContain("310104199001011237", span.DisplayName, StringComparison.Ordinal);
    }

    [Fact]
    public void Storage_and_grpc_calls_are_not_the_hubs_own()
    {
        using var storage = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:10001/devstoreaccount1/province-310000");
        storage.Headers.Add("x-ms-version", "2026-10-06");
        using var grpc = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:4001/TaskHubSidecarService/Hello")
        {
            Content = new ByteArrayContent([]),
        };
        grpc.Content.Headers.ContentType = new("application/grpc");
        using var province = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:5000/sh/residents/x");

        Assert.False(TongbanTelemetryServiceCollectionExtensions.IsOwnCall(storage));
        Assert.False(TongbanTelemetryServiceCollectionExtensions.IsOwnCall(grpc));
        Assert.True(TongbanTelemetryServiceCollectionExtensions.IsOwnCall(province));
    }
}
