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

    public JiangxiCredentials Jiangxi { get; init; } = new("tongban-hub", "jx-app-secret-0001");

    public AnhuiCredentials Anhui { get; init; } = new(
        PaasId: "tongban-hub",
        PaasToken: "ah-paas-token-0001",
        AppId: "ah-app-0001",
        Sm4KeyHex: "7a68656a69616e672d616e6875692d31",
        HubSm2PublicKeyPem: HubSm2PublicKeyPem,
        ProvinceSm2PrivateKeyPem: AnhuiSm2PrivateKeyPem,
        Sm2UserId: "1234567812345678");

    /// <summary>Shanghai callbacks: first retry after this, doubling up to <see cref="CallbackRetryMaxDelay"/>.</summary>
    public TimeSpan CallbackRetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan CallbackRetryMaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Shanghai callbacks: give up on one after trying this long.</summary>
    public TimeSpan CallbackRetryBudget { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Shanghai callbacks: an attempt without an answer within this counts as failed.</summary>
    public TimeSpan CallbackAttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The hub's sandbox SM2 public key: Anhui verifies request signatures with it.</summary>
    public const string HubSm2PublicKeyPem =
        "-----BEGIN PUBLIC KEY-----\n" +
        "MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAE95Xz4OIpYXEJzeJJ4hOFWdJbzAqM\n" +
        "QfViZ2uORrVDhM/eJlIGldP8LhppOMv8whrR85N/g7HaKNnAtzza5TpNBg==\n" +
        "-----END PUBLIC KEY-----\n";

    /// <summary>The simulated Anhui's own SM2 key: it signs the answers (the hub holds only the public half).</summary>
    public const string AnhuiSm2PrivateKeyPem =
        "-----BEGIN PRIVATE KEY-----\n" +
        "MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgCLZnYiPoq2xb14nA\n" +
        "wpfjRCzn51anp0/wRgjNDCCHGS+hRANCAASG4xEmNGgcMVyex+sblKPg/RpClr6W\n" +
        "All+kKl0vgSgDuh3AAfvJjeoY8xBOn8GrHB8GeUVUuMw3X03A4txrAy/\n" +
        "-----END PRIVATE KEY-----\n";
}

public sealed record ZhejiangCredentials(string AppKey, string AppSecret);

public sealed record ShanghaiCredentials(string AppKey, string AppSecret, string CallbackKey, string CallbackSecret);

public sealed record JiangxiCredentials(string AppId, string AppSecret);

/// <summary>Anhui's gateway and body keys; Sm2UserId is the SM2 signer ID both sides use.</summary>
public sealed record AnhuiCredentials(
    string PaasId, string PaasToken, string AppId, string Sm4KeyHex,
    string HubSm2PublicKeyPem, string ProvinceSm2PrivateKeyPem, string Sm2UserId);
