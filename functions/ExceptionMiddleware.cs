using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Tongban.Functions;

/// <summary>
/// Handles a function's failure once. Queue, timer and durable triggers rethrow so the platform retries
/// and finally poisons; HTTP answers a problem+json 500 that names nothing internal.
/// </summary>
public sealed partial class ExceptionMiddleware(ILogger<ExceptionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    /// <summary>What an HTTP function that threw answers: 503 for an outage, else the devhost's own 500 (problem+json, trace ID, no stack).</summary>
    public static IResult Answer(Exception error) => Tongban.Api.Problems.ForOutage(error) ?? Tongban.Api.Problems.Internal();

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.GetHttpContext() is not null)
        {
            HttpFunctionFailed(logger, e, context.FunctionDefinition.Name, context.InvocationId);
            context.GetInvocationResult().Value = new ResultActionResult(Answer(e));
        }
        catch (Exception e)
        {
            FunctionFailed(logger, e, context.FunctionDefinition.Name, context.InvocationId);
            throw;
        }
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Error, Message = "Function {Function} failed (invocation {InvocationId})")]
    private static partial void HttpFunctionFailed(ILogger logger, Exception exception, string function, string invocationId);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Error, Message = "Function {Function} failed (invocation {InvocationId}); the platform retries")]
    private static partial void FunctionFailed(ILogger logger, Exception exception, string function, string invocationId);
}
