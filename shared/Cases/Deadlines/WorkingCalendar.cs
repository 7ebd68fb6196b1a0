using System.Globalization;

namespace Tongban.Cases.Deadlines;

/// <summary>What a row of the calendar says about a date that differs from the ordinary week.</summary>
public enum OfficialDayKind { Holiday, Workday }

/// <summary>
/// China's official working days: Monday–Friday, less public holidays, plus the weekend days made working days (调休).
/// The embedded 2024–2026 data (cn-official-days.csv) and configured extra days; a year with no row is not covered,
/// and callers are told (<see cref="Covers(DateOnly)"/>), since there its holidays are unknown.
/// </summary>
public sealed class WorkingCalendar
{
    private readonly IReadOnlyDictionary<DateOnly, OfficialDayKind> days;

    public WorkingCalendar(IReadOnlyDictionary<DateOnly, OfficialDayKind> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        this.days = days;
        CoveredYears = days.Keys.Select(d => d.Year).Distinct().Order().ToList();
    }

    /// <summary>The embedded data alone; configuration adds to it through <see cref="With"/>.</summary>
    public static WorkingCalendar Official { get; } = new(LoadEmbedded());

    /// <summary>The years with at least one official row: only there are holidays known.</summary>
    public IReadOnlyList<int> CoveredYears { get; }

    /// <summary>How many dates differ from the ordinary week.</summary>
    public int OfficialDayCount => days.Count;

    public bool Covers(DateOnly date) => CoveredYears.Contains(date.Year);

    /// <summary>True when every date from <paramref name="from"/> to <paramref name="to"/> (inclusive) lies in a covered year.</summary>
    public bool Covers(DateOnly from, DateOnly to)
    {
        if (to < from) (from, to) = (to, from);
        for (var year = from.Year; year <= to.Year; year++)
        {
            if (!CoveredYears.Contains(year)) return false;
        }

        return true;
    }

    public bool IsWorkingDay(DateOnly date) => days.TryGetValue(date, out var kind)
        ? kind == OfficialDayKind.Workday
        : date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    /// <summary>The <paramref name="count"/>-th working day after <paramref name="date"/> (the date itself not counted); 0: the date.</summary>
    public DateOnly AddWorkingDays(DateOnly date, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var day = date;
        while (count > 0)
        {
            day = day.AddDays(1);
            if (IsWorkingDay(day)) count--;
        }

        return day;
    }

    /// <summary>Working days after <paramref name="from"/> up to and including <paramref name="to"/>; negative when <paramref name="to"/> is earlier.</summary>
    public int WorkingDaysBetween(DateOnly from, DateOnly to)
    {
        if (to < from) return -WorkingDaysBetween(to, from);
        var count = 0;
        for (var day = from.AddDays(1); day <= to; day = day.AddDays(1))
        {
            if (IsWorkingDay(day)) count++;
        }

        return count;
    }

    /// <summary>This calendar with <paramref name="extra"/> days added; a configured date overrides an embedded one.</summary>
    public WorkingCalendar With(IReadOnlyDictionary<DateOnly, OfficialDayKind> extra)
    {
        ArgumentNullException.ThrowIfNull(extra);
        if (extra.Count == 0) return this;
        var merged = new Dictionary<DateOnly, OfficialDayKind>(days);
        foreach (var (date, kind) in extra) merged[date] = kind;
        return new WorkingCalendar(merged);
    }

    /// <summary>The calendar the configuration asks for: the embedded data plus <c>Tongban:Calendar:Days</c> (date → holiday or workday).</summary>
    public static WorkingCalendar From(IReadOnlyDictionary<string, string> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        var extra = new Dictionary<DateOnly, OfficialDayKind>();
        foreach (var (key, value) in days)
        {
            // Problems() has refused anything malformed at start-up.
            if (TryParseDate(key, out var date) && TryParseKind(value, out var kind)) extra[date] = kind;
        }

        return Official.With(extra);
    }

    public static bool TryParseDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    public static bool TryParseKind(string? text, out OfficialDayKind kind)
    {
        switch (text)
        {
            case "holiday": kind = OfficialDayKind.Holiday; return true;
            case "workday": kind = OfficialDayKind.Workday; return true;
            default: kind = default; return false;
        }
    }

    private static Dictionary<DateOnly, OfficialDayKind> LoadEmbedded()
    {
        var assembly = typeof(WorkingCalendar).Assembly;
        var resource = assembly.GetManifestResourceNames()
            .SingleOrDefault(n => n.EndsWith(".Deadlines.cn-official-days.csv", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("The embedded calendar cn-official-days.csv is missing.");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        reader.ReadLine(); // header
        var days = new Dictionary<DateOnly, OfficialDayKind>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            var fields = line.Split(',');
            if (!TryParseDate(fields[0], out var date) || fields.Length < 2 || !TryParseKind(fields[1], out var kind))
                throw new InvalidDataException($"cn-official-days.csv: malformed row '{line}'.");
            days[date] = kind;
        }

        return days;
    }
}
