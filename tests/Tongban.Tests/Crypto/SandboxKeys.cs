namespace Tongban.Tests.Crypto;

/// <summary>The Anhui sandbox keys of contracts/provinces/test-credentials.json (test-only, never real).</summary>
internal static class SandboxKeys
{
    public const string Sm4KeyHex = "7a68656a69616e672d616e6875692d31";

    public const string HubPrivateKeyPem =
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgpWnkxlO5/1EKoOti\nYPCyAKYIVR4qHZBajiqabOLvSLOhRANCAAT3lfPg4ilhcQnN4kniE4VZ0lvMCoxB\n9WJna45GtUOEz94mUgaV0/wuGmk4y/zCGtHzk3+Dsdoo2cC3PNrlOk0G\n-----END PRIVATE KEY-----\n";

    public const string HubPublicKeyPem =
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAE95Xz4OIpYXEJzeJJ4hOFWdJbzAqM\nQfViZ2uORrVDhM/eJlIGldP8LhppOMv8whrR85N/g7HaKNnAtzza5TpNBg==\n-----END PUBLIC KEY-----\n";

    public const string ProvincePrivateKeyPem =
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgCLZnYiPoq2xb14nA\nwpfjRCzn51anp0/wRgjNDCCHGS+hRANCAASG4xEmNGgcMVyex+sblKPg/RpClr6W\nAll+kKl0vgSgDuh3AAfvJjeoY8xBOn8GrHB8GeUVUuMw3X03A4txrAy/\n-----END PRIVATE KEY-----\n";

    public const string ProvincePublicKeyPem =
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAEhuMRJjRoHDFcnsfrG5Sj4P0aQpa+\nlgJZfpCpdL4EoA7odwAH7yY3qGPMQTp/BqxwfBnlFVLjMN19NwOLcawMvw==\n-----END PUBLIC KEY-----\n";

    /// <summary>The PEM as configuration often carries it: one line, newlines as the two characters \n.</summary>
    public static string Escaped(string pem) => pem.Replace("\n", "\\n", StringComparison.Ordinal);
}
