namespace Tongban.Sandbox.Population;

/// <summary>GB 11643 citizen ID numbers: 6-digit division, yyyyMMdd, 3-digit sequence (odd = male), check character.</summary>
public static class ResidentIdNumber
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    /// <summary>Shape only (17 digits and a digit or X): the sandbox refuses malformed input, not unknown people.</summary>
    public static bool IsWellFormed(string? value) =>
        value is { Length: 18 }
        && value.AsSpan(0, 17).IndexOfAnyExceptInRange('0', '9') < 0
        && (char.IsAsciiDigit(value[17]) || value[17] == 'X');

    public static bool HasValidChecksum(string value) =>
        IsWellFormed(value) && CheckCharacter(value.AsSpan(0, 17)) == value[17];

    /// <summary>The sex a well-formed number carries: its sequence's last digit (the 17th character), odd for a man.</summary>
    public static bool IsMale(string value) => (value[16] - '0') % 2 == 1;

    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++) sum += (first17[i] - '0') * Weights[i];
        return CheckCharacters[sum % 11];
    }

    /// <summary>The ID for the <paramref name="ordinal"/>-th child (0-based) of that sex born that day in that division.</summary>
    public static string Issue(string division, DateOnly birthDate, bool male, int ordinal)
    {
        // Sequence codes 001..999; the last digit carries the sex (odd male, even female).
        var sequence = ordinal * 2 + (male ? 1 : 2);
        if (division.Length != 6 || sequence > 999) throw new ArgumentOutOfRangeException(nameof(ordinal));
        var first17 = $"{division}{birthDate:yyyyMMdd}{sequence:000}";
        return first17 + CheckCharacter(first17);
    }
}
