namespace Tongban.Cases.Validation;

/// <summary>
/// Field problems keyed by the partner API's field paths: dotted camelCase from the body root,
/// <c>[i]</c> for array items, bare names for query parameters, header names for headers.
/// Messages never echo an ID number.
/// </summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool IsEmpty => errors.Count == 0;

    public int Count => errors.Count;

    public void Add(string path, string message)
    {
        if (!errors.TryGetValue(path, out var list))
        {
            errors[path] = list = [];
        }

        if (!list.Contains(message)) list.Add(message);
    }

    public bool Has(string path) => errors.ContainsKey(path);

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}

/// <summary>Either a validated value or the field problems that kept it from being one.</summary>
public sealed record Validated<T>(T? Value, ValidationErrors Errors) where T : class
{
    public bool IsValid => Value is not null && Errors.IsEmpty;
}
