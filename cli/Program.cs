using Tongban.Cli;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Ctrl-C ends a watch cleanly rather than killing the process mid-line.
    e.Cancel = true;
    stop.Cancel();
};
return await TongbanCommandLine.RunAsync(args, CliEnvironment.FromProcess(), stop.Token);
