using System.Collections.Concurrent;

namespace Tongban.Sandbox.Knobs;

/// <summary>The knobs of every simulated province, by province code (330000, 310000, ...).</summary>
public sealed class SandboxKnobs
{
    private readonly ConcurrentDictionary<string, ProvinceKnobs> _byProvince = new(StringComparer.Ordinal);

    internal SandboxKnobs(IEnumerable<string> provinceCodes, TimeProvider time)
    {
        foreach (var code in provinceCodes) _byProvince[code] = new ProvinceKnobs(code, time);
    }

    public ProvinceKnobs this[string provinceCode] =>
        _byProvince.TryGetValue(provinceCode, out var knobs)
            ? knobs
            : throw new KeyNotFoundException($"No simulated province {provinceCode}.");

    public ProvinceKnobs Zhejiang => this["330000"];
    public ProvinceKnobs Shanghai => this["310000"];
    public ProvinceKnobs Jiangxi => this["360000"];
    public ProvinceKnobs Anhui => this["340000"];

    public IReadOnlyCollection<string> ProvinceCodes => [.. _byProvince.Keys.Order(StringComparer.Ordinal)];

    public bool TryGet(string provinceCode, out ProvinceKnobs knobs) => _byProvince.TryGetValue(provinceCode, out knobs!);
}
