using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Tongban.Functions;

/// <summary>
/// Handles a function's failure once. Queue, timer and durable triggers rethrow so the platform retries
/// and finally poisons; HTTP answers a problem+json 500 that names nothing internal.
/// </summary>
public sealed class ExceptionMiddleware(ILogger<ExceptionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.GetHttpContext() is not null)
        {
            logger.LogError(e, "Function {Function} failed (invocation {InvocationId})", context.FunctionDefinition.Name, context.InvocationId);
            var problem = Tongban.Api.Problems.ForOutage(e) ?? Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "Internal error",
                detail: $"The request could not be completed. Quote {context.InvocationId} when reporting it.");
            context.GetInvocationResult().Value = new ResultActionResult(problem);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Function {Function} failed (invocation {InvocationId}); the platform retries", context.FunctionDefinition.Name, context.InvocationId);
            throw;
        }
    }
}
