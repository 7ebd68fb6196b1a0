using Microsoft.Extensions.Logging;

namespace Tongban.Sandbox;

/// <summary>How to start the sandbox. Defaults are the sandbox values of contracts/provinces/test-credentials.json.</summary>
public sealed record SandboxOptions
{
    /// <summary>Port on 127.0.0.1; 0 takes a free one (see <see cref="ProvinceSandbox.BaseUrl"/>).</summary>
    public int Port { get; init; }

    /// <summary>A population JSON file; null uses the embedded copy of data/sandbox-population.json.</summary>
    public string? PopulationPath { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the sandbox logs; ASP.NET Core's request logs (which carry ID numbers in paths) are held at Warning.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    public ZhejiangCredentials Zhejiang { get; init; } = new("tongban-hub", "zj-app-secret-0001");

    public ShanghaiCredentials Shanghai { get; init; } =
        new("tongban-hub", "sh-app-secret-0001", "sh-callback", "sh-callback-secret-0001");

    /// <summary>Shanghai callbacks: first retry after this, doubling up to <see cref="CallbackRetryMaxDelay"/>.</summary>
    public TimeSpan CallbackRetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan CallbackRetryMaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Shanghai callbacks: give up on one after trying this long.</summary>
    public TimeSpan CallbackRetryBudget { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Shanghai callbacks: an attempt without an answer within this counts as failed.</summary>
    public TimeSpan CallbackAttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

public sealed record ZhejiangCredentials(string AppKey, string AppSecret);

public sealed record ShanghaiCredentials(string AppKey, string AppSecret, string CallbackKey, string CallbackSecret);
