using Microsoft.Extensions.Options;
using Tongban.Configuration;
using Tongban.DevHost;
using Tongban.DevHost.Demo;
using Tongban.DevHost.Hosting;

// `--demo` plays all three services across the four provinces through the running hub, then keeps serving until Ctrl-C.
var demo = args.Contains("--demo");
DevHostApp started;
try
{
    started = await DevHostApp.StartAsync(args.Where(a => a != "--demo").ToArray());
}
catch (Exception e) when (StartupFailure.Describe(e) is { Count: > 0 } problems)
{
    // A configuration mistake: one line per problem naming its key, and EX_CONFIG, never a stack trace.
    foreach (var problem in problems) Console.Error.WriteLine(StartupFailure.Prefix + problem);
    return StartupFailure.ExitCode;
}

await using var hub = started;
if (demo)
{
    var options = hub.Services.GetRequiredService<IOptions<TongbanOptions>>().Value;
    var played = new AllianceDemo(hub.Url, options, Console.Out);
    await played.RunAsync(CancellationToken.None);
    played.PrintNextSteps();
    Console.WriteLine("Demo done; the hub keeps serving on " + hub.Url + " (Ctrl-C stops everything).");
}

await hub.WaitForShutdownAsync();
return 0;
