namespace Tongban.Configuration;

/// <summary>
/// The contract's sandbox partner secrets (<c>test-credentials.json</c>): public, short test values that the
/// devhost loads itself when nothing else is configured. Only they are let through the minimum secret length,
/// and only where this is registered: its constructor is internal to the core and the devhost, so the
/// Functions app cannot make one.
/// </summary>
public sealed class SandboxSecrets
{
    private readonly Dictionary<string, string> byKey;

    /// <param name="byKey">Configuration key (<c>Tongban:Partners:{code}:Secret</c>) → the value read from the file.</param>
    internal SandboxSecrets(IEnumerable<KeyValuePair<string, string>> byKey)
    {
        this.byKey = new Dictionary<string, string>(byKey, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyCollection<string> Keys => byKey.Keys;

    /// <summary>True only for the very value the file gave this key: a short secret configured by hand is still refused.</summary>
    public bool Allows(string key, string secret) => byKey.TryGetValue(key, out var loaded) && string.Equals(loaded, secret, StringComparison.Ordinal);
}
