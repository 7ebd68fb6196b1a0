namespace Tongban;

/// <summary>
/// China's civil time (UTC+8 all year, no daylight saving): the one place the hub turns an instant into a Beijing date or
/// clock time, for deadlines, ages on the day a case opens, registration dates and provinces' wire times. In the root
/// namespace so cases, provinces and the sandbox all reach it without depending on one another.
/// </summary>
public static class BeijingTime
{
    /// <summary>Beijing's offset from UTC.</summary>
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    /// <summary>The instant as Beijing's clock shows it.</summary>
    public static DateTimeOffset ToBeijing(DateTimeOffset instant) => instant.ToOffset(Offset);

    /// <summary>The Beijing date of <paramref name="instant"/>: from 16:00 UTC on, the next UTC day.</summary>
    public static DateOnly DateOf(DateTimeOffset instant) => DateOnly.FromDateTime(ToBeijing(instant).DateTime);

    /// <summary>The Beijing date of a UTC clock reading (an orchestration's replay-safe <c>CurrentUtcDateTime</c>).</summary>
    public static DateOnly DateOfUtc(DateTime utc) => DateOf(new DateTimeOffset(utc.Ticks, TimeSpan.Zero));

    /// <summary>Today's date in Beijing by <paramref name="time"/>.</summary>
    public static DateOnly Today(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return DateOf(time.GetUtcNow());
    }

    /// <summary>A Beijing wall-clock time (its kind ignored) as an instant.</summary>
    public static DateTimeOffset At(DateTime local) => new(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), Offset);

    /// <summary>Midnight at the start of <paramref name="day"/> in Beijing.</summary>
    public static DateTimeOffset StartOfDay(DateOnly day) => At(day.ToDateTime(TimeOnly.MinValue));

    /// <summary>Midnight at the end of <paramref name="day"/> in Beijing.</summary>
    public static DateTimeOffset EndOfDay(DateOnly day) => StartOfDay(day.AddDays(1));
}
