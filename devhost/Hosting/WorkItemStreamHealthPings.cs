using Grpc.Core;
using Grpc.Core.Interceptors;
using P = Microsoft.DurableTask.Protobuf;

namespace Tongban.DevHost.Hosting;

/// <summary>
/// Sends a health ping down the sidecar's work-item stream every <c>Tongban:Engine:HealthPingInterval</c>. The gRPC
/// worker (Microsoft.DurableTask.Worker.Grpc 1.24+) treats a stream that carries no work item and no ping for its
/// silent-disconnect timeout (120 s) as dead: it logs "Channel to backend has stopped receiving traffic" at Warning and
/// reconnects. Durable Task Scheduler pings; the test host's <c>TaskHubGrpcServer</c> never does, so every idle two
/// minutes the devhost's worker dropped a healthy loopback stream. With the pings the worker keeps its detection.
/// </summary>
public sealed class WorkItemStreamHealthPings(TimeSpan interval) : Interceptor
{
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (responseStream is not IServerStreamWriter<P.WorkItem> workItems || interval <= TimeSpan.Zero)
        {
            return continuation(request, responseStream, context);
        }

        return PingingAsync(request, workItems, context, continuation);
    }

    private async Task PingingAsync<TRequest, TResponse>(TRequest request, IServerStreamWriter<P.WorkItem> workItems, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class
    {
        using var stream = new PingedStream(workItems);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var pinging = stream.PingAsync(interval, stop.Token);
        try
        {
            await continuation(request, (IServerStreamWriter<TResponse>)(object)stream, context);
        }
        finally
        {
            await stop.CancelAsync();
            await pinging;
        }
    }

    /// <summary>The work-item stream with pings between the sidecar's writes: one write at a time, as gRPC requires.</summary>
    private sealed class PingedStream(IServerStreamWriter<P.WorkItem> inner) : IServerStreamWriter<P.WorkItem>, IDisposable
    {
        private static readonly P.WorkItem Ping = new() { HealthPing = new P.HealthPing() };
        private readonly SemaphoreSlim writing = new(1, 1);

        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public async Task WriteAsync(P.WorkItem message)
        {
            await writing.WaitAsync();
            try
            {
                await inner.WriteAsync(message);
            }
            finally
            {
                writing.Release();
            }
        }

        public void Dispose() => writing.Dispose();

        public async Task PingAsync(TimeSpan interval, CancellationToken stop)
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(stop))
                {
                    await WriteAsync(Ping);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The worker disconnected or the sidecar stops.
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                // The call completed between the tick and the write: nothing is listening any more.
            }
        }
    }
}
