using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Tongban.Functions;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ExceptionMiddleware>();
builder.UseMiddleware<DurableClientMiddleware>();
builder.Services.AddTongbanFunctionsApp(builder.Configuration);
builder.Build().Run();
