using System.Collections.ObjectModel;
using System.Diagnostics;

namespace Tongban.IntegrationTests.Infrastructure;

/// <summary>The in-memory exporter's collection, safe to read while the hub's background loops still end spans.</summary>
public sealed class CapturedSpans : Collection<Activity>
{
    private readonly Lock gate = new();

    public IReadOnlyList<Activity> Snapshot()
    {
        lock (gate) return [.. Items];
    }

    protected override void InsertItem(int index, Activity item)
    {
        lock (gate) base.InsertItem(index, item);
    }

    protected override void ClearItems()
    {
        lock (gate) base.ClearItems();
    }
}
