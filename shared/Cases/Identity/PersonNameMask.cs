using Tongban.Security;

namespace Tongban.Cases.Identity;

/// <summary>
/// Masks the names of one case's people (parties, parents, child, student) in free text a province wrote about them,
/// as <see cref="IdNumberMask"/> masks ID numbers: the first character stays (the surname, for most names), the rest is '*'.
/// Only where the case is at hand: the step layer, which has the decrypted case, applies it to every province reason.
/// </summary>
public sealed class PersonNameMask
{
    private readonly string[] names;

    private PersonNameMask(IEnumerable<string?> names) =>
        // Longest first, so a name inside another (张敏 in 张敏华) does not leave the longer one half masked.
        this.names = names.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n!.Trim()).Distinct(StringComparer.Ordinal)
            .OrderByDescending(n => n.Length).ToArray();

    public static PersonNameMask For(OpenCaseCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new PersonNameMask([
            command.Marriage?.PartyA.Name, command.Marriage?.PartyB.Name,
            command.Newborn?.Child.Name, command.Newborn?.Mother?.Name, command.Newborn?.Father?.Name,
            command.SchoolTransfer?.Student.Name,
        ]);
    }

    public static string Mask(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length < 2 || char.IsSurrogate(name[0])
            ? new string('*', name.Length)
            : string.Concat(name.AsSpan(0, 1), new string('*', name.Length - 1));
    }

    /// <summary>The text with every one of the case's names masked; null stays null.</summary>
    public string? Apply(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        foreach (var name in names)
        {
            if (text.Contains(name, StringComparison.Ordinal)) text = text.Replace(name, Mask(name), StringComparison.Ordinal);
        }

        return text;
    }
}
