namespace Tongban.Cli;

/// <summary>
/// What a script can rely on: each exit code names one kind of outcome, whatever the command. Told in <c>tongban --help</c>
/// (<see cref="Help"/>) and in docs/partner-onboarding.md.
/// </summary>
public static class ExitCodes
{
    /// <summary>Done as asked.</summary>
    public const int Ok = 0;

    /// <summary>Anything else: the hub answered outside its contract (a 500), or the command line itself failed.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: an unknown command or option, a missing argument, a body file missing or not JSON. Nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>The hub knows no such case (or it is not yours to see), or no such province.</summary>
    public const int NotFound = 3;

    /// <summary>The hub refused the request: validation (400, field by field), forbidden (403), too large (413), not JSON (415).</summary>
    public const int Refused = 4;

    /// <summary>Conflict (409): the case is not in a state for this (no review waiting, already ended), or an idempotency key reused with another body.</summary>
    public const int Conflict = 5;

    /// <summary>The hub could not be reached or asked to come back later (503, or 429 after the client's retries).</summary>
    public const int Unavailable = 6;

    /// <summary>No credentials found for the call (nothing sent), or the hub did not accept the signature (401).</summary>
    public const int Authentication = 7;

    /// <summary>A check came out false: a callback's signature or timestamp does not hold; the audit verifier found failures.</summary>
    public const int NotVerified = 8;

    /// <summary><c>cases watch --timeout</c> ran out before the case ended.</summary>
    public const int TimedOut = 9;

    public const string Help = """
        Exit codes:
          0  ok
          1  failure: the hub answered outside its contract (5xx), or a bug
          2  usage: unknown command or option, missing argument, body file missing or not JSON (nothing sent)
          3  not found: no such case (or not yours to see), no such province
          4  refused: validation (400, field by field), forbidden (403), too large (413), not JSON (415)
          5  conflict (409): not in a state for this, or an idempotency key reused with another body
          6  unavailable: hub unreachable, 503, or 429 after retries
          7  authentication: no credentials found (nothing sent), or the signature was refused (401)
          8  not verified: a callback's signature or timestamp does not hold; audit verification found failures
          9  timed out: cases watch --timeout ran out before the case ended
        """;
}
