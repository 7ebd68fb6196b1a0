using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tongban;
using Tongban.Functions;
using Tongban.Provinces;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ExceptionMiddleware>();
builder.UseMiddleware<DurableClientMiddleware>();
builder.Services.AddTongbanCore(builder.Configuration).AddTongbanProvinceAdapters().AddBoundDurableTaskClient();
builder.Services.AddHostedService<StorageStartup>();
builder.Build().Run();
