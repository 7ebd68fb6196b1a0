using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tongban;
using Tongban.Functions;
using Tongban.Provinces;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ExceptionMiddleware>();
builder.Services.AddTongbanCore(builder.Configuration).AddTongbanProvinceAdapters();
builder.Services.AddHostedService<StorageStartup>();
builder.Build().Run();
