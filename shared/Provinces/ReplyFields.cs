namespace Tongban.Provinces;

/// <summary>
/// Fields a province's reply must carry by its contract. A missing one is a <see cref="FormatException"/> naming the
/// call and the field, never a value (it may be an ID number); the adapter makes it a defect.
/// </summary>
internal static class ReplyFields
{
    public static T Required<T>(T? value, string field, string what) where T : struct =>
        value ?? throw new FormatException($"{what}: reply lacks {field}");

    public static string RequiredText(string? value, string field, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw new FormatException($"{what}: reply lacks {field}") : value;
}
