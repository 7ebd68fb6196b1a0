using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Tongban.Provinces;
using Tongban.Security;

namespace Tongban.Cases.Identity;

/// <summary>Why a string is not a resident ID number. Never carries the number itself.</summary>
public enum ResidentIdProblem
{
    None,
    Missing,
    WrongFormat,
    ImpossibleBirthDate,
    FutureBirthDate,
    WrongCheckDigit,
}

/// <summary>
/// An 18-character citizen identity number (GB 11643-1999): a 6-digit address code, the birth date
/// (yyyyMMdd), a 3-digit sequence number whose last digit is odd for men, and an ISO 7064 MOD 11-2
/// check character (0–9 or X). <see cref="ToString"/> is masked, so a stray log line does not leak it.
/// </summary>
public sealed class ResidentIdNumber : IEquatable<ResidentIdNumber>
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    /// <summary>Birth years before this are treated as typing errors, not as people.</summary>
    private const int EarliestBirthYear = 1900;

    private ResidentIdNumber(string value, DateOnly birthDate)
    {
        Value = value;
        BirthDate = birthDate;
    }

    /// <summary>The number in full, check character upper-case. Never log or echo it; use <see cref="IdNumberMask"/>.</summary>
    public string Value { get; }

    public DateOnly BirthDate { get; }

    /// <summary>Read from the 17th digit: odd for a man, even for a woman.</summary>
    public Sex Sex => (Value[16] - '0') % 2 == 1 ? Sex.Male : Sex.Female;

    /// <summary>The first six digits: the GB/T 2260 code of the place of first registration.</summary>
    public string AddressCode => Value[..6];

    public static bool TryParse(string? value, DateOnly today, [NotNullWhen(true)] out ResidentIdNumber? id) =>
        Check(value, today, out id) == ResidentIdProblem.None;

    /// <summary>Parses <paramref name="value"/>, telling what is wrong with it when it is not valid on <paramref name="today"/>.</summary>
    public static ResidentIdProblem Check(string? value, DateOnly today, out ResidentIdNumber? id)
    {
        id = null;
        if (string.IsNullOrEmpty(value)) return ResidentIdProblem.Missing;
        if (value.Length != 18) return ResidentIdProblem.WrongFormat;
        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(value[i])) return ResidentIdProblem.WrongFormat;
        }

        var last = char.ToUpperInvariant(value[17]);
        if (!char.IsAsciiDigit(last) && last != 'X') return ResidentIdProblem.WrongFormat;

        if (!DateOnly.TryParseExact(value.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birthDate)
            || birthDate.Year < EarliestBirthYear)
        {
            return ResidentIdProblem.ImpossibleBirthDate;
        }

        if (birthDate > today) return ResidentIdProblem.FutureBirthDate;

        var sum = 0;
        for (var i = 0; i < 17; i++) sum += (value[i] - '0') * Weights[i];
        if (CheckCharacters[sum % 11] != last) return ResidentIdProblem.WrongCheckDigit;

        id = new ResidentIdNumber(string.Concat(value.AsSpan(0, 17), last.ToString()), birthDate);
        return ResidentIdProblem.None;
    }

    /// <summary>
    /// Completed years of age on <paramref name="date"/>. Someone born on 29 February turns a year
    /// older on 1 March in common years (the birthday has not yet come on 28 February).
    /// </summary>
    public int AgeOn(DateOnly date)
    {
        var age = date.Year - BirthDate.Year;
        if (date.Month < BirthDate.Month || (date.Month == BirthDate.Month && date.Day < BirthDate.Day)) age--;
        return age;
    }

    public bool Equals(ResidentIdNumber? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ResidentIdNumber);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => IdNumberMask.Mask(Value);
}
