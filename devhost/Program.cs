using Tongban.DevHost;

await using var hub = await DevHostApp.StartAsync(args);
await hub.WaitForShutdownAsync();
