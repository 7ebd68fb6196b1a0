using Microsoft.Extensions.Options;
using Tongban.Configuration;
using Tongban.DevHost;
using Tongban.DevHost.Demo;

// `--demo` plays a few cases through the running hub, then keeps serving until Ctrl-C.
var demo = args.Contains("--demo");
await using var hub = await DevHostApp.StartAsync(args.Where(a => a != "--demo").ToArray());
if (demo)
{
    var options = hub.Services.GetRequiredService<IOptions<TongbanOptions>>().Value;
    await new MarriageDemo(hub.Url, options, Console.Out).RunAsync(CancellationToken.None);
    Console.WriteLine("Demo done; the hub keeps serving on " + hub.Url + " (Ctrl-C stops everything).");
}

await hub.WaitForShutdownAsync();
