using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Tongban.DevHost.Hosting;

/// <summary>A start-up failure caused by one configuration value, named by its key.</summary>
public sealed class ConfigurationProblemException(string key, string problem, Exception? inner = null)
    : Exception($"{key} ({problem})", inner)
{
    public string Key { get; } = key;
}

/// <summary>
/// Tells a configuration mistake met at start-up as one line per problem, naming the key, instead of a stack trace;
/// any other failure is not recognised and keeps its stack.
/// </summary>
public static class StartupFailure
{
    /// <summary>EX_CONFIG of sysexits.h: the devhost's exit code for a configuration mistake.</summary>
    public const int ExitCode = 78;

    public const string Prefix = "tongban: configuration: ";

    /// <summary>The problems <paramref name="failure"/> (or an exception inside it) reports, empty when it is not a configuration mistake.</summary>
    public static IReadOnlyList<string> Describe(Exception failure)
    {
        foreach (var e in Chain(failure))
        {
            switch (e)
            {
                case OptionsValidationException invalid:
                    return invalid.Failures.ToList();
                case ConfigurationProblemException problem:
                    return [problem.Message];
                // The binder's own message names the key ("Failed to convert configuration value at 'Tongban:…' to type 'System.TimeSpan'.").
                case InvalidOperationException bad when bad.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                    return [bad.Message];
                // Kestrel's message names the address ("Failed to bind to address http://127.0.0.1:7071: address already in use.").
                case IOException io when io.InnerException is AddressInUseException || io.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }:
                    return [$"urls ({io.Message})"];
            }
        }

        return [];
    }

    private static IEnumerable<Exception> Chain(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException all)
            {
                foreach (var inner in all.InnerExceptions.SelectMany(Chain)) yield return inner;
            }
        }
    }
}
